package org.vcpuagent.bench;

import org.vcpuagent.agent.AgentConfig;
import org.vcpuagent.agent.VcpuAgent;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.DomainStatsReader;
import org.vcpuagent.model.HostInfo;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where the scale costs go: the agent in the benchmark's own process (no JVM start-up, no RMI) on the
 * 1000-domain test driver. Times the start with registration, one refresh, each libvirt call of a
 * refresh, and one in-process {@code getAttribute(Vcpus)}.
 */
final class ScaleProfile {

    private ScaleProfile() {
    }

    static void run(Context ctx, Path xml, int n) throws Exception {
        Report r = ctx.report;
        r.subsection("Where the time goes at " + n + " domains");
        r.text("The agent started inside the benchmark's JVM (`VcpuAgent.start` with its own MBeanServer, the periodic "
                + "refresh off) on the same " + n + "-domain XML: no JVM start-up and no RMI in these numbers. The "
                + "first start warms the JIT; the second is timed. Then a thorough `refresh()` is timed, and each libvirt call "
                + "a refresh makes, through the binding on a second in-process connection to the same XML (the test "
                + "driver gives it its own copy of the domains).");
        String uri = "test://" + xml.toAbsolutePath();
        String[] args = {"--uri", uri, "--jmx-port", "0", "--refresh-interval", "1440m", "--jmx-insecure", "true"};
        Stats startS = new Stats("start");
        Stats startCpu = new Stats("start CPU");
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        VcpuAgent agent = null;
        try {
            for (int i = 0; i < 2; i++) {
                if (agent != null) {
                    agent.close();
                }
                MBeanServer mbs = MBeanServerFactory.newMBeanServer();
                long t0 = System.nanoTime();
                long c0 = threads.getCurrentThreadCpuTime();
                agent = VcpuAgent.start(AgentConfig.fromArgs(args), mbs);
                if (i == 1) {
                    startS.addNanos(System.nanoTime() - t0);
                    startCpu.addNanos(threads.getCurrentThreadCpuTime() - c0);
                }
                if (agent.domainNames().size() != n) {
                    throw new IllegalStateException("in-process agent registered " + agent.domainNames().size());
                }
                ctx.report.load("in-process agent start " + (i + 1) + " at " + n + " domains");
                profileRest(ctx, agent, mbs, xml, n, i == 1 ? startS : null, startCpu);
            }
        } finally {
            if (agent != null) {
                agent.close();
            }
        }
    }

