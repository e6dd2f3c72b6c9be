package org.vcpuagent.bench;

import org.vcpuagent.domain.DomainVcpus;
import org.vcpuagent.domain.StatsCache;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.jmx.VcpuTable;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.DomainStatsReader;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.model.VcpuReading;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import java.time.Duration;
import java.util.List;

/**
 * Part 1: reading one domain's vCPUs on a real TCG guest at 1, 4 and 16 vCPUs. A JMX client that
 * stays connected to the agent process (loopback RMI), {@code virsh vcpuinfo} as a process per call,
 * and the floor: one in-process {@code virDomainGetVcpus} through the binding.
 */
final class LatencyBench {

    private LatencyBench() {
    }

    /** Results at one vCPU count, kept for the targets and the breakdown. */
    record Read(int vcpus, Stats jmx, Stats virsh, Stats floor, Stats path, Stats stats, Stats table, Stats rmi,
                int replyBytes) {
    }

    static void run(Context ctx) throws Exception {
        Report r = ctx.report;
        r.section("1. Reading one domain's vCPUs");
        r.text("""
                A real TCG guest on `qemu:///system` (`scripts/prepare-test-guest.sh --start --max-vcpus N`), read \
                three ways:

                - **JMX**: `getAttribute(libvirt.vcpu:type=Domain,name=G, "Vcpus")` from a client that stays \
                connected to the agent process over loopback RMI (the agent is a separate process, started as a user \
                starts it: `scripts/vcpu-agent --uri qemu:///system` with the launcher's default JVM options);
                - **virsh**: `virsh -c qemu:///system vcpuinfo G`, a process per call, as a script runs it;
                - **floor**: one `virDomainGetVcpus` call through the project's binding (`Domain.vcpus`) in the \
                benchmark's own process, on a connection it keeps open.

                Each round runs 10 JMX reads, 1 virsh call and 10 floor calls, in that order, so the tools \
                alternate all through the run; 1000 JMX and floor reads and 3 virsh calls warm up first (the \
                agent's JIT compiles its read path meanwhile, as it would in a long-running agent). The \
                rows below the line break the JMX read down: the agent's own read path (`DomainVcpus.vcpus()` + \
                `VcpuTable.of`, what `getAttribute` runs inside the agent, with the statistics cache the agent \
                fills every 500 ms), its parts, and an RMI round trip that asks libvirt nothing (`getAttribute(Name)`). 1 vCPU is the guest right after boot; 4 is after `virsh setvcpus 4 --live`; 16 is a \
                second guest defined with 16 hot-pluggable vCPUs (`--max-vcpus 16`), grown to 16 with \
                `virsh setvcpus 16 --live` once booted (booting 16 vCPUs under TCG on 2 cores is slow).""");
        if (!BenchGuest.hostAvailable()) {
            r.text("Skipped: `qemu:///system` does not answer here (run `scripts/install-libvirt-host.sh`).");
            r.target("Connected JMX read vs `virsh vcpuinfo`", "≥ 10× faster", "not measured", null);
            r.target("Connected JMX read vs in-process floor", "≤ 2×", "not measured", null);
            return;
        }
        BenchGuest g = ctx.guest4();
        Table t = new Table("vCPUs", "Tool", "Median", "Min – max", "n", "Ratio");
        Table patterns = new Table("vCPUs", "Pattern", "Reader", "Median", "Min – max", "n", "Ratio",
                "Load (1, 5, 15 min) before → after");
        java.util.Map<Integer, List<ReadPatterns.Pattern>> byCount = new java.util.TreeMap<>();
        Table parts = new Table("vCPUs", "In-process step (benchmark JVM)", "Median", "Min – max", "n", "Share of the JMX read");
        Read four = null;
        try (Connection conn = Connection.open(BenchGuest.URI, false)) {
            HostInfo host = conn.hostInfo();
            try (Domain d = TestLibvirt.lookupByName(conn, g.name)) {
                if (d.vcpuCount() != 1) {
                    ctx.measuredRestart();
                }
                add(t, parts, measure(ctx, conn, d, host, 1));
                byCount.put(1, patterns(ctx, patterns, d, host, 1));
                g.growTo(4);
                four = measure(ctx, conn, d, host, 4);
                add(t, parts, four);
                byCount.put(4, patterns(ctx, patterns, d, host, 4));
            }
            r.load("before the 16-vCPU guest boots");
            try (BenchGuest g16 = BenchGuest.start(ctx.root, Context.GUEST16, 16)) {
                g16.growTo(16);
                ctx.awaitRegistered(g16.name, Duration.ofSeconds(30));
                try (Domain d = TestLibvirt.lookupByName(conn, g16.name)) {
                    add(t, parts, measure(ctx, conn, d, host, 16));
                    byCount.put(16, patterns(ctx, patterns, d, host, 16));
                }
            } catch (RuntimeException e) {
                t.row(16, "not measured: " + e.getMessage().lines().findFirst().orElse(""), "", "", "", "");
            }
            r.table(t);
            r.text("The same readers in the three patterns a client reads in (`ReadPatterns`): back to back (10 "
                    + "reads per reader in turn); once every 500 ms, a monitor's cadence (a 500 ms pause before each "
                    + "timed read); and right after another process's libvirt call (`virsh version` before each timed "
                    + "read). *Our client* is the benchmark's own process calling `virDomainGetVcpus` through the "
                    + "project's binding on a connection it holds: what a C or Java program of one's own costs. The "
                    + "load average is read before and after each pattern.");
            r.table(patterns);
            r.text("Where the JMX read's time goes (same rounds, in the benchmark's process, no RMI):");
            r.table(parts);
            if (four != null) {
                double rest = four.jmx.median() - four.path.median();
                r.text(String.format("At 4 vCPUs the agent's read path (from the kernel, `source` `proc`: each vCPU "
                                + "thread's stat and schedstat and its sched_getaffinity) costs %s of the %s JMX read, "
                                + "where one `virDomainGetVcpus` costs %s; building the TabularData %s; the wait and "
                                + "halted columns "
                                + "come from the statistics the agent reads for all domains at once, at most every 500 ms "
                                + "(one `virConnectGetAllDomainStats`, %s, not made per read). RMI, serialisation of "
                                + "the %d-byte reply and the MXBean layer add the remaining %s; an RMI round trip that "
                                + "asks libvirt nothing takes %s.",
                        Stats.time(four.path.median()), Stats.time(four.jmx.median()), Stats.time(four.floor.median()),
                        Stats.time(four.table.median()), Stats.time(four.stats.median()), four.replyBytes,
                        Stats.time(rest), Stats.time(four.rmi.median())));
            }
            byCount.forEach((vcpus, p) -> ReadPatterns.targets(r, vcpus, p));
            ProfileBench.run(ctx, conn, host, g);
        }
    }

