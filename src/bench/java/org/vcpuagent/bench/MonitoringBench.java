package org.vcpuagent.bench;

import org.vcpuagent.testsupport.AgentProcess;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Part "monitoring": a Prometheus scrape of the agent (its own /metrics: the snapshot collector, and jmx_exporter's
 * collector with the shipped config/jmx_exporter.yaml)
 * beside Debian's prometheus-libvirt-exporter 0.2.0 on the same node XML of N domains of 8 vCPUs, measured in
 * the same run, alternating: wall time and the exporting process's CPU per scrape, samples, and the whole agent
 * process's CPU at a 15 s scrape interval.
 */
final class MonitoringBench {

    static final String LIBVIRT_EXPORTER = "/usr/bin/prometheus-libvirt-exporter";
    /** The scrape interval the CPU share is given for: Prometheus's usual one. */
    static final double SCRAPE_INTERVAL_S = 15;

    /** One exporter: its /metrics and the process whose CPU a scrape costs. */
    private record Exporter(String label, String url, long pid) {
    }

    /** What was measured for one exporter at one size. */
    record Row(String label, int domains, Stats wall, Stats cpu, int samples, int vcpuSamples, double idleCpuPct,
               double cadenceCpuPct) {
    }

    /**
     * How long the whole agent is watched while scraped every 15 s (full runs, the largest size only), after
     * scraping it at that cadence for {@link #CADENCE_WARM_UP_S} first: a service runs for days, and its first
     * minutes (the JIT compiling the scrape and refresh paths) are shown by the estimate beside it.
     */
    static final int CADENCE_WINDOW_S = 180;
    static final int CADENCE_WARM_UP_S = 120;

    private MonitoringBench() {
    }

    static void run(Context ctx) throws Exception {
        Report r = ctx.report;
        r.section("Monitoring: a Prometheus scrape of the agent beside Debian's libvirt exporter");
        r.text("""
                libvirt's test driver with a node XML of N running domains of 8 vCPUs (as in the scale part). \
                The agent: `scripts/vcpu-agent --uri test:///…/nodeN.xml --prometheus-port P` with the shipped \
                `config/jmx_exporter.yaml` (the agent's own endpoint: it writes `libvirt_up` and every domain's and \
                vCPU's samples itself; jmx_exporter's collector exports no MBean by default); beside it, Debian's `prometheus-libvirt-exporter` 0.2.0 \
                (`--libvirt.uri test:///…/nodeN.xml`) on the same file. After the warm-up both are scraped in \
                turn (A B A B …) with one HTTP client; **wall** is the GET with its whole body, **CPU** the \
                exporting process's utime + stime across that scrape (`/proc/PID/stat`, in clock ticks of 10 ms: the \
                mean of the scrapes, where a median would be a whole number of ticks), \
                **samples** the sample lines of one scrape. The agent's **idle CPU** is its process over a window \
                without scrapes (its own refresh: snapshots, looks, statistics); the share at a 15 s scrape \
                interval is idle + CPU per scrape ÷ 15 s, an estimate for the agent's first minutes. At 1000 domains \
                (full runs) the whole agent process is then also measured as Prometheus would load it: scraped \
                every 15 s with Prometheus's request headers (gzip) for 120 s, then its CPU over 180 s more of \
                that (refresh, scrapes, JIT and GC together). The load average is recorded before each size.""");
        if (!Files.isExecutable(Path.of(LIBVIRT_EXPORTER))) {
            r.text("**Not measured:** " + LIBVIRT_EXPORTER + " is missing (`scripts/install-deps.sh --tests` installs it).");
            return;
        }
        List<Integer> sizes = ctx.quick ? List.of(10, 100) : List.of(10, 100, 300, 1000);
        List<Row> rows = new ArrayList<>();
        for (int n : sizes) {
            r.load("monitoring, before " + n + " domains");
            rows.addAll(measure(ctx, n));
        }
        Table t = new Table("Domains", "Exporter", "Scrape wall (median, min – max)", "CPU per scrape (mean)", "Scrapes",
                "Samples", "of them per vCPU (labelled vcpu)", "Idle CPU", "CPU at a 15 s interval (idle + scrape ÷ 15 s)",
                "Whole agent scraped every 15 s, measured over " + CADENCE_WINDOW_S + " s (after " + CADENCE_WARM_UP_S
                        + " s more at that cadence)");
        for (Row row : rows) {
            double atInterval = row.idleCpuPct + 100 * row.cpu.mean() / 1000 / SCRAPE_INTERVAL_S;
            t.row(row.domains, row.label, row.wall.median(true) + " (" + row.wall.range() + ")", Stats.time(row.cpu.mean()),
                    row.wall.n(), row.samples, row.vcpuSamples,
                    Double.isNaN(row.idleCpuPct) ? "–" : String.format("%.2f %%", row.idleCpuPct),
                    Double.isNaN(row.idleCpuPct) ? "–" : String.format("%.2f %% of one core", atInterval),
                    Double.isNaN(row.cadenceCpuPct) ? "–" : String.format("%.2f %% of one core", row.cadenceCpuPct));
        }
        r.table(t);
        curve(r, rows);
        for (int i = 0; i + 1 < rows.size(); i += 2) {
            Row agent = rows.get(i);
            Row debian = rows.get(i + 1);
            if (agent.domains != 100 && agent.domains != 1000) {
                continue; // the targets are given at 100 and 1000 domains; 10 and 300 draw the curve
            }
            r.target("Scrape of the agent at " + agent.domains + " domains vs prometheus-libvirt-exporter",
                    "no more wall and CPU", "wall " + agent.wall.median(true) + " vs " + debian.wall.median(true) + ", CPU "
                            + Stats.time(agent.cpu.mean()) + " vs " + Stats.time(debian.cpu.mean()),
                    agent.wall.median() <= debian.wall.median() && agent.cpu.mean() <= debian.cpu.mean());
            if (agent.domains == 1000) {
                double estimate = agent.idleCpuPct + 100 * agent.cpu.mean() / 1000 / SCRAPE_INTERVAL_S;
                boolean measured = !Double.isNaN(agent.cadenceCpuPct);
                double pct = measured ? agent.cadenceCpuPct : estimate;
                r.target("The whole agent at 1000 domains, scraped every 15 s", "≤ 2 % of one core",
                        String.format("%.2f %% (%s; idle + scrape ÷ 15 s right after the warm-up: %.2f %%)", pct,
                                measured ? "measured over " + CADENCE_WINDOW_S + " s of scrapes every 15 s, after "
                                        + CADENCE_WARM_UP_S + " s more of them" : "estimate", estimate), pct <= 2);
            }
        }
        ScrapeCallsBench.run(ctx);
    }

