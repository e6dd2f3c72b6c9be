package org.vcpuagent.bench;

import org.vcpuagent.jmx.HostBean;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Part 4: scale. libvirt's test driver with a generated node XML of 10, 100 and 1000 running domains
 * of 8 vCPUs each; the agent as its own process. Start to all beans registered, CPU per refresh
 * interval, heap and RSS, and reading every domain's vCPUs over JMX against virsh.
 */
final class ScaleBench {

    static final int VCPUS = 8;
    /** Idle time before the CPU window: the JIT compilers go on working for about a minute after start. */
    static final int WARM_UP_SECONDS = 60;

    /** How the launcher starts the agent's JVM: with its shipped defaults, or with the JVM's own. */
    record Jvm(String label, Map<String, String> env) {
        static final Jvm SHIPPED = new Jvm("`scripts/vcpu-agent`'s defaults", Map.of());
        static final Jvm JVM_DEFAULTS = new Jvm("the JVM's own defaults (`JAVA_OPTS=`)", Map.of("JAVA_OPTS", ""));
    }

    /** One agent configuration at one domain count. */
    record Point(int domains, String jvm, Stats start, Stats startCpu, double cpuPct, double cpuMsPerInterval, double idleSeconds,
                 Map<String, Double> cpuPctByGroup, long rssKiB, long heapUsed, long heapUsedAfterGc, long heapCommitted,
                 int threads, Stats jmxAll, Stats virshStats, Stats virshBatch) {

        String cpuSplit() {
            return String.format("%.2f / %.2f / %.2f %%", cpuPctByGroup.get("agent"), cpuPctByGroup.get("jit"),
                    cpuPctByGroup.get("jvm"));
        }
    }

    private ScaleBench() {
    }

