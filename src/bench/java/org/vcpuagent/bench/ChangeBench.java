package org.vcpuagent.bench;

import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.jmx.Notifications;

import javax.management.Attribute;
import javax.management.AttributeChangeNotification;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Part 3: changing things. {@code pinVcpu} against {@code virsh vcpupin}; growing 1 → 4 timed until the
 * guest reports the CPUs online; shrinking 4 → 1 timed until QEMU confirms the removal, with what each
 * tool says when libvirt times out.
 */
final class ChangeBench {

    private static final String STRING = String.class.getName();

    private ChangeBench() {
    }

    static void run(Context ctx) throws Exception {
        Report r = ctx.report;
        r.section("3. Changing things");
        if (!BenchGuest.hostAvailable()) {
            r.text("Skipped: `qemu:///system` does not answer here.");
            return;
        }
        BenchGuest g = ctx.guest4();
        MBeanServerConnection jmx = ctx.jmx();
        ObjectName bean = DomainVcpuBean.objectName(g.name);
        pin(ctx, g, jmx, bean);
        growAndShrink(ctx, g, jmx, bean);
    }

    private static void pin(Context ctx, BenchGuest g, MBeanServerConnection jmx, ObjectName bean) throws Exception {
        Report r = ctx.report;
        r.subsection("Pinning a vCPU");
        if ((Integer) jmx.getAttribute(bean, "VcpuCount") < 2) {
            g.growTo(2);
        }
        int hostCpus = Runtime.getRuntime().availableProcessors();
        r.text("vCPU 1 of the guest is pinned alternately to host CPU 0 and CPU " + (hostCpus - 1) + ", so every call "
                + "changes something: `invoke(pinVcpu, 1, \"N\")` on the connected JMX client (it returns after libvirt "
                + "has pinned and the agent has re-read the pinning) against `virsh vcpupin G 1 N` as a process per "
                + "call. Alternating A B A B after 2 warm-up calls each.");
        Stats sJmx = new Stats("JMX `pinVcpu`");
        Stats sVirsh = new Stats("`virsh vcpupin`");
        int reps = ctx.reps(20, 5);
        int cpu = 0;
        for (int i = -2; i < reps; i++) {
            cpu = cpu == 0 ? hostCpus - 1 : 0;
            long t0 = System.nanoTime();
            jmx.invoke(bean, "pinVcpu", new Object[] {1, Integer.toString(cpu)}, new String[] {"int", STRING});
            long t1 = System.nanoTime();
            if (i >= 0) {
                sJmx.addNanos(t1 - t0);
            }
            cpu = cpu == 0 ? hostCpus - 1 : 0;
            Proc.Result v = BenchGuest.virshResult("vcpupin", g.name, "1", Integer.toString(cpu)).check();
            if (i >= 0) {
                sVirsh.addNanos(v.nanos());
            }
        }
        BenchGuest.virsh("vcpupin", g.name, "1", "0-" + (hostCpus - 1));
        Table t = new Table("Tool", "Median", "Min – max", "n", "Ratio");
        t.row(sJmx.label, sJmx.median(true), sJmx.range(), sJmx.n(), "virsh ÷ JMX = " + Stats.ratio(sVirsh, sJmx));
        t.row(sVirsh.label, sVirsh.median(true), sVirsh.range(), sVirsh.n(), "");
        r.table(t);
    }

    /** One grow or shrink, as each tool did it. */
    record Change(String tool, double returnedMs, double doneMs, String outcome) {
    }