    /** Part 1 again at 4 vCPUs, at the end of a run whose first pass met a high load. */
    static void recheck(Context ctx) throws Exception {
        Report r = ctx.report;
        r.section("1 again: the connected read at 4 vCPUs, re-run at the end");
        r.text("The load average was high while part 1 ran, so its key numbers are measured again here, the same "
                + "way (load now: " + Machine.loadAverage() + ").");
        BenchGuest g = ctx.guest4();
        try (Connection conn = Connection.open(BenchGuest.URI, false)) {
            HostInfo host = conn.hostInfo();
            if (!"libvirt".equals(ctx.jmx().getAttribute(DomainVcpuBean.objectName(g.name), "DataSource"))) {
                ctx.measuredRestart();
            }
            try (Domain d = TestLibvirt.lookupByName(conn, g.name)) {
                if (d.vcpuCount() != 4) {
                    g.growTo(4);
                }
                Read x = measure(ctx, conn, d, host, 4);
                Table t = new Table("vCPUs", "Tool", "Median", "Min – max", "n", "Ratio");
                Table parts = new Table("vCPUs", "In-process step (benchmark JVM)", "Median", "Min – max", "n",
                        "Share of the JMX read");
                add(t, parts, x);
                r.table(t);
                r.table(parts);
                double vsVirsh = x.virsh.median() / x.jmx.median();
                double vsFloor = x.jmx.median() / x.floor.median();
                r.target("(re-run at the end) JMX read vs `virsh vcpuinfo`", "≥ 30× faster",
                        String.format("%s vs %s: %.0f×", Stats.time(x.jmx.median()), Stats.time(x.virsh.median()), vsVirsh),
                        vsVirsh >= 30);
                r.target("(re-run at the end) JMX read vs in-process floor", "< 1×",
                        String.format("%s vs %s: %.2f×", Stats.time(x.jmx.median()), Stats.time(x.floor.median()), vsFloor),
                        vsFloor < 1);
            }
        }
    }