    static void run(Context ctx) throws Exception {
        Report r = ctx.report;
        r.section("4. Scale: 10, 100 and 1000 domains (libvirt's test driver)");
        r.text("""
                A generated node XML (`test:///…/nodeN.xml`) holds N running domains of 8 vCPUs each (`<domain \
                type='test'>` with `<vcpu>8</vcpu>`; the test driver starts them with the connection). The agent \
                runs as its own process, started by the launcher as a user starts it: `scripts/vcpu-agent --uri \
                test:///…/nodeN.xml --jmx-port 0 --refresh-interval 2s`, so with the launcher's default JVM options \
                (`JAVA_OPTS` unset: `-XX:+UseSerialGC -Xms8m -Xmx128m -XX:MaxMetaspaceSize=64m \
                -XX:ReservedCodeCacheSize=32m -Xss512k -XX:PerfDataSamplingInterval=1000`).

                - **Start → registered**: from spawning the JVM to the agent printing `vcpu-agent connected to …`, \
                which it does after its first refresh has registered every bean (checked: `DomainCount` = N). \
                JVM start-up included. *CPU used by then* is the agent process's utime + stime at that moment (all threads, JIT compilers included): unlike the wall clock it hardly depends on what else runs on the machine.
                - **CPU**: utime + stime from `/proc/PID/stat` over an idle window with no JMX client connected, \
                after %d s of warm-up (the JIT compilers keep working for about a minute after start); per refresh \
                interval = CPU time ÷ (window ÷ 2 s). The split adds up each thread's time from \
                `/proc/PID/task/*/stat`: the agent's own threads (its worker and ticker, libvirt's event loop, \
                RMI), the JIT compilers, and the rest of the JVM (GC, VM thread).
                - **RSS** from `/proc/PID/status` after that window; **heap** through the agent's own \
                `java.lang:type=Memory` over the same JMX connector (used as found, and after `gc()`).
                - **Read all**: one connected JMX client reads `Vcpus` of every domain bean in turn, against \
                `virsh domstats --vcpu` (one process, all domains) and `virsh "vcpuinfo d1; vcpuinfo d2; …"` \
                (one process, every domain). The test driver runs inside the client library, so virsh here makes no round trip at all, while JMX makes one RMI round trip per domain. Each `test:///file` connection has its own copy of the XML's \
                state, so virsh reads the same domains from the same file. libvirt 9.0's test driver reports no \
                vCPU statistics, so `domstats --vcpu` prints only the domain names here: it is a lower bound. \
                Alternating A B C, one warm-up pass each.""".formatted(WARM_UP_SECONDS));
        // The quick (CI smoke) run stops at 100 domains; the growth exponents then span one decade.
        List<Integer> sizes = ctx.quick ? List.of(10, 100) : List.of(10, 100, 1000);
        List<Point> points = new ArrayList<>();
        List<Point> tuned = new ArrayList<>();
        String loadAt1000 = "";
        for (int n : sizes) {
            Path xml = writeNode(ctx.tmp, n);
            if (n == sizes.get(sizes.size() - 1)) {
                loadAt1000 = Machine.loadAverage().split(",")[0];
            }
            points.add(measure(ctx, xml, n, Jvm.SHIPPED, n == 100 ? ctx.reps(60, 12) : ctx.reps(30, 8)));
            r.load("after " + n + " domains");
        }
        tuned.add(measure(ctx, writeNode(ctx.tmp, 100), 100, Jvm.JVM_DEFAULTS, ctx.reps(60, 12)));

        Table t = new Table("Domains", "Start → registered (median, min – max)", "CPU used by then", "CPU per 2 s refresh", "CPU (% of one core)",
                "of which agent / JIT / GC+VM", "RSS", "Heap used / after GC / committed", "Threads", "Read all over JMX", "virsh domstats --vcpu",
                "virsh vcpuinfo × N (one process)");
        for (Point p : points) {
            t.row(p.domains, p.start.median(true) + " (" + p.start.range() + ")", p.startCpu.median(true),
                    String.format("%.1f ms", p.cpuMsPerInterval),
                    String.format("%.2f %%", p.cpuPct), p.cpuSplit(), mib(p.rssKiB * 1024), mib(p.heapUsed) + " / " + mib(p.heapUsedAfterGc)
                            + " / " + mib(p.heapCommitted), p.threads, p.jmxAll.median(true) + " (" + p.jmxAll.range() + ")",
                    p.virshStats.median(true), p.virshBatch.median(true));
        }
        r.table(t);
        Table per = new Table("Domains", "Read all over JMX, per domain", "CPU per refresh, per domain",
                "virsh vcpuinfo × N, per domain", "virsh ÷ JMX (vcpuinfo × N)");
        for (Point p : points) {
            per.row(p.domains, Stats.time(p.jmxAll.median() / p.domains), String.format("%.0f µs", 1000 * p.cpuMsPerInterval / p.domains),
                    Stats.time(p.virshBatch.median() / p.domains), Stats.ratio(p.virshBatch, p.jmxAll));
        }
        r.text("Per domain (flat rows mean the cost grows linearly):");
        r.table(per);
        Point p10 = points.get(0);
        Point p1000 = points.get(points.size() - 1);
        r.text(String.format("Growth exponent from " + p10.domains + " to " + p1000.domains + " domains (cost ∝ N^k; k = 1 is linear): read all over JMX "
                        + "k = %.2f; CPU per refresh k = %.2f; heap after GC k = %.2f; start → registered k = %.2f "
                        + "(the JVM's fixed start-up flattens this one).",
                exponent(p10, p1000, p -> p.jmxAll().median()), exponent(p10, p1000, Point::cpuMsPerInterval),
                exponent(p10, p1000, p -> p.heapUsedAfterGc()), exponent(p10, p1000, p -> p.start().median())));
        r.code(plot(points));
        Point p100 = points.get(1);
        Point t100 = tuned.get(0);
        r.text("The same 100 domains with the JVM's own defaults instead of the launcher's (`JAVA_OPTS=` set but "
                + "empty; on this 24 GiB machine that is G1 with a heap of up to 6 GiB):");
        Table tt = new Table("JVM options", "Start → registered", "CPU used by then", "CPU per 2 s refresh", "CPU (% of one core)",
                "of which agent / JIT / GC+VM", "RSS", "Heap used / after GC / committed", "Read all over JMX");
        for (Point p : List.of(p100, t100)) {
            tt.row(p.jvm, p.start.median(true), p.startCpu.median(true), String.format("%.1f ms", p.cpuMsPerInterval), String.format("%.2f %%", p.cpuPct),
                    p.cpuSplit(), mib(p.rssKiB * 1024), mib(p.heapUsed) + " / " + mib(p.heapUsedAfterGc) + " / " + mib(p.heapCommitted),
                    p.jmxAll.median(true));
        }
        r.table(tt);
        r.target("CPU with 100 domains at the default 2 s refresh", "< 2 % of one core",
                String.format("%.2f %% (%.1f ms per refresh)", p100.cpuPct, p100.cpuMsPerInterval), p100.cpuPct < 2);
        r.target("RSS with 100 domains", "< 128 MiB", mib(p100.rssKiB * 1024) + " as the launcher starts it; "
                + mib(t100.rssKiB * 1024) + " with the JVM's own defaults", p100.rssKiB < 128 * 1024);
        r.target(p1000.domains + " domains registered after start", "< 5 s (at 1000)", "median " + p1000.start.median(true) + " (max "
                + Stats.time(p1000.start.max()) + ") wall clock, JVM start-up included, at load " + loadAt1000
                + "; the agent process had used " + p1000.startCpu.median(true) + " of CPU by then",
                p1000.start.median() < 5000);
        double k = exponent(p10, p1000, p -> p.jmxAll().median());
        double kc = exponent(p10, p1000, Point::cpuMsPerInterval);
        r.target("Cost grows linearly with the domain count", "k ≈ 1 (no worse than linear)",
                String.format("read all k = %.2f, CPU per refresh k = %.2f", k, kc), k < 1.15 && kc < 1.15);
        ScaleProfile.run(ctx, writeNode(ctx.tmp, p1000.domains), p1000.domains);
    }

