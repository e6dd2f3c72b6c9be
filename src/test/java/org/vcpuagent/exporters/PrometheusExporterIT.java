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
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The agent's /metrics endpoint (its snapshot collector, jmx_exporter's collector with config/jmx_exporter.yaml),
 * started by scripts/vcpu-agent --prometheus-port on test:///default: /metrics scraped over HTTP must say
 * what JMX says and pass promtool's lint. That a scrape makes no libvirt call is counted on qemu:///system by
 * the benchmark's monitoring part (ScrapeCallsBench).
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
        agent = AgentProcess.viaLauncher("--jmx-insecure", "true", "--prometheus-port", String.valueOf(port));
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

    static ObjectName vcpu(String domain, int n) {
        return JmxNames.parse("libvirt.vcpu:type=Vcpu,name=" + domain + ",vcpu=" + n);
    }

    @Test
    void everyMetricEqualsWhatJmxReports() throws Exception {
        int count = (Integer) jmx.getAttribute(TEST, "VcpuCount");
        int max = (Integer) jmx.getAttribute(TEST, "MaxVcpus");
        boolean connected = (Boolean) jmx.getAttribute(HOST, "Connected");
        long[] before = new long[count];
        for (int n = 0; n < count; n++) {
            before[n] = (Long) jmx.getAttribute(vcpu("test", n), "CpuTimeNanos");
        }
        Scrape s = Scrape.of(metrics);

        assertEquals(connected ? 1.0 : 0.0, s.require("libvirt_up"));
        assertEquals(count, s.require("libvirt_domain_vcpu_current", "domain", "test"));
        assertEquals(max, s.require("libvirt_domain_vcpu_maximum", "domain", "test"));
        assertEquals(2, count);
        assertEquals(0.0, s.require("libvirt_domain_vcpu_unplug_pending", "domain", "test"));
        double age = s.require("libvirt_domain_stats_age_seconds", "domain", "test");
        assertTrue(age >= 0 && age < 5, "snapshot age " + age + " s");

        for (int n = 0; n < count; n++) {
            String v = String.valueOf(n);
            ObjectName bean = vcpu("test", n);
            long after = (Long) jmx.getAttribute(bean, "CpuTimeNanos");
            // CPU time runs on between the JMX reads and the scrape: nanoseconds become seconds in between.
            double seconds = s.require("libvirt_domain_vcpu_time_seconds_total", "domain", "test", "vcpu", v);
            long b = before[n];
            assertTrue(b * 1e-9 - 1e-6 <= seconds && seconds <= after * 1e-9 + 1e-6,
                    () -> "vCPU " + v + " time " + seconds + " s is not between JMX's " + b + " and " + after + " ns");
            assertEquals(((Integer) jmx.getAttribute(bean, "Cpu")).doubleValue(),
                    s.require("libvirt_domain_vcpu_cpu", "domain", "test", "vcpu", v));
            assertEquals(((Integer) jmx.getAttribute(bean, "StateCode")).doubleValue(),
                    s.require("libvirt_domain_vcpu_state", "domain", "test", "vcpu", v));
            assertEquals(1.0, s.require("libvirt_domain_vcpu_state", "domain", "test", "vcpu", v), "running");
            assertEquals(((Integer) jmx.getAttribute(bean, "AffinityCpuCount")).doubleValue(),
                    s.require("libvirt_domain_vcpu_affinity_cpus", "domain", "test", "vcpu", v));
            // Where libvirt reports no wait, delay or halted (the test driver has no domain statistics),
            // the attribute is empty and there is no sample; where it does, the values agree.
            assertOptional(jmx.getAttribute(bean, "WaitNanos"),
                    s.value("libvirt_domain_vcpu_wait_seconds_total", "domain", "test", "vcpu", v), 1e-9);
            assertOptional(jmx.getAttribute(bean, "DelayNanos"),
                    s.value("libvirt_domain_vcpu_delay_seconds_total", "domain", "test", "vcpu", v), 1e-9);
            Object halted = jmx.getAttribute(bean, "Halted");
            assertOptional(halted == null ? null : ((Boolean) halted ? 1 : 0),
                    s.value("libvirt_domain_vcpu_halted", "domain", "test", "vcpu", v), 1);
        }
        assertEquals(count, s.named("libvirt_domain_vcpu_time_seconds_total").size());
        assertEquals(Optional.of("counter"), s.type("libvirt_domain_vcpu_time_seconds_total"));
        assertEquals(Optional.of("gauge"), s.type("libvirt_domain_vcpu_affinity_cpus"));
        assertTrue(s.named("libvirt_domain_vcpu_affinity").isEmpty(), "the per-host-CPU affinity metric is off by default");
    }

    private static void assertOptional(Object jmxValue, Optional<Double> metric, double factor) {
        if (jmxValue == null) {
            assertTrue(metric.isEmpty(), "a sample for a value JMX does not report: " + metric);
        } else {
            assertEquals(((Number) jmxValue).doubleValue() * factor, metric.orElseThrow(), 1e-6);
        }
    }

    @Test
    void pinningAVcpuChangesItsAffinityCpusMetric() throws Exception {
        int presentCpus = (Integer) jmx.getAttribute(HOST, "PresentCpus");
        assertEquals(presentCpus, Scrape.of(metrics).require("libvirt_domain_vcpu_affinity_cpus", "domain", "test", "vcpu", "1"));

        jmx.invoke(TEST, "pinVcpu", new Object[] {1, "2-3"}, new String[] {"int", String.class.getName()});

        Scrape after = Scrape.of(metrics);
        assertEquals(2.0, after.require("libvirt_domain_vcpu_affinity_cpus", "domain", "test", "vcpu", "1"));
        assertEquals(presentCpus, after.require("libvirt_domain_vcpu_affinity_cpus", "domain", "test", "vcpu", "0"),
                "vCPU 0 is not pinned");
        assertEquals("2-3", jmx.getAttribute(vcpu("test", 1), "Affinity"));
    }

    @Test
    void aSmallerVcpuCountShowsInCurrentAndDropsTheVcpusSeries() throws Exception {
        jmx.setAttribute(TEST, new Attribute("VcpuCount", 1));
        Scrape s = Scrape.of(metrics);
        assertEquals(1.0, s.require("libvirt_domain_vcpu_current", "domain", "test"));
        assertEquals(2.0, s.require("libvirt_domain_vcpu_maximum", "domain", "test"));
        assertTrue(s.value("libvirt_domain_vcpu_time_seconds_total", "domain", "test", "vcpu", "1").isEmpty());
        assertTrue(s.value("libvirt_domain_vcpu_time_seconds_total", "domain", "test", "vcpu", "0").isPresent());
        assertTrue(s.named("libvirt_domain_vcpu_state").stream().noneMatch(x -> x.labels().get("vcpu").equals("1")));
    }

    /** promtool, Prometheus's own checker (Debian package prometheus), finds nothing wrong with a scrape. */
    @Test
    void promtoolFindsNoProblemInAScrape() throws Exception {
        String text = Scrape.of(metrics).text();
        Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "promtool check metrics:\n" + out);
        assertFalse(out.contains("libvirt_"), "promtool's remarks on our metrics:\n" + out);
    }

    /** A domain name that an ObjectName must quote gives a plain domain label. */
    @Test
    void aQuotedDomainNameGivesAPlainLabel(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path node = dir.resolve("node.xml");
        java.nio.file.Files.writeString(node, "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores>"
                + "<threads>2</threads><active>8</active><mhz>2000</mhz><model>i686</model></cpu><memory>8388608</memory>"
                + "<domain type='test'><name>my vm</name><memory>65536</memory><vcpu current='2'>4</vcpu>"
                + "<os><type>hvm</type></os></domain></node>");
        int other = AgentProcess.freePort();
        try (AgentProcess quoted = AgentProcess.viaLauncher("--jmx-insecure", "true", "--uri", "test://" + node,
                "--prometheus-port", String.valueOf(other))) {
            ObjectName bean = JmxNames.parse("libvirt.vcpu:type=Vcpu,name=\"my vm\",vcpu=1");
            org.vcpuagent.testsupport.JmxAwait.registered(quoted.jmx(), bean, true, java.time.Duration.ofSeconds(10));
            Scrape s = Scrape.of("http://127.0.0.1:" + other + "/metrics");
            assertEquals(2.0, s.require("libvirt_domain_vcpu_current", "domain", "my vm"));
            assertEquals(4.0, s.require("libvirt_domain_vcpu_maximum", "domain", "my vm"));
            assertTrue(s.value("libvirt_domain_vcpu_time_seconds_total", "domain", "my vm", "vcpu", "1").isPresent());
            assertTrue(s.samples().stream().noneMatch(x -> String.valueOf(x.labels().get("domain")).contains("\"")));
        }
    }

    /** With several connections the ObjectNames carry connection=<alias>: so do the metrics. */
    @Test
    void severalConnectionsGiveAConnectionLabel() throws Exception {
        int other = AgentProcess.freePort();
        try (AgentProcess two = AgentProcess.viaLauncher("--jmx-insecure", "true", "--prometheus-port", String.valueOf(other),
                "--connections", "a=test:///default,b=test:///default")) {
            MBeanServerConnection jmx2 = two.jmx();
            ObjectName a = JmxNames.parse("libvirt.vcpu:type=Vcpu,connection=a,name=test,vcpu=1");
            ObjectName b = JmxNames.parse("libvirt.vcpu:type=Vcpu,connection=b,name=test,vcpu=1");
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
                assertTrue(s.value("libvirt_domain_vcpu_state", "connection", c, "domain", "test", "vcpu", "1").isPresent());
            }
            assertTrue(s.named("libvirt_domain_vcpu_current").stream().allMatch(x -> x.labels().containsKey("connection")));
        }
    }

    /** The one switch for the per-host-CPU affinity metric: the same bits as the Domain bean's Affinity rows. */
    @Test
    void theAffinityPerHostCpuSwitchGivesOneSamplePerVcpuAndHostCpu() throws Exception {
        int other = AgentProcess.freePort();
        try (AgentProcess perCpu = AgentProcess.viaLauncher("--jmx-insecure", "true", "--prometheus-port",
                String.valueOf(other), "--prometheus-affinity-per-cpu", "true")) {
            MBeanServerConnection jmx2 = perCpu.jmx();
            jmx2.invoke(TEST, "pinVcpu", new Object[] {1, "2-3"}, new String[] {"int", String.class.getName()});
            int presentCpus = (Integer) jmx2.getAttribute(HOST, "PresentCpus");
            javax.management.openmbean.TabularData rows =
                    (javax.management.openmbean.TabularData) jmx2.getAttribute(TEST, "Affinity");
            Scrape s = Scrape.of("http://127.0.0.1:" + other + "/metrics");
            assertEquals(2 * presentCpus, s.named("libvirt_domain_vcpu_affinity").size());
            assertEquals(rows.size(), s.named("libvirt_domain_vcpu_affinity").size());
            for (Object row : rows.values()) {
                javax.management.openmbean.CompositeData r = (javax.management.openmbean.CompositeData) row;
                double expected = (Boolean) r.get("allowed") ? 1.0 : 0.0;
                assertEquals(expected, s.require("libvirt_domain_vcpu_affinity", "domain", "test",
                        "vcpu", String.valueOf(r.get("vcpu")), "cpu", String.valueOf(r.get("cpu"))), r.toString());
            }
            assertEquals(1.0, s.require("libvirt_domain_vcpu_affinity", "domain", "test", "vcpu", "1", "cpu", "3"));
            assertEquals(0.0, s.require("libvirt_domain_vcpu_affinity", "domain", "test", "vcpu", "1", "cpu", "4"));
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
                        "libvirt_domain_vcpu_halted", "libvirt_domain_vcpu_affinity_cpus",
                        "libvirt_domain_stats_age_seconds", "libvirt_domain_stats_stale",
                        "libvirt_domain_vcpu_unplug_pending").contains(x.name())));
    }

    /** Prometheus 2.42's own request headers: it prefers OpenMetrics and asks for gzip. */
    static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
            + "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    @Test
    void aScrapeAsPrometheusAsksIsGzippedTextWithTheSameSamples() throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics))
                .header("Accept", PROMETHEUS_ACCEPT).header("Accept-Encoding", "gzip").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals(Optional.of("gzip"), r.headers().firstValue("Content-Encoding"));
        assertEquals(Optional.of("text/plain; version=0.0.4; charset=utf-8"), r.headers().firstValue("Content-Type"));
        String text;
        try (var in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(r.body().length * 4 < text.length(), "gzip shrinks the text: " + r.body().length + " of " + text.length());
        assertEquals(series(Scrape.of(metrics)), series(Scrape.parse(text)));
    }

    /** Each sample's name and labels: the values run on between two scrapes. */
    private static java.util.Set<String> series(Scrape s) {
        return s.samples().stream().filter(x -> x.name().startsWith("libvirt_"))
                .map(x -> x.name() + x.labels()).collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void nameInTheQueryKeepsOnlyTheNamedFamilies() throws Exception {
        Scrape s = Scrape.of(metrics + "?name[]=libvirt_domain_vcpu_current&name[]=libvirt_domain_vcpu_time_seconds_total"
                + "&name%5B%5D=jvm_threads_current");
        assertEquals(java.util.Set.of("libvirt_domain_vcpu_current", "libvirt_domain_vcpu_time_seconds_total",
                "jvm_threads_current"), s.samples().stream().map(Scrape.Sample::name).collect(java.util.stream.Collectors.toSet()));
        assertEquals(2.0, s.require("libvirt_domain_vcpu_current", "domain", "test"));
    }

    @Test
    void onlyGetAndHeadAreServed() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(metrics))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals(Optional.of("GET, HEAD"), post.headers().firstValue("Allow"));
        HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(metrics))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        HttpResponse<String> healthy = http.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + port + "/-/healthy")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, healthy.statusCode());
        assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/nothing")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }
}
