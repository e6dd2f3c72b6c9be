package org.vcpuagent.exporters;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.testsupport.AgentProcess;
import org.vcpuagent.testsupport.JmxNames;
import org.vcpuagent.testsupport.TestDomain;

import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real jmx_exporter agent (target/javaagents/jmx_prometheus_javaagent.jar) with config/jmx_exporter.yaml,
 * started by scripts/vcpu-agent --prometheus-port on test:///default: /metrics scraped over HTTP must say
 * what JMX says.
 *
 * <p>The libvirt_domain_vcpu_state and libvirt_domain_vcpu_affinity checks need the Vcpus item
 * {@code stateCode} and the {@code Affinity} attribute (the bean change proposed with this test).
 */
class PrometheusExporterIT {

    static final ObjectName TEST = JmxNames.parse("libvirt.vcpu:type=Domain,name=test");
    static final ObjectName HOST = JmxNames.parse("libvirt.vcpu:type=Host");

    private static AgentProcess agent;
    private static MBeanServerConnection jmx;
    private static int port;
    private static String metrics;

    @BeforeAll
    static void start() throws Exception {
        port = AgentProcess.freePort();
        agent = AgentProcess.viaLauncher("--prometheus-port", String.valueOf(port));
        jmx = agent.jmx();
        metrics = "http://127.0.0.1:" + port + "/metrics";
    }

    @AfterAll
    static void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    @AfterEach
    void restore() throws Exception {
        TestDomain.restore(jmx);
    }

    private static TabularData vcpus() throws Exception {
        return (TabularData) jmx.getAttribute(TEST, "Vcpus");
    }

    private static CompositeData row(TabularData t, int vcpu) {
        return t.get(new Object[] {vcpu});
    }

    @Test
    void everyMetricEqualsWhatJmxReports() throws Exception {
        int count = (Integer) jmx.getAttribute(TEST, "VcpuCount");
        int max = (Integer) jmx.getAttribute(TEST, "MaxVcpus");
        int presentCpus = (Integer) jmx.getAttribute(HOST, "PresentCpus");
        boolean connected = (Boolean) jmx.getAttribute(HOST, "Connected");
        TabularData before = vcpus();
        Scrape s = Scrape.of(metrics);
        TabularData after = vcpus();

        assertEquals(connected ? 1.0 : 0.0, s.require("libvirt_up"));
        assertEquals(count, s.require("libvirt_domain_vcpu_current", "domain", "test"));
        assertEquals(max, s.require("libvirt_domain_vcpu_maximum", "domain", "test"));
        assertEquals(2, count);

        for (int vcpu = 0; vcpu < count; vcpu++) {
            String v = String.valueOf(vcpu);
            CompositeData b = row(before, vcpu);
            CompositeData a = row(after, vcpu);
            // CPU time runs on between the JMX reads and the scrape: nanoseconds become seconds in between.
            double seconds = s.require("libvirt_domain_vcpu_time_seconds_total", "domain", "test", "vcpu", v);
            assertTrue(seconds > 0);
            assertTrue((Long) b.get("cpuTime") * 1e-9 - 1e-6 <= seconds && seconds <= (Long) a.get("cpuTime") * 1e-9 + 1e-6,
                    () -> "vCPU " + v + " time " + seconds + " s is not between JMX's " + b.get("cpuTime") + " and "
                            + a.get("cpuTime") + " ns");
            assertEquals(((Integer) a.get("cpu")).doubleValue(), s.require("libvirt_domain_vcpu_cpu", "domain", "test", "vcpu", v));
            // libvirt's virVcpuState numbers: offline 0, running 1, blocked 2.
            int code = List.of("offline", "running", "blocked").indexOf((String) a.get("state"));
            assertEquals(code, s.require("libvirt_domain_vcpu_state", "domain", "test", "vcpu", v));
            assertEquals(a.get("stateCode"), (int) s.require("libvirt_domain_vcpu_state", "domain", "test", "vcpu", v));
            // Where libvirt reports no wait, delay or halted (the test driver has no domain statistics),
            // the row holds null and there is no sample; where it does, the values agree.
            assertOptional(a.get("wait"), s.value("libvirt_domain_vcpu_wait_seconds_total", "domain", "test", "vcpu", v), 1e-9);
            assertOptional(a.get("delay"), s.value("libvirt_domain_vcpu_delay_seconds_total", "domain", "test", "vcpu", v), 1e-9);
            assertOptional(a.get("halted") == null ? null : ((Boolean) a.get("halted") ? 1 : 0),
                    s.value("libvirt_domain_vcpu_halted", "domain", "test", "vcpu", v), 1);
            byte[] cpumap = (byte[]) a.get("cpumap");
            for (int cpu = 0; cpu < presentCpus; cpu++) {
                boolean allowed = (cpumap[cpu / 8] & (1 << (cpu % 8))) != 0;
                assertEquals(allowed ? 1.0 : 0.0, s.require("libvirt_domain_vcpu_affinity", "cpu", String.valueOf(cpu),
                        "domain", "test", "vcpu", v), "vCPU " + v + " CPU " + cpu);
            }
        }
        assertEquals(count * presentCpus, s.named("libvirt_domain_vcpu_affinity").size());
        assertEquals(count, s.named("libvirt_domain_vcpu_time_seconds_total").size());
        assertEquals(Optional.of("counter"), s.type("libvirt_domain_vcpu_time_seconds_total"));
        assertEquals(Optional.of("gauge"), s.type("libvirt_domain_vcpu_affinity"));
    }

