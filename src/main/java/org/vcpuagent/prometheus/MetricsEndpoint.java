package org.vcpuagent.prometheus;

import io.prometheus.jmx.JmxCollector;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import javax.management.MalformedObjectNameException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The agent's Prometheus endpoint, {@code http://HOST:PORT/metrics}: client_java's HTTP server over one
 * registry with the agent's {@link VcpuMetrics} (every {@code libvirt_domain_*} sample, from the snapshots),
 * jmx_exporter's collector with its rules file (the Host beans' {@code libvirt_up}, and whatever other MBeans
 * an operator adds rules for), and the JVM's own metrics. Started and stopped with the agent.
 */
public final class MetricsEndpoint implements AutoCloseable {

    /** The rules shipped in config/, also inside the jar for an agent started without that folder. */
    static final String BUILT_IN_RULES = "jmx_exporter.yaml";

    private final HTTPServer server;
    private final String host;

    private MetricsEndpoint(HTTPServer server, String host) {
        this.server = server;
        this.host = host;
    }

    /**
     * Registers the collectors and starts serving.
     *
     * @param rules jmx_exporter's rules file (re-read by jmx_exporter when it changes), or null for the built-in copy
     * @throws IllegalArgumentException when the rules do not parse or the port cannot be bound, naming which
     */
    public static MetricsEndpoint start(String host, int port, Path rules, List<SnapshotSource> sources,
                                        boolean affinityPerCpu) {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        jmxCollector(rules).register(registry);
        registry.register(new VcpuMetrics(sources, affinityPerCpu));
        try {
            return new MetricsEndpoint(HTTPServer.builder().hostname(host).port(port).registry(registry)
                    .buildAndStart(), host);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot serve Prometheus metrics on " + host + ":" + port + ": "
                    + e.getMessage() + " (prometheus.host, prometheus.port): give a free port", e);
        }
    }

    private static JmxCollector jmxCollector(Path rules) {
        String which = rules == null ? "the built-in jmx_exporter rules" : "the jmx_exporter rules in " + rules;
        try {
            if (rules != null) {
                return new JmxCollector(rules.toFile(), JmxCollector.Mode.AGENT);
            }
            try (InputStream in = MetricsEndpoint.class.getResourceAsStream(BUILT_IN_RULES)) {
                if (in == null) {
                    throw new IllegalStateException("the jar has no " + BUILT_IN_RULES + ": rebuild it with mvn package");
                }
                return new JmxCollector(in);
            }
        } catch (IOException | MalformedObjectNameException | RuntimeException e) {
            throw new IllegalArgumentException(which + " cannot be used: " + e.getMessage()
                    + " (prometheus.rules; see config/jmx_exporter.yaml)", e);
        }
    }

    /** Where the metrics are served; the port is the one bound, also when 0 asked for any free one. */
    public String address() {
        String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return "http://" + h + ":" + server.getPort() + "/metrics";
    }

    @Override
    public void close() {
        server.close();
    }
}
