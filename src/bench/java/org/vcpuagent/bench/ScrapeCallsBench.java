package org.vcpuagent.bench;

import org.vcpuagent.testsupport.AgentProcess;
import org.vcpuagent.testsupport.LibvirtCallLog;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Part of "monitoring": how many libvirt calls a Prometheus scrape of the agent makes on {@code qemu:///system}
 * with the CI guest, counted in libvirt's own debug log of the agent process, by the thread that made each call:
 * the threads that serve /metrics must make none; the agent's own refresh (its owner thread) makes the same calls
 * with scrapes and without.
 */
final class ScrapeCallsBench {

    /** The JDK HTTP server's dispatcher and the agent's scrape threads (comm is cut at 15 characters). */
    private static final List<String> SERVING_THREADS = List.of("vcpu-agent-http", "HTTP-Dispatcher");

    private record Window(int scrapes, int servingCalls, int otherCalls) {
    }

    private ScrapeCallsBench() {
    }

    static void run(Context ctx) throws Exception {
        Report r = ctx.report;
        r.subsection("libvirt calls per scrape on qemu:///system");
        if (!BenchGuest.hostAvailable()) {
            r.text("**Not measured:** no libvirtd with QEMU here (`scripts/install-libvirt-host.sh`).");
            r.target("libvirt calls per domain per scrape (qemu:///system)", "0", "not measured", null);
            return;
        }
        BenchGuest g = ctx.guest4();
        Path log = ctx.tmp.resolve("libvirt-api-scrapes.log");
        int port = AgentProcess.freePort();
        int seconds = ctx.reps(20, 8);
        Window with;
        Window without;
        int domains;
        try (BenchAgent a = BenchAgent.startLauncher(ctx.root, List.of("--uri", BenchGuest.URI, "--jmx-port", "0",
                        "--prometheus-port", String.valueOf(port)),
                LibvirtCallLog.env(log), Duration.ofSeconds(90))) {
            LibvirtCallLog calls = new LibvirtCallLog(log, a.pid());
            String url = "http://127.0.0.1:" + port + "/metrics";
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            String first = MonitoringBench.scrape(http, url);
            domains = (int) first.lines().filter(l -> l.startsWith("libvirt_domain_vcpu_current{")).count();
            if (first.lines().noneMatch(l -> l.startsWith("libvirt_domain_vcpu_time_seconds_total{") && l.contains(g.name))) {
                throw new IllegalStateException("the scrape has no vCPU of " + g.name + ":\n" + first);
            }
            a.disconnect();
            without = window(calls, seconds, null, null);
            with = window(calls, seconds, http, url);
            calls.requireThreads(SERVING_THREADS);
        }
        Table t = new Table("Window (" + seconds + " s each)", "Scrapes", "libvirt calls by the threads serving /metrics",
                "libvirt calls by the agent's other threads (its refresh)");
        t.row("without scrapes", 0, without.servingCalls, without.otherCalls);
        t.row("scraped back to back", with.scrapes, with.servingCalls, with.otherCalls);
        r.text("The agent through `scripts/vcpu-agent --uri qemu:///system --prometheus-port P`, with libvirt's debug "
                + "log (`LIBVIRT_LOG_FILTERS=\"1:libvirt.domain 1:libvirt.host\"`) in its environment; every API call "
                + "libvirt logs carries the calling thread's id, which `/proc/PID/task/TID/comm` names. Domains on the "
                + "host in the scrape: " + domains + " (the CI guest `" + g.name + "` among them).");
        r.table(t);
        double perDomainPerScrape = with.scrapes == 0 ? Double.NaN : with.servingCalls / (double) with.scrapes / domains;
        r.target("libvirt calls per domain per scrape (qemu:///system)", "0",
                String.format("%d calls in %d scrapes of %d domains", with.servingCalls, with.scrapes, domains),
                perDomainPerScrape == 0);
    }

    /** Scrapes back to back for {@code seconds} (none when {@code http} is null) and counts the calls logged meanwhile. */
    private static Window window(LibvirtCallLog log, int seconds, HttpClient http, String url)
            throws IOException, InterruptedException {
        long from = log.mark();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        int scrapes = 0;
        while (System.nanoTime() < end) {
            if (http == null) {
                Thread.sleep(200);
            } else {
                MonitoringBench.scrape(http, url);
                scrapes++;
            }
        }
        Thread.sleep(300);
        Map<String, Integer> calls = log.callsByThreadSince(from);
        int serving = LibvirtCallLog.madeBy(calls, SERVING_THREADS);
        int all = calls.values().stream().mapToInt(Integer::intValue).sum();
        return new Window(scrapes, serving, all - serving);
    }
}