    private static void assertOptional(Object jmxValue, Optional<Double> metric, double factor) {
        if (jmxValue == null) {
            assertTrue(metric.isEmpty(), "a sample for a value JMX does not report: " + metric);
        } else {
            assertEquals(((Number) jmxValue).doubleValue() * factor, metric.orElseThrow(), 1e-6);
        }
    }

    @Test
    void pinningAVcpuChangesItsAffinityMetric() throws Exception {
        int presentCpus = (Integer) jmx.getAttribute(HOST, "PresentCpus");
        Scrape before = Scrape.of(metrics);
        for (int cpu = 0; cpu < presentCpus; cpu++) {
            assertEquals(1.0, before.require("libvirt_domain_vcpu_affinity", "cpu", String.valueOf(cpu), "domain", "test",
                    "vcpu", "1"));
        }

        jmx.invoke(TEST, "pinVcpu", new Object[] {1, "3"}, new String[] {"int", String.class.getName()});

        Scrape after = Scrape.of(metrics);
        TabularData affinity = (TabularData) jmx.getAttribute(TEST, "Affinity");
        for (int cpu = 0; cpu < presentCpus; cpu++) {
            String c = String.valueOf(cpu);
            assertEquals(cpu == 3 ? 1.0 : 0.0, after.require("libvirt_domain_vcpu_affinity", "cpu", c, "domain", "test",
                    "vcpu", "1"), "vCPU 1 CPU " + cpu);
            assertEquals(1.0, after.require("libvirt_domain_vcpu_affinity", "cpu", c, "domain", "test", "vcpu", "0"),
                    "vCPU 0 is not pinned");
            for (int vcpu = 0; vcpu < 2; vcpu++) {
                boolean allowed = (Boolean) affinity.get(new Object[] {vcpu, cpu}).get("allowed");
                assertEquals(allowed ? 1.0 : 0.0, after.require("libvirt_domain_vcpu_affinity", "cpu", c, "domain",
                        "test", "vcpu", String.valueOf(vcpu)));
            }
        }
        assertEquals("3", row(vcpus(), 1).get("affinity"));
        assertEquals(((Integer) row(vcpus(), 1).get("cpu")).doubleValue(), after.require("libvirt_domain_vcpu_cpu", "domain", "test",
                "vcpu", "1"));
    }

