package org.vcpuagent.exporters;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vcpuagent.testsupport.AgentProcess;
import org.vcpuagent.testsupport.JmxNames;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What collectors read costs libvirt nothing: every attribute of the per-vCPU beans, the Domain bean's
 * VcpuCount, MaxVcpus, UnplugStatus, StatsAgeMillis and DataSource, the Host bean's connection figures, and a
 * scrape of /metrics, read over and over from a real JMX connection and HTTP, make no libvirt API call on the
 * threads that serve them. Counted in libvirt's own debug log of the agent process, where each API call names
 * the thread that made it (test:///default; the benchmark counts the same on qemu:///system).
 */
class CollectorReadsIT {

    /** libvirt logs each public API entry as {@code TIME: TID: debug : virDomainGetVcpus:NNN : ...}. */
    private static final Pattern CALL = Pattern.compile("^\\S+ \\S+: (\\d+): debug : (vir[A-Za-z]+):\\d+ : ");
    /** The threads that answer JMX and HTTP clients (comm is cut at 15 characters). */
    private static final List<String> SERVING = List.of("RMI TCP Connect", "prometheus-http", "HTTP-Dispatcher");
    private static final ObjectName DOMAIN = JmxNames.parse("libvirt.vcpu:type=Domain,name=test");
    private static final ObjectName HOST = JmxNames.parse("libvirt.vcpu:type=Host");

    @Test
    void collectorReadsMakeNoLibvirtCall(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("libvirt.log");
        int port = AgentProcess.freePort();
        try (AgentProcess agent = AgentProcess.viaLauncher(Map.of("LIBVIRT_LOG_FILTERS", "1:libvirt.domain 1:libvirt.host",
                "LIBVIRT_LOG_OUTPUTS", "1:file:" + log), "--jmx-insecure", "true", "--prometheus-port", String.valueOf(port))) {
            MBeanServerConnection jmx = agent.jmx();
            String metrics = "http://127.0.0.1:" + port + "/metrics";
            Set<ObjectName> vcpus = jmx.queryNames(JmxNames.parse("libvirt.vcpu:type=Vcpu,*"), null);
            assertEquals(2, vcpus.size());
            readAsCollectorsDo(jmx, vcpus, metrics);

            long from = Files.size(log);
            for (int i = 0; i < 20; i++) {
                readAsCollectorsDo(jmx, vcpus, metrics);
            }
            Map<String, Integer> collectorCalls = callsByThread(agent.pid(), log, from);
            assertTrue(collectorCalls.keySet().stream().noneMatch(CollectorReadsIT::serving),
                    "libvirt calls made for collectors' reads, by thread: " + collectorCalls);

            // The count can see a read that does ask libvirt: on the test driver, Vcpus is virDomainGetVcpus.
            long before = Files.size(log);
            jmx.getAttribute(DOMAIN, "Vcpus");
            Map<String, Integer> vcpusRead = callsByThread(agent.pid(), log, before);
            assertTrue(vcpusRead.entrySet().stream().anyMatch(e -> serving(e.getKey()) && e.getValue() > 0),
                    "the Vcpus read's virDomainGetVcpus was not seen on an RMI thread: " + vcpusRead);
        }
    }

    private static boolean serving(String threadAndCall) {
        return SERVING.stream().anyMatch(threadAndCall::startsWith);
    }

    private static void readAsCollectorsDo(MBeanServerConnection jmx, Set<ObjectName> vcpus, String metrics)
            throws Exception {
        for (ObjectName v : vcpus) {
            String[] names = java.util.Arrays.stream(jmx.getMBeanInfo(v).getAttributes())
                    .map(MBeanAttributeInfo::getName).toArray(String[]::new);
            assertEquals(names.length, jmx.getAttributes(v, names).size(), v.toString());
        }
        jmx.getAttributes(DOMAIN, new String[] {"VcpuCount", "MaxVcpus", "UnplugStatus", "StatsAgeMillis", "DataSource"});
        jmx.getAttributes(HOST, new String[] {"Connected", "DomainCount", "Uri"});
        assertFalse(Scrape.of(metrics).named("libvirt_domain_vcpu_time_seconds_total").isEmpty());
    }

    /** API calls logged since {@code from}, as "thread name: call" with a count, thread names read from /proc. */
    private static Map<String, Integer> callsByThread(long pid, Path log, long from) throws IOException, InterruptedException {
        Thread.sleep(300);
        Map<String, String> names = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                names.put(t.getFileName().toString(), Files.readString(t.resolve("comm")).trim());
            }
        }
        Map<String, Integer> out = new HashMap<>();
        List<String> lines = new ArrayList<>();
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            f.seek(from);
            byte[] rest = new byte[(int) (f.length() - from)];
            f.readFully(rest);
            lines.addAll(List.of(new String(rest, StandardCharsets.ISO_8859_1).split("\n")));
        }
        for (String line : lines) {
            Matcher m = CALL.matcher(line);
            if (m.find()) {
                out.merge(names.getOrDefault(m.group(1), "thread " + m.group(1) + " (ended)") + ": " + m.group(2), 1,
                        Integer::sum);
            }
        }
        return out;
    }
}
