package org.vcpuagent.prometheus;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.jmx.JmxCollector;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.vcpuagent.common.NamedDaemonThreads;

import javax.management.MalformedObjectNameException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The agent's Prometheus endpoint, {@code http://HOST:PORT/metrics}: the JDK's HTTP server with the agent's
 * {@link ScrapeHandler}, which writes every {@code libvirt_domain_*} sample from the snapshots
 * ({@link VcpuMetrics}) and then the registry's families: jmx_exporter's collector with its rules file (whatever
 * MBeans an operator adds rules for; none by default) and the JVM's own metrics. {@code /-/healthy} answers
 * while the endpoint serves. Started and stopped with the agent.
 */
public final class MetricsEndpoint implements AutoCloseable {

    /** The rules shipped in config/, also inside the jar for an agent started without that folder. */
    static final String BUILT_IN_RULES = "jmx_exporter.yaml";
    /** Scrapes served at once; more wait their turn. Two: Prometheus and one person with curl. */
    static final int SERVING_THREADS = 2;
    static final String THREAD_NAME = "vcpu-agent-http";
    /**
     * The JDK's HTTP server sets TCP_NODELAY on its connections only with this property, read once when the
     * server is first used. Without it the end of a streamed scrape can wait for the scraper's delayed ACK
     * (Nagle's algorithm), which made small scrapes take tens of milliseconds of wall time for a few of CPU.
     * The launcher gives it on the command line; {@link #start} sets it when nothing did.
     */
    public static final String NO_DELAY_PROPERTY = "sun.net.httpserver.nodelay";

    private final HttpServer server;
    private final ExecutorService threads;
    private final String host;

    private MetricsEndpoint(HttpServer server, ExecutorService threads, String host) {
        this.server = server;
        this.threads = threads;
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
        if (System.getProperty(NO_DELAY_PROPERTY) == null) {
            System.setProperty(NO_DELAY_PROPERTY, "true");
        }
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        jmxCollector(rules).register(registry);
        ScrapeHandler scrapes = new ScrapeHandler(new VcpuMetrics(sources, affinityPerCpu), registry);
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("prometheus.host '" + host + "' does not resolve to an address: give "
                    + "a name or address of this host, such as 127.0.0.1 (the default)");
        }
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot serve Prometheus metrics on " + host + ":" + port + ": "
                    + e.getMessage() + " (prometheus.host, prometheus.port): give a port nothing else listens on, "
                    + "on an address of this host", e);
        }
        server.createContext("/metrics", scrapes);
        server.createContext("/-/healthy", exchange -> text(exchange, 200, "vcpu-agent's metrics are served.\n"));
        server.createContext("/", exchange -> text(exchange, exchange.getRequestURI().getPath().equals("/") ? 200 : 404,
                "vcpu-agent: the Prometheus metrics are at /metrics\n"));
        ExecutorService threads = Executors.newFixedThreadPool(SERVING_THREADS, new NamedDaemonThreads(THREAD_NAME));
        server.setExecutor(threads);
        server.start();
        return new MetricsEndpoint(server, threads, host);
    }

    private static void text(HttpExchange exchange, int status, String text) throws IOException {
        try (exchange) {
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
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
        return "http://" + h + ":" + server.getAddress().getPort() + "/metrics";
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
