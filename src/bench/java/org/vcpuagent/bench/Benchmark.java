package org.vcpuagent.bench;

import org.vcpuagent.testsupport.AgentProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * vcpu-agent side by side with virsh: read latency, scripting cost, changes, scale and notification
 * latency, in one run. Prints Markdown as it goes and, after a full run, writes
 * {@code src/site/markdown/benchmarks.md}. Run it through {@code scripts/benchmark.sh}.
 *
 * <pre>
 * Options: --only latency,scripting,changes,scale,notify,monitoring   run a subset (the page is then written to
 *                                                          target/benchmarks-partial.md)
 *          --quick          fewer repetitions, shorter idle windows, up to 100 domains (a smoke run, ~3.5 min)
 *          --page FILE      where to write the page (default src/site/markdown/benchmarks.md)
 *          --no-page        print only
 * </pre>
 */
public final class Benchmark {

    static final List<String> PARTS = List.of("latency", "scripting", "changes", "scale", "notify", "monitoring");

    private Benchmark() {
    }

    public static void main(String[] args) throws Exception {
        Set<String> only = new LinkedHashSet<>(PARTS);
        boolean quick = false;
        boolean writePage = true;
        Path root = Path.of("").toAbsolutePath();
        Path page = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--only" -> {
                    only = new LinkedHashSet<>();
                    for (String p : args[++i].split(",")) {
                        if (!PARTS.contains(p.trim())) {
                            usage("unknown part '" + p + "'");
                        }
                        only.add(p.trim());
                    }
                }
                case "--quick" -> quick = true;
                case "--page" -> page = Path.of(args[++i]).toAbsolutePath();
                case "--no-page" -> writePage = false;
                case "-h", "--help" -> usage(null);
                default -> usage("unknown option '" + args[i] + "'");
            }
        }
        Path jar = root.resolve("target/vcpu-agent.jar");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(root.resolve("target/bench-classes"))) {
            System.err.println("error: run from the project root after building with mvn -Pbench (scripts/benchmark.sh does both)");
            System.exit(2);
        }
        boolean full = only.size() == PARTS.size();
        if (page == null) {
            page = full && !quick ? root.resolve("src/site/markdown/benchmarks.md") : root.resolve("target/benchmarks-partial.md");
        }
        Report report = new Report();
        String started = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"));
        String command = System.getProperty("bench.command", "scripts/benchmark.sh " + String.join(" ", args)).trim();
        String machine = Machine.describe();
        System.out.println("# vcpu-agent benchmarks\n\n" + machine);
        long t0 = System.nanoTime();
        Context ctx = new Context(root, jar, quick, report);
        Thread hook = new Thread(() -> {
            AgentProcess.closeAll();
            BenchGuest.closeAll();
        }, "benchmark-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        List<String> failures = new ArrayList<>();
        double latencyLoad = Double.NaN;
        try {
            for (String part : only) {
                try {
                    switch (part) {
                        case "latency" -> {
                            latencyLoad = Machine.load1();
                            LatencyBench.run(ctx);
                            latencyLoad = Math.max(latencyLoad, Machine.load1());
                        }
                        case "scripting" -> ScriptingBench.run(ctx);
                        case "changes" -> ChangeBench.run(ctx);
                        case "notify" -> NotifyBench.run(ctx);
                        case "scale" -> ScaleBench.run(ctx);
                        case "monitoring" -> MonitoringBench.run(ctx);
                        default -> throw new IllegalStateException(part);
                    }
                } catch (Exception | Error e) {
                    e.printStackTrace();
                    failures.add(part + ": " + e);
                    report.text("**This part failed:** `" + e.toString().replace('`', '\'') + "`");
                }
            }
            if (only.contains("latency") && latencyLoad > Runtime.getRuntime().availableProcessors()) {
                try {
                    LatencyBench.recheck(ctx);
                } catch (Exception e) {
                    e.printStackTrace();
                    failures.add("latency re-run: " + e);
                }
            }
        } finally {
            report.load("end of the run");
            ctx.close();
            AgentProcess.closeAll();
            BenchGuest.closeAll();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
        double minutes = (System.nanoTime() - t0) / 60e9;
        String header = header(started, command, machine, minutes, quick, only);
        System.out.println("\n" + report.page(header).substring(header.length()));
        if (writePage) {
            report.write(page, header);
            System.out.println("wrote " + page);
        }
        if (!failures.isEmpty()) {
            System.err.println("parts that failed: " + failures);
            System.exit(1);
        }
    }

    private static String header(String started, String command, String machine, double minutes, boolean quick,
                                 Set<String> parts) {
        return "# Benchmarks: vcpu-agent side by side with virsh\n\n"
                + "Read latency, the cost of scripting, changes, scale to many domains, the agent's footprint and "
                + "how soon changes reach a JMX listener, each against `virsh` on the same machine. Every number on "
                + "this page comes from one run of one command; the tables are written by the benchmark itself "
                + "(`src/bench/java/org/vcpuagent/bench/`). Compared tools alternate (A B A B …) after a warm-up; "
                + "each row gives the median, the range and the number of samples, and each pair its ratio.\n\n"
                + (quick ? "**Quick mode: a smoke run, not a measurement.** Few repetitions, up to 100 domains, and "
                    + "4 s of warm-up before the CPU window, so the JIT compilers' start-up work inflates the CPU "
                    + "figures; the verdicts below are not the project's. The published figures come from a full "
                    + "run.\n\n" : "")
                + "Command (from the project root" + (quick ? "; quick mode: fewer repetitions" : "") + "):\n\n"
                + "```sh\n" + command + "\n```\n\n"
                + "It builds the jar and the test classes, boots its own guests (`vcpu-bench`, `vcpu-bench16`) and "
                + "agents, and removes all of them at the end, also on Ctrl-C. `--only "
                + String.join(",", PARTS) + "` runs a subset; `--quick` is a shorter smoke run. Parts that need "
                + "`qemu:///system` are skipped where it does not answer (`scripts/install-libvirt-host.sh` starts it).\n\n"
                + "Run: " + started + ", " + String.format("%.1f", minutes) + " minutes, parts: " + String.join(", ", parts)
                + ".\n\n## Machine\n\n" + machine;
    }

    private static void usage(String error) {
        if (error != null) {
            System.err.println("error: " + error);
        }
        System.err.println("Usage: scripts/benchmark.sh [--only " + String.join(",", PARTS)
                + "] [--quick] [--page FILE] [--no-page]");
        System.exit(error == null ? 0 : 2);
    }
}