    static String mib(long bytes) {
        return String.format("%.0f MiB", bytes / 1048576.0);
    }

    /** k in cost ∝ N^k between two domain counts. */
    static double exponent(Point small, Point large, java.util.function.ToDoubleFunction<Point> cost) {
        return Math.log(cost.applyAsDouble(large) / cost.applyAsDouble(small))
                / Math.log(large.domains() / (double) small.domains());
    }

    static Path writeNode(Path dir, int n) throws IOException {
        StringBuilder b = new StringBuilder("<node>\n  <cpu><mhz>2000</mhz><model>x86_64</model><nodes>1</nodes>"
                + "<sockets>1</sockets><cores>8</cores><threads>2</threads><active>16</active></cpu>\n"
                + "  <memory>67108864</memory>\n");
        for (int i = 0; i < n; i++) {
            b.append(String.format("  <domain type='test'><name>bench-%04d</name><memory>65536</memory>"
                    + "<vcpu>%d</vcpu><os><type>hvm</type></os></domain>%n", i, VCPUS));
        }
        b.append("</node>\n");
        Path p = dir.resolve("node" + n + ".xml");
        Files.writeString(p, b.toString());
        return p;
    }

    private static Point measure(Context ctx, Path xml, int n, Jvm jvm, int idleSeconds) throws Exception {
        System.out.println("-- scale: " + n + " domains, " + jvm.label());
        String uri = "test://" + xml.toAbsolutePath();
        List<String> args = List.of("--uri", uri, "--jmx-port", "0", "--refresh-interval", "2s");
        Stats start = new Stats("start");
        Stats startCpu = new Stats("start CPU");
        int starts = jvm == Jvm.SHIPPED ? ctx.reps(3, 1) : 1;
        BenchAgent a = null;
        try {
            for (int i = 0; i < starts; i++) {
                if (a != null) {
                    a.close();
                }
                a = BenchAgent.startLauncher(ctx.root, args, jvm.env(), Duration.ofSeconds(180));
                start.addMillis(a.startToRegisteredMillis());
                startCpu.addMillis(a.startCpuMillis());
            }
            MBeanServerConnection jmx = a.jmx();
            int count = (Integer) jmx.getAttribute(HostBean.OBJECT_NAME, "DomainCount");
            if (count != n) {
                throw new IllegalStateException("the agent registered " + count + " domains, expected " + n);
            }
            a.disconnect();
            BenchGuest.sleep(ctx.quick ? 4000 : WARM_UP_SECONDS * 1000L);
            long ticks0 = a.cpuTicks();
            Map<String, Long> groups0 = a.cpuTicksByGroup();
            long t0 = System.nanoTime();
            BenchGuest.sleep(idleSeconds * 1000L);
            long ticks1 = a.cpuTicks();
            Map<String, Long> groups1 = a.cpuTicksByGroup();
            long t1 = System.nanoTime();
            double cpuSec = (ticks1 - ticks0) / (double) clockTicks();
            double wall = (t1 - t0) / 1e9;
            Map<String, Double> byGroup = new LinkedHashMap<>();
            groups1.forEach((g, ticks) -> byGroup.put(g,
                    100 * (ticks - groups0.getOrDefault(g, 0L)) / (double) clockTicks() / wall));
            long rss = a.rssKiB();
            int threads = a.threads();
            long heap = a.heapUsedBytes(false);
            long heapCommitted = a.heapCommittedBytes();
            long heapGc = a.heapUsedBytes(true);
            jmx = a.jmx();
            Set<ObjectName> names = new TreeSet<>(jmx.queryNames(new ObjectName("libvirt.vcpu:type=Domain,*"), null));
            List<String> batch = new ArrayList<>();
            StringBuilder cmds = new StringBuilder();
            for (int i = 0; i < n; i++) {
                cmds.append(i == 0 ? "" : "; ").append(String.format("vcpuinfo bench-%04d", i));
            }
            batch.add(cmds.toString());
            Stats jmxAll = new Stats("JMX");
            Stats virshStats = new Stats("domstats");
            Stats virshBatch = new Stats("vcpuinfo batch");
            int reps = ctx.reps(5, 2);
            for (int i = -1; i < reps; i++) {
                long s0 = System.nanoTime();
                int rows = 0;
                for (ObjectName on : names) {
                    rows += ((TabularData) jmx.getAttribute(on, "Vcpus")).size();
                }
                long s1 = System.nanoTime();
                if (rows != n * VCPUS) {
                    throw new IllegalStateException("read " + rows + " vCPU rows over JMX, expected " + n * VCPUS);
                }
                Proc.Result ds = Proc.run(Duration.ofSeconds(120), "virsh", "-c", uri, "domstats", "--vcpu").check();
                Proc.Result vb = Proc.run(Duration.ofSeconds(300), List.of("virsh", "-c", uri, batch.get(0)), Map.of()).check();
                int virshRows = vb.out().split("VCPU:", -1).length - 1;
                if (virshRows != n * VCPUS) {
                    throw new IllegalStateException("virsh vcpuinfo × " + n + " printed " + virshRows + " vCPUs");
                }
                if (i >= 0) {
                    jmxAll.addNanos(s1 - s0);
                    virshStats.addNanos(ds.nanos());
                    virshBatch.addNanos(vb.nanos());
                }
            }
            return new Point(n, jvm.label(), start, startCpu,
                    100 * cpuSec / wall, cpuSec * 1000 / (wall / 2), wall, byGroup, rss, heap, heapGc, heapCommitted, threads,
                    jmxAll, virshStats, virshBatch);
        } finally {
            if (a != null) {
                a.close();
            }
        }
    }