    private static List<ReadPatterns.Pattern> patterns(Context ctx, Table table, Domain d, HostInfo host, int vcpus)
            throws Exception {
        System.out.println("-- read patterns of " + d.name() + " at " + vcpus + " vCPUs");
        List<ReadPatterns.Pattern> p = ReadPatterns.measure(ctx, ctx.jmx(), DomainVcpuBean.objectName(d.name()), d,
                d.maxVcpus(), host.mapLength());
        ReadPatterns.addRows(table, vcpus, p);
        return p;
    }

    private static void add(Table t, Table parts, Read x) {
        t.row(x.vcpus, "JMX `getAttribute(Vcpus)`, connected", x.jmx.median(true), x.jmx.range(), x.jmx.n(),
                "virsh ÷ JMX = " + Stats.ratio(x.virsh, x.jmx));
        t.row(x.vcpus, "`virsh vcpuinfo`, process per call", x.virsh.median(true), x.virsh.range(), x.virsh.n(), "");
        t.row(x.vcpus, "floor: in-process `virDomainGetVcpus`", x.floor.median(true), x.floor.range(), x.floor.n(),
                "JMX ÷ floor = " + Stats.ratio(x.jmx, x.floor));
        parts.row(x.vcpus, "agent read path: `DomainVcpus.vcpus()` + `VcpuTable.of`", x.path.median(true), x.path.range(),
                x.path.n(), pct(x.path, x.jmx));
        parts.row(x.vcpus, "(for comparison: `virDomainGetVcpus` in-process)", x.floor.median(true), x.floor.range(), x.floor.n(), pct(x.floor, x.jmx));
        parts.row(x.vcpus, "(`virConnectGetAllDomainStats`, all domains: every 500 ms, not per read)", x.stats.median(true),
                x.stats.range(), x.stats.n(), "");
        parts.row(x.vcpus, "JMX `getAttribute(Name)`: an RMI round trip, no libvirt call", x.rmi.median(true),
                x.rmi.range(), x.rmi.n(), pct(x.rmi, x.jmx));
        parts.row(x.vcpus, "… `VcpuTable.of` (open data)", x.table.median(true), x.table.range(), x.table.n(),
                pct(x.table, x.jmx));
    }