    @Test
    void aSmallerVcpuCountShowsInCurrentAndDropsTheVcpusSeries() throws Exception {
        jmx.setAttribute(TEST, new Attribute("VcpuCount", 1));
        Scrape s = Scrape.of(metrics);
        assertEquals(1.0, s.require("libvirt_domain_vcpu_current", "domain", "test"));
        assertEquals(2.0, s.require("libvirt_domain_vcpu_maximum", "domain", "test"));
        assertTrue(s.value("libvirt_domain_vcpu_time_seconds_total", "domain", "test", "vcpu", "1").isEmpty());
        assertTrue(s.value("libvirt_domain_vcpu_time_seconds_total", "domain", "test", "vcpu", "0").isPresent());
        assertTrue(s.named("libvirt_domain_vcpu_affinity").stream().noneMatch(x -> x.labels().get("vcpu").equals("1")));
    }

    /** With several connections the ObjectNames carry connection=<alias>: so do the metrics. */
    @Test
    void severalConnectionsGiveAConnectionLabel() throws Exception {
        int other = AgentProcess.freePort();
        try (AgentProcess two = AgentProcess.viaLauncher("--prometheus-port", String.valueOf(other),
                "--connections", "a=test:///default,b=test:///default")) {
            MBeanServerConnection jmx2 = two.jmx();
            ObjectName a = JmxNames.parse("libvirt.vcpu:type=Domain,connection=a,name=test");
            ObjectName b = JmxNames.parse("libvirt.vcpu:type=Domain,connection=b,name=test");
            Scrape s = null;
            // Each connection registers its domains on its own worker: wait for both.
            for (int i = 0; i < 100 && !(jmx2.isRegistered(a) && jmx2.isRegistered(b)); i++) {
                Thread.sleep(100);
            }
            s = Scrape.of("http://127.0.0.1:" + other + "/metrics");
            for (String c : List.of("a", "b")) {
                ObjectName host = JmxNames.parse("libvirt.vcpu:type=Host,connection=" + c);
                assertEquals((Boolean) jmx2.getAttribute(host, "Connected") ? 1.0 : 0.0, s.require("libvirt_up", "connection", c));
                ObjectName domain = JmxNames.parse("libvirt.vcpu:type=Domain,connection=" + c + ",name=test");
                assertEquals(((Integer) jmx2.getAttribute(domain, "VcpuCount")).doubleValue(),
                        s.require("libvirt_domain_vcpu_current", "connection", c, "domain", "test"));
                assertTrue(s.value("libvirt_domain_vcpu_time_seconds_total", "connection", c, "domain", "test", "vcpu", "0")
                        .isPresent());
                assertTrue(s.value("libvirt_domain_vcpu_affinity", "connection", c, "cpu", "0", "domain", "test", "vcpu", "0")
                        .isPresent());
            }
            assertTrue(s.named("libvirt_domain_vcpu_current").stream().allMatch(x -> x.labels().containsKey("connection")));
        }
    }

    @Test
    void metricsAreServedOnLoopbackOnly() throws Exception {
        Optional<InetAddress> external = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (IOException e) {
                        return false;
                    }
                })
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()).findFirst();
        assumeTrue(external.isPresent(), "this machine has no other address to try");
        try (Socket ok = new Socket()) {
            ok.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        }
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(external.get(), port), 5000);
            }
        });
    }

    @Test
    void onlyTheAgentsMBeansAreScrapedWithTheRules() throws Exception {
        Scrape s = Scrape.of(metrics);
        assertFalse(s.samples().stream().anyMatch(x -> x.name().startsWith("libvirt_vcpu_")),
                "a libvirt.vcpu value left to jmx_exporter's default naming");
        assertTrue(s.samples().stream().filter(x -> x.name().startsWith("libvirt_")).allMatch(x ->
                List.of("libvirt_up", "libvirt_domain_vcpu_current", "libvirt_domain_vcpu_maximum",
                        "libvirt_domain_vcpu_time_seconds_total", "libvirt_domain_vcpu_wait_seconds_total",
                        "libvirt_domain_vcpu_delay_seconds_total", "libvirt_domain_vcpu_state", "libvirt_domain_vcpu_cpu",
                        "libvirt_domain_vcpu_halted", "libvirt_domain_vcpu_affinity").contains(x.name())));
    }
}