    /**
     * CPU per scrape against the number of domains, both exporters on one scale: how each grows, which two sizes
     * alone cannot show.
     */
    private static void curve(Report r, List<Row> rows) {
        double most = rows.stream().mapToDouble(x -> x.cpu.mean()).max().orElse(1);
        StringBuilder b = new StringBuilder("CPU per scrape (mean), one # per " + String.format("%.1f", most / 50)
                + " ms\n");
        for (Row row : rows) {
            int bars = (int) Math.round(50 * row.cpu.mean() / Math.max(most, 1e-9));
            b.append(String.format("%5d domains  %-13s %-50s %7.1f ms  (%.3f ms per domain)%n", row.domains,
                    row.label.startsWith("vcpu-agent") ? "vcpu-agent" : "libvirt-exp.", "#".repeat(bars),
                    row.cpu.mean(), row.cpu.mean() / row.domains));
        }
        r.text("How the scrape's CPU grows with the domains (each size measured as above, in this run):");
        r.code(b.toString());
    }

    private static List<Row> measure(Context ctx, int n) throws Exception {
        System.out.println("-- monitoring: " + n + " domains");
        Path xml = ScaleBench.writeNode(ctx.tmp, n);
        String uri = "test://" + xml.toAbsolutePath();
        int agentPort = AgentProcess.freePort();
        int debianPort = AgentProcess.freePort();
        Process debian = null;
        try (AgentProcess agent = AgentProcess.viaLauncher("--jmx-insecure", "true", "--uri", uri,
                "--refresh-interval", "2s", "--prometheus-port", String.valueOf(agentPort))) {
            agent.disconnect();
            debian = new ProcessBuilder(LIBVIRT_EXPORTER, "--libvirt.uri=" + uri,
                    "--web.listen-address=127.0.0.1:" + debianPort).redirectErrorStream(true)
                    .redirectOutput(ctx.tmp.resolve("libvirt-exporter-" + n + ".log").toFile()).start();
            Exporter a = new Exporter("vcpu-agent (snapshot collector + jmx_exporter collector)", "http://127.0.0.1:" + agentPort + "/metrics", agent.pid());
            Exporter d = new Exporter("prometheus-libvirt-exporter 0.2.0", "http://127.0.0.1:" + debianPort + "/metrics",
                    debian.pid());
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            awaitUp(http, d.url);
            long warmUpEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(ctx.reps(20, 10));
            while (System.nanoTime() < warmUpEnd) {
                scrape(http, a.url);
                scrape(http, d.url);
            }
            double idle = idleCpuPct(agent.pid(), ctx.reps(30, 10));
            Stats aWall = new Stats("agent wall");
            Stats aCpu = new Stats("agent cpu");
            Stats dWall = new Stats("debian wall");
            Stats dCpu = new Stats("debian cpu");
            String aText = "";
            String dText = "";
            for (int i = 0; i < ctx.reps(20, 5); i++) {
                aText = timed(http, a, aWall, aCpu);
                dText = timed(http, d, dWall, dCpu);
            }
            double cadence = Double.NaN;
            if (!ctx.quick && n == 1000) {
                atScrapeInterval(http, a, CADENCE_WARM_UP_S);
                cadence = atScrapeInterval(http, a, CADENCE_WINDOW_S);
            }
            return List.of(new Row(a.label, n, aWall, aCpu, samples(aText, ""), perVcpu(aText), idle, cadence),
                    new Row(d.label, n, dWall, dCpu, samples(dText, ""), perVcpu(dText), Double.NaN, Double.NaN));
        } finally {
            if (debian != null) {
                debian.destroy();
                if (!debian.waitFor(10, TimeUnit.SECONDS)) {
                    debian.destroyForcibly();
                }
            }
        }
    }

