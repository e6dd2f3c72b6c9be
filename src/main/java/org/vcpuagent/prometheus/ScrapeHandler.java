package org.vcpuagent.prometheus;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * {@code GET /metrics}: the agent's own families ({@link VcpuMetrics}) and then the registry's (the JVM's, and
 * jmx_exporter's collector for the MBeans an operator adds rules for), in Prometheus's text format 0.0.4, which
 * every Prometheus and the scrapers that speak its protocol read. Streamed as it is written; gzip when the
 * scraper asks for it (Prometheus always does), at the fastest level: the text repeats itself so much that more
 * effort buys little. {@code name[]=…} in the query keeps only the families named, as client_java's handler does.
 * A family name a jmx_exporter rule makes that the agent already writes is left out of the registry's part,
 * so one scrape never has a family twice.
 *
 * <p>Holds no mutable state: the HTTP server's threads run it side by side.
 */
final class ScrapeHandler implements HttpHandler {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Logger log = LoggerFactory.getLogger(ScrapeHandler.class);

    private final VcpuMetrics vcpus;
    private final PrometheusRegistry registry;
    private final Set<String> ours;
    private final PrometheusTextFormatWriter registryText = new PrometheusTextFormatWriter(false);

    ScrapeHandler(VcpuMetrics vcpus, PrometheusRegistry registry) {
        this.vcpus = vcpus;
        this.registry = registry;
        this.ours = Set.copyOf(vcpus.names());
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            Predicate<String> wanted = wanted(exchange.getRequestURI().getRawQuery());
            boolean gzip = acceptsGzip(exchange.getRequestHeaders());
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            if (gzip) {
                exchange.getResponseHeaders().set("Content-Encoding", "gzip");
            }
            if (method.equals("HEAD")) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream body = gzip ? new FastGzip(exchange.getResponseBody()) : exchange.getResponseBody()) {
                TextOutput out = new TextOutput(body);
                vcpus.write(out, wanted);
                out.flush();
                registryText.write(body, registry.scrape(name -> wanted.test(name) && !ours.contains(name)
                        && !ours.contains(name + "_total")));
            }
        } catch (IOException e) {
            log.debug("a scrape of /metrics ended early: {}", e.toString()); // the scraper went away
        } catch (RuntimeException e) {
            // The status is sent already: the scraper sees a cut body and marks the scrape failed.
            log.warn("a scrape of /metrics failed", e);
        }
    }

    /** All families, or those {@code name[]} asks for; a counter may be asked for with or without _total. */
    static Predicate<String> wanted(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return name -> true;
        }
        Set<String> names = new HashSet<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8).equals("name[]")) {
                names.add(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        if (names.isEmpty()) {
            return name -> true;
        }
        return name -> names.contains(name) || names.contains(name + "_total")
                || name.endsWith("_total") && names.contains(name.substring(0, name.length() - "_total".length()));
    }

    static boolean acceptsGzip(Headers headers) {
        List<String> values = headers.get("Accept-Encoding");
        if (values == null) {
            return false;
        }
        for (String value : values) {
            for (String coding : value.split(",")) {
                String[] parts = coding.trim().split(";");
                if (parts[0].trim().equalsIgnoreCase("gzip") && !refused(parts)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code gzip;q=0} says no. */
    private static boolean refused(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim().replace(" ", "");
            if (p.equals("q=0") || p.startsWith("q=0.") && p.substring(4).chars().allMatch(c -> c == '0')) {
                return true;
            }
        }
        return false;
    }

    /** gzip at the fastest level; closing it finishes the stream and closes the response. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }
}
