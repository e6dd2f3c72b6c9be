package org.vcpuagent.bench;

import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.jmx.HostBean;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.DomainStatsReader;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.testsupport.LibvirtCallLog;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Where the time goes: how many libvirt API calls the agent makes per {@code Vcpus} read and per refresh
 * (counted from libvirt's own debug log of a second agent process, no agent change needed), and what
 * each call costs in-process on the real guest.
 */
final class ProfileBench {

    /** API calls that libvirt answers from the client-side object, without a round trip to libvirtd. */
    static final Set<String> LOCAL = Set.of("virDomainFree", "virDomainGetName", "virDomainGetUUIDString",
            "virDomainGetUUID", "virDomainRef", "virConnectRef");

    private ProfileBench() {
    }

    static void run(Context ctx, Connection conn, HostInfo host, BenchGuest g) throws Exception {
        Report r = ctx.report;
        r.subsection("Where the time goes: libvirt calls per read and per refresh");
        r.text("""
                Counted from libvirt's debug log (`LIBVIRT_LOG_FILTERS="1:libvirt.domain 1:libvirt.host"`) of a \
                second agent process on `qemu:///system` whose periodic refresh is switched off (`--refresh-interval \
                1440m`), while a JMX client reads `Vcpus` 50 times, reads `VcpuCount` 50 times and invokes the Host \
                bean's `refresh()` (a thorough look) 10 times; and of a third agent process left alone with the \
                default 2 s refresh for %d s: its column is the average per 2 s interval, which holds one periodic \
                refresh (a glance at the bulk statistics; a thorough look every 30 s) and four 500 ms statistics \
                ticks. Per-domain counts divide by the agent's `DomainCount` (every running domain on this host, \
                other engineers' guests included). `virsh vcpuinfo` is one run with \
                the same log settings. Calls marked *local* are answered inside the client library, without a \
                round trip to libvirtd. The time column is each call's median in-process through the binding, \
                on the 4-vCPU guest.""".formatted(idleWindowSeconds(ctx)));
        Path log = ctx.tmp.resolve("libvirt-api.log");
        Map<String, String> env = Map.of("LIBVIRT_LOG_FILTERS", "1:libvirt.domain 1:libvirt.host",
                "LIBVIRT_LOG_OUTPUTS", "1:file:" + log);
        Map<String, Double> perRead;
        Map<String, Double> perCount;
        Map<String, Double> perRefresh;
        int domains;
        try (BenchAgent a = BenchAgent.start(ctx.root, ctx.jar, List.of(),
                List.of("--uri", BenchGuest.URI, "--jmx-port", "0", "--refresh-interval", "1440m"), env,
                Duration.ofSeconds(90))) {
            MBeanServerConnection jmx = a.jmx();
            ObjectName bean = DomainVcpuBean.objectName(g.name);
            jmx.getAttribute(bean, "Vcpus");
            jmx.getAttribute(bean, "VcpuCount");
            BenchGuest.sleep(500);
            perRead = countDuring(log, 50, () -> {
                for (int i = 0; i < 50; i++) {
                    get(jmx, bean, "Vcpus");
                }
                return null;
            });
            perCount = countDuring(log, 50, () -> {
                for (int i = 0; i < 50; i++) {
                    get(jmx, bean, "VcpuCount");
                }
                return null;
            });
            perRefresh = countDuring(log, 10, () -> {
                for (int i = 0; i < 10; i++) {
                    try {
                        jmx.invoke(HostBean.OBJECT_NAME, "refresh", null, null);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
                return null;
            });
            domains = (Integer) jmx.getAttribute(HostBean.OBJECT_NAME, "DomainCount");
        }
        Path plog = ctx.tmp.resolve("libvirt-api-periodic.log");
        Map<String, Double> perInterval;
        int periodicDomains;
        try (BenchAgent a = BenchAgent.startLauncher(ctx.root,
                List.of("--uri", BenchGuest.URI, "--jmx-port", "0", "--refresh-interval", "2s"),
                Map.of("LIBVIRT_LOG_FILTERS", "1:libvirt.domain 1:libvirt.host", "LIBVIRT_LOG_OUTPUTS", "1:file:" + plog),
                Duration.ofSeconds(90))) {
            periodicDomains = (Integer) a.jmx().getAttribute(HostBean.OBJECT_NAME, "DomainCount");
            a.disconnect();
            int window = idleWindowSeconds(ctx);
            perInterval = countDuring(plog, window / 2, () -> {
                BenchGuest.sleep(window * 1000L);
                return null;
            });
        }
        Path vlog = ctx.tmp.resolve("virsh-api.log");
        Proc.run(Duration.ofSeconds(60), List.of("virsh", "-c", BenchGuest.URI, "vcpuinfo", g.name),
                Map.of("LIBVIRT_LOG_FILTERS", "1:libvirt.domain 1:libvirt.host 1:libvirt.libvirt",
                        "LIBVIRT_LOG_OUTPUTS", "1:file:" + vlog)).check();
        Map<String, Double> perVirsh = countFrom(vlog, 0, 1);

        Map<String, Stats> cost = callCosts(ctx, conn, host, g);
        Table t = new Table("libvirt API call", "per `Vcpus` read", "per `VcpuCount` read", "per `refresh()`, per domain",
                "per `refresh()`, fixed", "per 2 s interval, per domain", "per 2 s interval, fixed",
                "per `virsh vcpuinfo`", "Median in-process");
        TreeMap<String, Boolean> names = new TreeMap<>();
        for (Map<String, Double> m : List.of(perRead, perCount, perRefresh, perInterval, perVirsh)) {
            m.keySet().forEach(k -> names.put(k, true));
        }
        for (String name : names.keySet()) {
            double refresh = perRefresh.getOrDefault(name, 0.0);
            boolean perDomain = name.startsWith("virDomain") && domains > 0;
            Stats c = cost.get(name);
            double interval = perInterval.getOrDefault(name, 0.0);
            boolean perDomainPeriodic = name.startsWith("virDomain") && periodicDomains > 0;
            t.row("`" + name + "`" + (LOCAL.contains(name) ? " (local)" : ""), num(perRead.get(name)),
                    num(perCount.get(name)), perDomain ? num(refresh / domains) : "", perDomain ? "" : num(perRefresh.get(name)),
                    perDomainPeriodic ? num(interval / periodicDomains) : "", perDomainPeriodic ? "" : num(interval),
                    num(perVirsh.get(name)), c == null ? "" : c.median(true));
        }
        r.table(t);
        r.text("Domains on the host during the count: " + domains + ". Further in-process costs: "
                + "opening and closing a connection to `qemu:///system` (`virConnectOpen` + `virConnectClose`, part "
                + "of every `virsh` call) " + cost.get("open+close").median(true) + ". A thorough look at a domain "
                + "(`DomainVcpuBean.lookForChanges`: `virDomainGetVcpus`, `virDomainGetVcpusFlags`, "
                + "`virDomainGetVcpuPinInfo`) costs about the sum of those three rows; the periodic refresh's glance "
                + "costs none of them while the bulk statistics show every counted vCPU with CPU time.");
    }

    private static int idleWindowSeconds(Context ctx) {
        return ctx.reps(60, 10);
    }

    private static Object get(MBeanServerConnection jmx, ObjectName bean, String attribute) {
        try {
            return jmx.getAttribute(bean, attribute);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String num(Double d) {
        if (d == null || d == 0) {
            return "";
        }
        return Math.abs(d - Math.rint(d)) < 0.05 ? String.format("%.0f", d) : String.format("%.2f", d);
    }

    /** API calls per repetition logged while {@code action} ran. */
    private static Map<String, Double> countDuring(Path log, int reps, Supplier<Void> action) throws IOException {
        BenchGuest.sleep(300);
        long from = log.toFile().length();
        action.get();
        BenchGuest.sleep(300);
        return countFrom(log, from, reps);
    }

    static Map<String, Double> countFrom(Path log, long from, int reps) throws IOException {
        Map<String, Double> out = new LinkedHashMap<>();
        LibvirtCallLog.callsSince(log, from).forEach((k, v) -> out.put(k, v / (double) reps));
        return out;
    }

    /** Each call's own cost, in-process through the binding, alternating in rounds. */
    private static Map<String, Stats> callCosts(Context ctx, Connection conn, HostInfo host, BenchGuest g) {
        Map<String, Stats> s = new LinkedHashMap<>();
        for (String k : List.of("virDomainGetVcpus", "virDomainListGetStats", "virDomainGetVcpusFlags",
                "virDomainGetVcpuPinInfo", "virConnectListAllDomains", "virNodeGetInfo", "virNodeGetCPUMap", "open+close")) {
            s.put(k, new Stats(k));
        }
        try (Domain d = TestLibvirt.lookupByName(conn, g.name)) {
            int max = d.maxVcpus();
            int maplen = host.mapLength();
            int rounds = ctx.reps(200, 50);
            for (int i = -20; i < rounds; i++) {
                boolean keep = i >= 0;
                time(s.get("virDomainGetVcpus"), keep, () -> d.vcpus(max, maplen));
                time(s.get("virDomainListGetStats"), keep, () -> DomainStatsReader.of(d));
                time(s.get("virDomainGetVcpusFlags"), keep, d::vcpuCount);
                time(s.get("virDomainGetVcpuPinInfo"), keep, () -> d.vcpuPinInfo(max, maplen));
                time(s.get("virConnectListAllDomains"), keep, () -> {
                    conn.listActiveDomains().forEach(Domain::close);
                    return null;
                });
                // virNodeGetInfo and virNodeGetCPUMap are read together by Connection.hostInfo(); half each.
                long t0 = System.nanoTime();
                conn.hostInfo();
                long half = (System.nanoTime() - t0) / 2;
                if (keep) {
                    s.get("virNodeGetInfo").addNanos(half);
                    s.get("virNodeGetCPUMap").addNanos(half);
                }
                if (i % 10 == 0) {
                    time(s.get("open+close"), keep, () -> {
                        Connection.open(BenchGuest.URI, true).close();
                        return null;
                    });
                }
            }
        }
        return s;
    }

    private static void time(Stats s, boolean keep, Supplier<?> call) {
        long t0 = System.nanoTime();
        call.get();
        if (keep) {
            s.addNanos(System.nanoTime() - t0);
        }
    }
}