    private static void profileRest(Context ctx, VcpuAgent agent, MBeanServer mbs, Path xml, int n, Stats start,
                                    Stats startCpu) throws Exception {
        Stats refresh = new Stats("refresh");
        Stats refreshCpu = new Stats("refresh CPU");
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < ctx.reps(10, 3); i++) {
            long t0 = System.nanoTime();
            long c0 = threads.getCurrentThreadCpuTime();
            agent.refresh();
            refresh.addNanos(System.nanoTime() - t0);
            refreshCpu.addNanos(threads.getCurrentThreadCpuTime() - c0);
        }
        lastStartCpu = startCpu;
        lastRefreshCpu = refreshCpu;
        try (Connection c = Connection.open("test://" + xml.toAbsolutePath(), false)) {
            profileCalls(ctx, c, mbs, n, start, refresh);
        }
    }

    private static Stats lastStartCpu;
    private static Stats lastRefreshCpu;

    private static void profileCalls(Context ctx, Connection c, MBeanServer mbs, int n, Stats start, Stats refresh)
            throws Exception {
        HostInfo host = c.hostInfo();
        Map<String, Stats> calls = new LinkedHashMap<>();
        for (String k : List.of("virConnectListAllDomains (+ name, UUID and free of each handle)", "virNodeGetInfo + virNodeGetCPUMap",
                "virDomainGetVcpus", "virDomainGetVcpusFlags", "virDomainGetVcpuPinInfo",
                "virDomainListGetStats (fails on the test driver: exception path)",
                "virConnectGetAllDomainStats (every domain, NOWAIT: the 500 ms tick and each refresh)",
                "DomainVcpus.look(THOROUGH) (per-domain look: every 30 s, events, refresh())",
                "DomainVcpus.look(QUICK) (the periodic look's per-domain look)",
                "in-process MBeanServer.getAttribute(Vcpus)")) {
            calls.put(k, new Stats(k));
        }
        List<Domain> domains = c.listActiveDomains();
        try {
            Domain d = domains.get(domains.size() / 2);
            int max = d.maxVcpus();
            int maplen = host.mapLength();
            org.vcpuagent.domain.DomainVcpus probe = new org.vcpuagent.domain.DomainVcpus(d, () -> host,
                    new org.vcpuagent.domain.StatsCache(), new org.vcpuagent.domain.CallerOwned(),
                    new org.vcpuagent.domain.RecordedChanges());
            ObjectName bean = DomainVcpuBean.objectName(d.name());
            int reps = ctx.reps(2000, 300);
            for (int i = -200; i < reps; i++) {
                boolean keep = i >= 0;
                time(calls.get("virDomainGetVcpus"), keep, () -> d.vcpus(max, maplen));
                time(calls.get("virDomainGetVcpusFlags"), keep, d::vcpuCount);
                time(calls.get("virDomainGetVcpuPinInfo"), keep, () -> d.vcpuPinInfo(max, maplen));
                time(calls.get("virDomainListGetStats (fails on the test driver: exception path)"), keep, () -> {
                    try {
                        return DomainStatsReader.of(d);
                    } catch (RuntimeException e) {
                        return null;
                    }
                });
                time(calls.get("DomainVcpus.look(THOROUGH) (per-domain look: every 30 s, events, refresh())"),
                        keep, () -> {
                            probe.look(org.vcpuagent.domain.Look.THOROUGH);
                            return null;
                        });
                time(calls.get("DomainVcpus.look(QUICK) (the periodic look's per-domain look)"), keep, () -> {
                    probe.look(org.vcpuagent.domain.Look.QUICK);
                    return null;
                });
                time(calls.get("in-process MBeanServer.getAttribute(Vcpus)"), keep, () -> {
                    try {
                        return mbs.getAttribute(bean, "Vcpus");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                if (i % 50 == 0) {
                    time(calls.get("virConnectGetAllDomainStats (every domain, NOWAIT: the 500 ms tick and each refresh)"),
                            keep, () -> DomainStatsReader.allActiveWithoutWaiting(c));
                    time(calls.get("virConnectListAllDomains (+ name, UUID and free of each handle)"), keep, () -> {
                        c.listActiveDomains().forEach(Domain::close);
                        return null;
                    });
                    time(calls.get("virNodeGetInfo + virNodeGetCPUMap"), keep, c::hostInfo);
                }
            }
        } finally {
            domains.forEach(Domain::close);
        }
        if (start == null) {
            return;
        }
        Report r = ctx.report;
        Table t = new Table("In-process step", "Median", "Min – max", "n", "× per periodic refresh", "Per periodic refresh");
        t.row("agent start: connect, first refresh, register " + n + " beans, JMX connector (wall clock)",
                start.median(true), start.range(), start.n(), "", "");
        t.row("… the same, CPU time of the starting thread", lastStartCpu.median(true), lastStartCpu.range(),
                lastStartCpu.n(), "", "");
        t.row("`refresh()`, thorough (the Host bean's operation; the periodic refresh every 30 s), wall clock",
                refresh.median(true), refresh.range(), refresh.n(), "", "");
        t.row("… the same, CPU time of the refreshing thread", lastRefreshCpu.median(true), lastRefreshCpu.range(),
                lastRefreshCpu.n(), "", "");
        for (Map.Entry<String, Stats> e : calls.entrySet()) {
            Stats s = e.getValue();
            String k = e.getKey();
            // What one periodic refresh makes on the test driver, which has no vCPU statistics: the glance
            // then asks each domain its count (virDomainGetVcpusFlags) and nothing else.
            int per = k.startsWith("virConnect") || k.startsWith("virNode") ? 1
                    : k.equals("virDomainGetVcpusFlags") || k.startsWith("DomainVcpuBean.glance") ? n : 0;
            String none = k.startsWith("virDomainGetVcpus") || k.startsWith("virDomainGetVcpuPinInfo")
                    || k.startsWith("DomainVcpuBean.look") ? "(thorough looks only)" : "(per read)";
            t.row(k, s.median(true), s.range(), s.n(), per == 0 ? none : per, per == 0 ? "" : Stats.time(s.median() * per));
        }
        r.table(t);
    }

    private static void time(Stats s, boolean keep, Supplier<?> call) {
        long t0 = System.nanoTime();
        call.get();
        if (keep) {
            s.addNanos(System.nanoTime() - t0);
        }
    }
}