    private static int serializedSize(Object o) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.size();
    }

    static String pct(Stats part, Stats whole) {
        return String.format("%.0f %%", 100 * part.median() / whole.median());
    }

    private static Read measure(Context ctx, Connection conn, Domain d, HostInfo host, int vcpus) throws Exception {
        System.out.println("-- reading " + d.name() + " at " + vcpus + " vCPUs");
        MBeanServerConnection jmx = ctx.jmx();
        ObjectName bean = DomainVcpuBean.objectName(d.name());
        // The agent's read path as the agent runs it: statistics from its 500 ms cache, not per read.
        StatsCache cache = new StatsCache();
        cache.update(DomainStatsReader.allActiveWithoutWaiting(conn), System.nanoTime());
        DomainVcpus dv = new DomainVcpus(d, () -> host, cache, new org.vcpuagent.domain.CallerOwned(),
                new org.vcpuagent.domain.RecordedChanges());
        dv.look(org.vcpuagent.domain.Look.THOROUGH); // as the agent's first look: builds the vCPU thread map
        int max = d.maxVcpus();
        int maplen = host.mapLength();
        // Check that every tool sees the same vCPUs before timing anything.
        TabularData first = (TabularData) jmx.getAttribute(bean, "Vcpus");
        int viaJmx = first.size();
        System.out.println("   source of the agent's rows: " + first.values().stream()
                .map(o -> ((javax.management.openmbean.CompositeData) o).get("source")).distinct().toList()
                + "; of the in-process read path: " + dv.readSource());
        int viaFloor = d.vcpus(max, maplen).size();
        String virshOut = BenchGuest.virsh("vcpuinfo", d.name());
        int viaVirsh = virshOut.split("VCPU:", -1).length - 1;
        if (viaJmx != vcpus || viaFloor != vcpus || viaVirsh != vcpus) {
            throw new IllegalStateException("expected " + vcpus + " vCPUs; JMX shows " + viaJmx + ", the binding "
                    + viaFloor + ", virsh " + viaVirsh);
        }
        Stats sJmx = new Stats("JMX");
        Stats sVirsh = new Stats("virsh");
        Stats sFloor = new Stats("floor");
        Stats sPath = new Stats("path");
        Stats sStats = new Stats("stats");
        Stats sTable = new Stats("table");
        Stats sRmi = new Stats("rmi");
        int replyBytes = serializedSize(jmx.getAttribute(bean, "Vcpus"));
        List<VcpuReading> sample = dv.vcpus();
        for (int i = 0; i < 1000; i++) {
            jmx.getAttribute(bean, "Vcpus");
            d.vcpus(max, maplen);
            VcpuTable.of(dv.vcpus(), maplen);
        }
        for (int i = 0; i < 3; i++) {
            BenchGuest.virsh("vcpuinfo", d.name());
        }
        int rounds = ctx.reps(30, 8);
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < 10; i++) {
                long t0 = System.nanoTime();
                jmx.getAttribute(bean, "Vcpus");
                sJmx.addNanos(System.nanoTime() - t0);
                if (i % 2 == 0) {
                    t0 = System.nanoTime();
                    jmx.getAttribute(bean, "Name");
                    sRmi.addNanos(System.nanoTime() - t0);
                }
            }
            Proc.Result v = BenchGuest.virshResult("vcpuinfo", d.name()).check();
            sVirsh.addNanos(v.nanos());
            for (int i = 0; i < 10; i++) {
                long t0 = System.nanoTime();
                d.vcpus(max, maplen);
                sFloor.addNanos(System.nanoTime() - t0);
            }
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                VcpuTable.of(dv.vcpus(), maplen);
                sPath.addNanos(System.nanoTime() - t0);
                t0 = System.nanoTime();
                cache.update(DomainStatsReader.allActiveWithoutWaiting(conn), t0);
                sStats.addNanos(System.nanoTime() - t0);
                t0 = System.nanoTime();
                VcpuTable.of(sample, maplen);
                sTable.addNanos(System.nanoTime() - t0);
            }
        }
        Read x = new Read(vcpus, sJmx, sVirsh, sFloor, sPath, sStats, sTable, sRmi, replyBytes);
        System.out.printf("   JMX %s, virsh %s, floor %s, path %s%n", Stats.time(sJmx.median()), Stats.time(sVirsh.median()),
                Stats.time(sFloor.median()), Stats.time(sPath.median()));
        return x;
    }
}
