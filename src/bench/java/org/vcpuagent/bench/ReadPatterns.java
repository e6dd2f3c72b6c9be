package org.vcpuagent.bench;

import org.vcpuagent.libvirt.Domain;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import java.util.ArrayList;
import java.util.List;

/**
 * The three ways a client reads in practice, each measured for the three readers in the same run: back to
 * back; once every 500 ms (a monitor's cadence, where caches and the JIT's hot state have cooled); right after
 * another process's libvirt call (a script's loop, or another tool on the host). Readers: the agent over
 * connected JMX, {@code virsh vcpuinfo}, and our own client calling {@code virDomainGetVcpus} on a held
 * connection. The load average is taken before and after each pattern.
 */
final class ReadPatterns {

    static final long CADENCE_MS = 500;

    /** One pattern's figures. */
    record Pattern(String name, Stats jmx, Stats virsh, Stats held, Stats rmi, String loadBefore, String loadAfter) {

        double vsVirsh() {
            return virsh.median() / jmx.median();
        }

        double vsHeld() {
            return jmx.median() / held.median();
        }
    }

    private ReadPatterns() {
    }

    /** Interleaves the readers so that a drift in the machine's load touches all of them alike. */
    static List<Pattern> measure(Context ctx, MBeanServerConnection jmx, ObjectName bean, Domain d, int max, int maplen)
            throws Exception {
        List<Pattern> out = new ArrayList<>();
        int backToBack = ctx.reps(30, 8);
        int spaced = ctx.reps(40, 12);
        out.add(run("back to back", backToBack, 10, 0, false, jmx, bean, d, max, maplen));
        out.add(run("once every 500 ms", spaced, 1, CADENCE_MS, false, jmx, bean, d, max, maplen));
        out.add(run("right after another process's libvirt call", spaced, 1, 0, true, jmx, bean, d, max, maplen));
        return out;
    }

    private static Pattern run(String name, int rounds, int perRound, long pauseMs, boolean afterVirsh,
                               MBeanServerConnection jmx, ObjectName bean, Domain d, int max, int maplen)
            throws Exception {
        String before = Machine.loadAverage();
        Stats sJmx = new Stats("JMX");
        Stats sVirsh = new Stats("virsh");
        Stats sHeld = new Stats("held");
        Stats sRmi = new Stats("rmi");
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < perRound; i++) {
                prepare(pauseMs, afterVirsh);
                long t0 = System.nanoTime();
                jmx.getAttribute(bean, "Vcpus");
                sJmx.addNanos(System.nanoTime() - t0);
            }
            prepare(pauseMs, afterVirsh);
            long r0 = System.nanoTime();
            jmx.getAttribute(bean, "Name");
            sRmi.addNanos(System.nanoTime() - r0);
            prepare(pauseMs, afterVirsh);
            sVirsh.addNanos(BenchGuest.virshResult("vcpuinfo", d.name()).check().nanos());
            for (int i = 0; i < perRound; i++) {
                prepare(pauseMs, afterVirsh);
                long t0 = System.nanoTime();
                d.vcpus(max, maplen);
                sHeld.addNanos(System.nanoTime() - t0);
            }
        }
        Pattern p = new Pattern(name, sJmx, sVirsh, sHeld, sRmi, before, Machine.loadAverage());
        System.out.printf("   %s: JMX %s, virsh %s, held virDomainGetVcpus %s, RMI round trip (Name) %s%n", name,
                Stats.time(sJmx.median()), Stats.time(sVirsh.median()), Stats.time(sHeld.median()),
                Stats.time(sRmi.median()));
        return p;
    }

    /** The pause before a timed read: nothing, the cadence, or another process's libvirt call. */
    private static void prepare(long pauseMs, boolean afterVirsh) throws InterruptedException {
        if (pauseMs > 0) {
            Thread.sleep(pauseMs);
        }
        if (afterVirsh) {
            BenchGuest.virshResult("version").check();
        }
    }

    static void addRows(Table t, int vcpus, List<Pattern> patterns) {
        for (Pattern p : patterns) {
            t.row(vcpus, p.name, "JMX `getAttribute(Vcpus)`, connected", p.jmx.median(true), p.jmx.range(), p.jmx.n(),
                    "virsh ÷ JMX = " + Stats.ratio(p.virsh, p.jmx), p.loadBefore + " → " + p.loadAfter);
            t.row(vcpus, p.name, "`virsh vcpuinfo`, process per call", p.virsh.median(true), p.virsh.range(),
                    p.virsh.n(), "", "");
            t.row(vcpus, p.name, "our client: `virDomainGetVcpus` on a held connection", p.held.median(true),
                    p.held.range(), p.held.n(), String.format("JMX ÷ held = %.2f×", p.vsHeld()), "");
            t.row(vcpus, p.name, "JMX `getAttribute(Name)`: the RMI round trip alone", p.rmi.median(true),
                    p.rmi.range(), p.rmi.n(), "share of the JMX read: " + LatencyBench.pct(p.rmi, p.jmx), "");
        }
    }

    /** The targets, at one vCPU count. */
    static void targets(Report r, int vcpus, List<Pattern> patterns) {
        for (Pattern p : patterns) {
            r.target(String.format("JMX read of `Vcpus` vs `virsh vcpuinfo`, %s (%d vCPUs)", p.name, vcpus), "≥ 30× faster",
                    String.format("%s vs %s: %.0f×", Stats.time(p.jmx.median()), Stats.time(p.virsh.median()),
                            p.vsVirsh()), p.vsVirsh() >= 30);
            r.target(String.format("JMX read vs our client's held `virDomainGetVcpus`, %s (%d vCPUs)", p.name, vcpus),
                    "ratio < 1", String.format("%s vs %s: %.2f×", Stats.time(p.jmx.median()),
                            Stats.time(p.held.median()), p.vsHeld()), p.vsHeld() < 1);
        }
        Pattern b2b = patterns.get(0);
        Pattern spaced = patterns.get(1);
        r.target(String.format("JMX read of `Vcpus`, back to back (%d vCPUs)", vcpus), "≤ 0.2 ms median",
                Stats.time(b2b.jmx.median()), b2b.jmx.median() <= 0.2);
        r.target(String.format("JMX read of `Vcpus`, once every 500 ms (%d vCPUs)", vcpus), "≤ 0.5 ms median",
                Stats.time(spaced.jmx.median()), spaced.jmx.median() <= 0.5);
    }
}
