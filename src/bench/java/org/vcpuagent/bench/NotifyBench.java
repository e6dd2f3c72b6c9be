package org.vcpuagent.bench;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Part 5: how soon a JMX listener hears of a change made outside the agent: {@code virsh setvcpus}
 * to the {@code AttributeChangeNotification}, and {@code virsh start} / {@code destroy} to the bean
 * appearing / going.
 */
final class NotifyBench {

    private NotifyBench() {
    }

    static void run(Context ctx) {
        Report r = ctx.report;
        r.section("5. Notification latency");
        r.text("""
                A JMX client connected to the agent (`qemu:///system`, default 2 s refresh) listens to the \
                MBeanServerDelegate and to the guest's bean; each notification is stamped when the client \
                receives it. `virsh start` and `virsh destroy` come from every guest restart of parts 3 and 5. \
                For `virsh setvcpus`, each boot grows the guest 1 → 2 → 3 → 4 with `virsh setvcpus G N --live`, \
                each step after a random pause of 0–2 s so the steps fall at random points of the refresh cycle; \
                part 3's `virsh setvcpus 4` grows add their samples too.""");
        if (!BenchGuest.hostAvailable()) {
            r.text("Skipped: `qemu:///system` does not answer here.");
            r.target("A lifecycle change is reflected over JMX", "within 1 s", "not measured", null);
            return;
        }
        BenchGuest g = ctx.guest4();
        Watcher w = ctx.watcher();
        int boots = ctx.reps(3, 1);
        for (int b = 0; b < boots; b++) {
            ctx.measuredRestart();
            ctx.awaitRegistered(g.name, Duration.ofSeconds(10));
            for (int n = 2; n <= 4; n++) {
                BenchGuest.sleep(ThreadLocalRandom.current().nextLong(0, 2000));
                w.bean.clear();
                long t0 = System.nanoTime();
                Proc.Result v = BenchGuest.virshResult("setvcpus", g.name, Integer.toString(n), "--live").check();
                final int target = n;
                Watcher.Event e = w.await(w.bean, x -> ChangeBench.isCountChange(x, target), Duration.ofSeconds(10));
                ctx.setvcpusToNotification.addNanos(Math.max(0, e.nanos() - v.endNanos()));
                ctx.setvcpusStartToNotification.addNanos(e.nanos() - t0);
                g.waitForOnline("0-" + (n - 1), Duration.ofSeconds(60));
            }
        }
        Table t = new Table("Change outside the agent", "Median", "Min – max", "n");
        for (Stats s : new Stats[] {ctx.startToBean, ctx.startReturnToBean, ctx.destroyToGone, ctx.destroyReturnToGone,
            ctx.setvcpusToNotification,
            ctx.setvcpusStartToNotification}) {
            t.row(s.label, s.median(true), s.range(), s.n());
        }
        r.table(t);
        double worst = Math.max(ctx.startReturnToBean.max(), ctx.destroyReturnToGone.max());
        r.target("A lifecycle change (`virsh start`, `virsh destroy`) is reflected over JMX",
                "within 1 s of the change (virsh returning)",
                String.format("bean registered %s (max %s) after `virsh start` returned, unregistered %s (max %s) "
                                + "after `virsh destroy` returned; from the start of the virsh calls: %s and %s "
                                + "(libvirt's and QEMU's own time)",
                        Stats.time(ctx.startReturnToBean.median()), Stats.time(ctx.startReturnToBean.max()),
                        Stats.time(ctx.destroyReturnToGone.median()), Stats.time(ctx.destroyReturnToGone.max()),
                        Stats.time(ctx.startToBean.median()), Stats.time(ctx.destroyToGone.median())), worst <= 1000);
        r.target("A `virsh setvcpus` outside the agent reaches a JMX listener", "within 1 s (if the lifecycle target "
                        + "is read to cover it)",
                String.format("median %s, max %s after virsh returned", Stats.time(ctx.setvcpusToNotification.median()),
                        Stats.time(ctx.setvcpusToNotification.max())), ctx.setvcpusToNotification.max() <= 1000);
        r.text("Times \"from the call\" include what `virsh start` / `destroy` themselves take (QEMU starting or "
                + "stopping); the bean follows within milliseconds of libvirt finishing, and a registration "
                + "that arrives before virsh has exited counts as 0. "
                + "`virsh start` and `destroy` raise libvirt lifecycle events, which the agent acts on at once. A vCPU "
                + "count change raises no event the agent subscribes to, so it is found by the periodic refresh: "
                + "up to one refresh interval (2 s) after the change, half of it on average.");
    }
}