    private static void awaitUp(HttpClient http, String url) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                scrape(http, url);
                return;
            } catch (IOException | IllegalStateException e) {
                if (System.nanoTime() > end) {
                    throw new IllegalStateException(url + " did not answer within 30 s: " + e.getMessage());
                }
                Thread.sleep(200);
            }
        }
    }

    static String scrape(HttpClient http, String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode());
        }
        return r.body();
    }

    /** Prometheus 2.42's own request: it prefers OpenMetrics and asks for gzip, which the exporter then pays for. */
    private static void scrapeAsPrometheus(HttpClient http, String url) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                .header("Accept", "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                        + "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode());
        }
    }

    private static String timed(HttpClient http, Exporter e, Stats wall, Stats cpu) throws IOException, InterruptedException {
        Path stat = Path.of("/proc", String.valueOf(e.pid), "stat");
        long c0 = AgentProcess.cpuTicks(stat);
        long t0 = System.nanoTime();
        String body = scrape(http, e.url);
        wall.addNanos(System.nanoTime() - t0);
        cpu.addMillis((AgentProcess.cpuTicks(stat) - c0) * 1000.0 / ScaleBench.clockTicks());
        return body;
    }

    /**
     * The agent's whole process over {@code seconds} while it is scraped every 15 s, as Prometheus would: its
     * refresh, the scrapes, the JIT and the collector, in % of one core.
     */
    private static double atScrapeInterval(HttpClient http, Exporter a, int seconds) throws IOException, InterruptedException {
        Path stat = Path.of("/proc", String.valueOf(a.pid), "stat");
        long c0 = AgentProcess.cpuTicks(stat);
        long t0 = System.nanoTime();
        long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
        for (long next = t0; next < end; next += (long) (SCRAPE_INTERVAL_S * 1e9)) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            scrapeAsPrometheus(http, a.url);
        }
        long rest = end - System.nanoTime();
        if (rest > 0) {
            TimeUnit.NANOSECONDS.sleep(rest);
        }
        double cpuS = (AgentProcess.cpuTicks(stat) - c0) / (double) ScaleBench.clockTicks();
        return 100 * cpuS / ((System.nanoTime() - t0) / 1e9);
    }

    /** The process's CPU over {@code seconds} without a scrape, in % of one core. */
    private static double idleCpuPct(long pid, int seconds) throws IOException, InterruptedException {
        Path stat = Path.of("/proc", String.valueOf(pid), "stat");
        long c0 = AgentProcess.cpuTicks(stat);
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        double cpuS = (AgentProcess.cpuTicks(stat) - c0) / (double) ScaleBench.clockTicks();
        return 100 * cpuS / ((System.nanoTime() - t0) / 1e9);
    }

    /** Samples labelled with a vCPU. */
    private static int perVcpu(String text) {
        return (int) text.lines().filter(l -> !l.startsWith("#") && l.contains("vcpu=\"")).count();
    }

    private static int samples(String text, String prefix) {
        return (int) text.lines().filter(l -> !l.isBlank() && !l.startsWith("#") && l.startsWith(prefix)).count();
    }
}