    private static long clockTicks = -1;

    static long clockTicks() {
        if (clockTicks < 0) {
            try {
                clockTicks = Long.parseLong(Proc.run(Duration.ofSeconds(10), "getconf", "CLK_TCK").out().trim());
            } catch (RuntimeException e) {
                clockTicks = 100;
            }
        }
        return clockTicks;
    }

    /** A log-log plot: a straight line of slope 1 is linear growth. */
    static String plot(List<Point> points) {
        Map<Character, String> legend = new LinkedHashMap<>();
        legend.put('J', "read all over JMX (ms)");
        legend.put('V', "virsh vcpuinfo × N, one process (ms)");
        legend.put('C', "agent CPU per 2 s refresh (ms)");
        legend.put('H', "heap after GC (MiB)");
        legend.put('S', "start → registered (ms)");
        List<double[]> series = new ArrayList<>();
        for (Point p : points) {
            series.add(new double[] {p.domains, p.jmxAll.median(), p.virshBatch.median(), p.cpuMsPerInterval,
                p.heapUsedAfterGc / 1048576.0, p.start.median()});
        }
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (double[] s : series) {
            for (int i = 1; i < s.length; i++) {
                if (s[i] > 0) {
                    lo = Math.min(lo, Math.floor(Math.log10(s[i])));
                    hi = Math.max(hi, Math.ceil(Math.log10(s[i])));
                }
            }
        }
        int width = 61;
        int rowsPerDecade = 4;
        int height = (int) (hi - lo) * rowsPerDecade + 1;
        char[][] grid = new char[height][width];
        for (char[] row : grid) {
            java.util.Arrays.fill(row, ' ');
        }
        char[] marks = {'J', 'V', 'C', 'H', 'S'};
        for (double[] s : series) {
            int x = (int) Math.round((Math.log10(s[0]) - 1) * 30);
            for (int i = 1; i < s.length; i++) {
                if (s[i] <= 0) {
                    continue;
                }
                int y = (int) Math.round((hi - Math.log10(s[i])) * rowsPerDecade);
                int col = Math.min(width - 1, x + (grid[y][x] == ' ' ? 0 : 1));
                grid[y][col] = grid[y][col] == ' ' ? marks[i - 1] : '*';
            }
        }
        StringBuilder b = new StringBuilder("value (log scale)\n");
        for (int y = 0; y < height; y++) {
            String label = y % rowsPerDecade == 0 ? String.format("%8s", fmt(Math.pow(10, hi - y / (double) rowsPerDecade))) : "        ";
            b.append(label).append(" |").append(new String(grid[y]).replaceAll("\\s+$", "")).append('\n');
        }
        b.append("         +").append("-".repeat(width)).append('\n');
        b.append("          10 domains                   100                          1000   (log scale)\n\n");
        legend.forEach((k, v) -> b.append("  ").append(k).append("  ").append(v).append('\n'));
        b.append("  (one decade up per decade right = linear; * = two marks on one spot)\n");
        return b.toString();
    }

    private static String fmt(double v) {
        if (v >= 1) {
            return String.format("%.0f", v);
        }
        return String.format("%.3g", v);
    }
}