    private static void growAndShrink(Context ctx, BenchGuest g, MBeanServerConnection jmx, ObjectName bean) throws Exception {
        Report r = ctx.report;
        r.subsection("Changing the vCPU count: 1 → 4 and 4 → 1");
        r.text("""
                Each repetition boots the guest afresh (`virsh destroy` + `virsh start`: after an unplug, QEMU 7.2 \
                crashes on the next hot-plug), then grows it from 1 to 4 vCPUs and shrinks it back to 1 with the \
                same tool: JMX (`setAttribute(VcpuCount, 4)`, then `invoke(setVcpus, 1)`) or `virsh setvcpus G N \
                --live`. Tools alternate by repetition (JMX, virsh, JMX, virsh, …).

                - **Grow** is timed from the call to the guest's console reporting `VCPU-ONLINE: 0-3` (the guest's \
                /init polls `/sys/devices/system/cpu` every 0.2 s and onlines new CPUs, so this includes up to \
                0.2 s of its polling).
                - **Shrink** is timed from the call to QEMU's `query-cpus-fast` (polled through `virsh \
                qemu-monitor-command`) showing fewer vCPUs, and on until QEMU's count has not moved for 3 s \
                (the final count is given).""");
        Watcher w = ctx.watcher();
        int reps = ctx.reps(3, 1);
        List<Change> grows = new ArrayList<>();
        List<Change> shrinks = new ArrayList<>();
        Map<String, Stats> growStats = new LinkedHashMap<>();
        Map<String, Stats> growReturn = new LinkedHashMap<>();
        Map<String, Stats> shrinkFirst = new LinkedHashMap<>();
        Map<String, Stats> shrinkReturn = new LinkedHashMap<>();
        for (String tool : List.of("JMX", "virsh")) {
            growStats.put(tool, new Stats(tool));
            growReturn.put(tool, new Stats(tool));
            shrinkFirst.put(tool, new Stats(tool));
            shrinkReturn.put(tool, new Stats(tool));
        }
        for (int i = 0; i < reps; i++) {
            for (String tool : List.of("JMX", "virsh")) {
                ctx.measuredRestart();
                ctx.awaitRegistered(g.name, Duration.ofSeconds(10));
                w.bean.clear();
                // grow
                long t0 = System.nanoTime();
                long t1;
                String growOutcome;
                if (tool.equals("JMX")) {
                    jmx.setAttribute(bean, new Attribute("VcpuCount", 4));
                    t1 = System.nanoTime();
                    growOutcome = "returned";
                } else {
                    Proc.Result v = BenchGuest.virshResult("setvcpus", g.name, "4", "--live");
                    t1 = v.endNanos();
                    growOutcome = v.ok() ? "exit 0" : "exit " + v.exit() + ": " + v.err().trim();
                }
                long online = g.waitForOnline("0-3", Duration.ofSeconds(60));
                growStats.get(tool).addNanos(online - t0);
                growReturn.get(tool).addNanos(t1 - t0);
                grows.add(new Change(tool, (t1 - t0) / 1e6, (online - t0) / 1e6, growOutcome));
                if (tool.equals("virsh")) {
                    // The agent learns of a count changed by someone else at its next refresh.
                    Watcher.Event e = w.await(w.bean, n -> isCountChange(n, 4), Duration.ofSeconds(10));
                    ctx.setvcpusToNotification.addNanos(Math.max(0, e.nanos() - t1));
                    ctx.setvcpusStartToNotification.addNanos(e.nanos() - t0);
                }
                BenchGuest.sleep(1000);
                // shrink
                w.bean.clear();
                t0 = System.nanoTime();
                String shrinkOutcome;
                if (tool.equals("JMX")) {
                    try {
                        shrinkOutcome = "returned: " + jmx.invoke(bean, "setVcpus", new Object[] {1}, new String[] {"int"});
                    } catch (Exception e) {
                        shrinkOutcome = "threw " + e.getClass().getSimpleName() + ": " + e.getMessage();
                    }
                    t1 = System.nanoTime();
                } else {
                    Proc.Result v = BenchGuest.virshResult("setvcpus", g.name, "1", "--live");
                    t1 = v.endNanos();
                    shrinkOutcome = (v.ok() ? "exit 0" : "exit " + v.exit()) + ": " + (v.err() + v.out()).trim();
                }
                shrinkReturn.get(tool).addNanos(t1 - t0);
                // Follow QEMU's count until it stops moving for 3 s.
                long first = -1;
                int count = 4;
                long lastMove = System.nanoTime();
                long deadline = t0 + Duration.ofSeconds(40).toNanos();
                while (System.nanoTime() < deadline) {
                    int c = g.qemuVcpuCount();
                    long now = System.nanoTime();
                    if (c != count) {
                        count = c;
                        lastMove = now;
                        if (first < 0) {
                            first = now;
                        }
                    }
                    if (count == 1 || (first >= 0 && now - lastMove > 3_000_000_000L)
                            || (first < 0 && now - t1 > 15_000_000_000L)) {
                        break;
                    }
                    BenchGuest.sleep(50);
                }
                String settled = "";
                if (tool.equals("JMX") && shrinkOutcome.contains("unplug pending")) {
                    try {
                        Watcher.Event e = w.await(w.bean, n -> n.getType().equals(Notifications.UNPLUG_SETTLED),
                                Duration.ofSeconds(20));
                        settled = "; then `" + Notifications.UNPLUG_SETTLED + "` "
                                + Stats.time((e.nanos() - t0) / 1e6) + " after the call: \"" + e.n().getMessage() + "\"";
                    } catch (IllegalStateException e) {
                        settled = "; no settled notification within 20 s";
                    }
                }
                if (first >= 0) {
                    shrinkFirst.get(tool).addNanos(first - t0);
                }
                shrinks.add(new Change(tool, (t1 - t0) / 1e6, first < 0 ? Double.NaN : (first - t0) / 1e6,
                        shrinkOutcome + " — QEMU ended with " + count + " vCPU(s); guest: VCPU-ONLINE: "
                                + g.lastOnline() + settled));
            }
        }
        Table t = new Table("Change", "Tool", "Call returned (median)", "Done (median)", "Done min – max", "n", "Ratio");
        for (String tool : List.of("JMX", "virsh")) {
            Stats s = growStats.get(tool);
            t.row("grow 1 → 4, until the guest reports 0-3 online", tool, growReturn.get(tool).median(true), s.median(true),
                    s.range(), s.n(), tool.equals("virsh") ? "virsh ÷ JMX = " + Stats.ratio(s, growStats.get("JMX")) : "");
        }
        for (String tool : List.of("JMX", "virsh")) {
            Stats s = shrinkFirst.get(tool);
            t.row("shrink 4 → 1, until QEMU lists fewer vCPUs", tool, shrinkReturn.get(tool).median(true), s.median(true),
                    s.range(), s.n(), tool.equals("virsh") ? "virsh ÷ JMX = " + Stats.ratio(s, shrinkFirst.get("JMX")) : "");
        }
        r.table(t);
        r.text("What each call returned, one line per repetition (times from the call):");
        StringBuilder b = new StringBuilder();
        for (Change c : grows) {
            b.append(String.format("grow   %-5s returned after %s, guest online 0-3 after %s: %s%n", c.tool(),
                    Stats.time(c.returnedMs()), Stats.time(c.doneMs()), c.outcome()));
        }
        for (Change c : shrinks) {
            b.append(String.format("shrink %-5s returned after %s, QEMU removed a vCPU after %s: %s%n", c.tool(),
                    Stats.time(c.returnedMs()), Stats.time(c.doneMs()), c.outcome()));
        }
        r.code(b.toString());
        // The guest is left after a shrink; the next user restarts it.
    }

    static boolean isCountChange(Notification n, int to) {
        return n instanceof AttributeChangeNotification c && c.getAttributeName().equals("VcpuCount")
                && Integer.valueOf(to).equals(c.getNewValue());
    }
}
