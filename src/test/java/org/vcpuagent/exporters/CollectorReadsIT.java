package org.vcpuagent.exporters;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vcpuagent.testsupport.AgentProcess;
import org.vcpuagent.testsupport.JmxNames;
import org.vcpuagent.testsupport.LibvirtCallLog;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    /** The threads that answer JMX and HTTP clients (comm is cut at 15 characters). */
    private static final List<String> SERVING = List.of("RMI TCP Connect", "vcpu-agent-http", "HTTP-Dispatcher");
    private static final ObjectName DOMAIN = JmxNames.parse("libvirt.vcpu:type=Domain,name=test");
    private static final ObjectName HOST = JmxNames.parse("libvirt.vcpu:type=Host");

    @Test
    void collectorReadsMakeNoLibvirtCall(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("libvirt.log");
        int port = AgentProcess.freePort();
        try (AgentProcess agent = AgentProcess.viaLauncher(LibvirtCallLog.env(log), "--jmx-insecure", "true",
                "--prometheus-port", String.valueOf(port))) {
            LibvirtCallLog calls = new LibvirtCallLog(log, agent.pid());
            MBeanServerConnection jmx = agent.jmx();
            String metrics = "http://127.0.0.1:" + port + "/metrics";
            Set<ObjectName> vcpus = jmx.queryNames(JmxNames.parse("libvirt.vcpu:type=Vcpu,*"), null);
            assertEquals(2, vcpus.size());
            readAsCollectorsDo(jmx, vcpus, metrics);

            long from = calls.mark();
            for (int i = 0; i < 20; i++) {
                readAsCollectorsDo(jmx, vcpus, metrics);
            }
            Thread.sleep(300);
            calls.requireThreads(SERVING);
            Map<String, Integer> collectorCalls = calls.callsByThreadSince(from);
            assertTrue(collectorCalls.keySet().stream().noneMatch(CollectorReadsIT::serving),
                    "libvirt calls made for collectors' reads, by thread: " + collectorCalls);

            // The count can see a read that does ask libvirt: on the test driver, Vcpus is virDomainGetVcpus.
            long before = calls.mark();
            jmx.getAttribute(DOMAIN, "Vcpus");
            Thread.sleep(300);
            Map<String, Integer> vcpusRead = calls.callsByThreadSince(before);
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
}
