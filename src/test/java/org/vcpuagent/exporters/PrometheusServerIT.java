package org.vcpuagent.exporters;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vcpuagent.testsupport.AgentProcess;
import org.vcpuagent.testsupport.Json;
import org.vcpuagent.testsupport.TestDomain;

import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real Prometheus server (Debian's prometheus 2.42) scrapes the agent every second, as it would in service:
 * it negotiates the format and gzip itself, and what it stores must be what JMX says, also after a change.
 */
class PrometheusServerIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    private static AgentProcess agent;
    private static MBeanServerConnection jmx;
    private static Process prometheus;
    private static String api;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        int agentPort = AgentProcess.freePort();
        agent = AgentProcess.viaLauncher("--jmx-insecure", "true", "--prometheus-port", String.valueOf(agentPort),
                "--refresh-interval", "1s");
        jmx = agent.jmx();
        int port = AgentProcess.freePort();
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: vcpu-agent
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(agentPort));
        prometheus = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        api = "http://127.0.0.1:" + port + "/api/v1/";
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (agent != null) {
            TestDomain.restore(jmx);
            agent.close();
        }
    }

    @Test
    void prometheusScrapesTheAgentAndStoresWhatJmxSays() throws Exception {
        Map<String, Object> target = await("the agent's target to be up in Prometheus", () -> {
            for (Object t : Json.list(data(get("targets?state=active")).get("activeTargets"), "activeTargets")) {
                Map<String, Object> m = Json.object(t, "target");
                if ("up".equals(m.get("health"))) {
                    return m;
                }
            }
            return null;
        });
        assertEquals("", target.get("lastError"), "Prometheus's last error for the target");
        assertEquals(2.0, awaitValue("libvirt_domain_vcpu_current{domain=\"test\"}", v -> true));
        int count = (Integer) jmx.getAttribute(PrometheusExporterIT.TEST, "VcpuCount");
        assertEquals(count, (int) value("libvirt_domain_vcpu_current{domain=\"test\"}"));
        assertEquals(count, (int) value("count(libvirt_domain_vcpu_time_seconds_total{domain=\"test\"})"));
        assertEquals(1.0, value("libvirt_up"));
        int affinity = (Integer) jmx.getAttribute(PrometheusExporterIT.vcpu("test", 0), "AffinityCpuCount");
        assertEquals(affinity, (int) value("libvirt_domain_vcpu_affinity_cpus{domain=\"test\",vcpu=\"0\"}"));

        jmx.setAttribute(PrometheusExporterIT.TEST, new Attribute("VcpuCount", 1));
        assertEquals(1.0, awaitValue("libvirt_domain_vcpu_current{domain=\"test\"}", v -> v == 1.0));
        assertEquals(1.0, awaitValue("count(libvirt_domain_vcpu_time_seconds_total{domain=\"test\"})", v -> v == 1.0),
                "the removed vCPU's series ends");
    }

    /** The value of an instant query with one result, NaN when it has none. */
    private static double value(String query) throws IOException, InterruptedException {
        List<Object> result = Json.list(data(get("query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                .get("result"), "result");
        if (result.isEmpty()) {
            return Double.NaN;
        }
        assertEquals(1, result.size(), () -> query + " gave " + result);
        List<Object> v = Json.list(Json.object(result.get(0), "sample").get("value"), "value");
        return Double.parseDouble((String) v.get(1));
    }

    private static double awaitValue(String query, Predicate<Double> wanted) throws Exception {
        return await(query + " to have the expected value", () -> {
            double v = value(query);
            return !Double.isNaN(v) && wanted.test(v) ? v : null;
        });
    }

    private static Map<String, Object> data(String body) {
        Map<String, Object> answer = Json.object(Json.parse(body), "answer");
        assertEquals("success", answer.get("status"), body);
        return Json.object(answer.get("data"), "data");
    }

    private static String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private interface Probe<T> {
        T get() throws Exception;
    }

    private static <T> T await(String what, Probe<T> probe) throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        Exception last = null;
        while (System.nanoTime() < end) {
            assertTrue(prometheus.isAlive(), () -> "prometheus exited: " + log());
            try {
                T t = probe.get();
                if (t != null) {
                    return t;
                }
            } catch (IOException e) {
                last = e; // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("waited " + WAIT.toSeconds() + " s for " + what + (last == null ? "" : ": " + last)
                + "\nprometheus's log:\n" + log());
    }

    private static String log() {
        try {
            String all = Files.readString(dir.resolve("prometheus.log"));
            return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
