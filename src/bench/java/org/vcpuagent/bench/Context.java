package org.vcpuagent.bench;

import org.vcpuagent.jmx.DomainVcpuBean;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** What the parts of a run share: paths, the mode, the report, and the guest and agent they reuse. */
final class Context implements AutoCloseable {

    static final String GUEST = "vcpu-bench";
    static final String GUEST16 = "vcpu-bench16";

    final Path root;
    final Path jar;
    final Path benchClasses;
    final boolean quick;
    final Report report;
    final Path tmp;

    /** Lifecycle latencies gathered wherever a part of the run restarts the guest. */
    final Stats startToBean = new Stats("`virsh start` → bean registered");
    final Stats startReturnToBean = new Stats("`virsh start` returned → bean registered");
    final Stats destroyToGone = new Stats("`virsh destroy` → bean unregistered");
    final Stats destroyReturnToGone = new Stats("`virsh destroy` returned → bean unregistered");
    final Stats setvcpusToNotification = new Stats("`virsh setvcpus` returned → AttributeChangeNotification");
    final Stats setvcpusStartToNotification = new Stats("`virsh setvcpus` started → AttributeChangeNotification");

    private BenchAgent qemuAgent;
    private BenchGuest guest4;
    private Watcher watcher;

    Context(Path root, Path jar, boolean quick, Report report) throws IOException {
        this.root = root;
        this.jar = jar;
        this.benchClasses = root.resolve("target/bench-classes");
        this.quick = quick;
        this.report = report;
        this.tmp = Files.createTempDirectory("vcpu-bench");
    }

    int reps(int full, int quickReps) {
        return quick ? quickReps : full;
    }

    /**
     * The agent on qemu:///system, started once as a user starts it: through {@code scripts/vcpu-agent}
     * with its default JVM options ({@code JAVA_OPTS} unset) and the default 2 s refresh.
     */
    BenchAgent qemuAgent() {
        if (qemuAgent == null) {
            qemuAgent = BenchAgent.startLauncher(root,
                    List.of("--uri", BenchGuest.URI, "--jmx-port", "0", "--refresh-interval", "2s"), Map.of(),
                    Duration.ofSeconds(90));
        }
        return qemuAgent;
    }

    /** The 4-vCPU guest (1 online after boot), started once; the agent is started first. */
    BenchGuest guest4() {
        if (guest4 == null) {
            qemuAgent();
            watcher();
            guest4 = BenchGuest.start(root, GUEST, 4);
            awaitRegistered(GUEST, Duration.ofSeconds(30));
            watcher().listenToBean();
        }
        return guest4;
    }

    Watcher watcher() {
        if (watcher == null) {
            watcher = new Watcher(qemuAgent().jmx(), DomainVcpuBean.objectName(GUEST));
        }
        return watcher;
    }

    MBeanServerConnection jmx() {
        return qemuAgent().jmx();
    }

    /** Waits until the qemu agent has a bean for {@code domain}. */
    void awaitRegistered(String domain, Duration limit) {
        ObjectName bean = DomainVcpuBean.objectName(domain);
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            while (!jmx().isRegistered(bean)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(bean + " was not registered within " + limit.toSeconds() + " s");
                }
                BenchGuest.sleep(20);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code virsh destroy} + {@code virsh start} of the 4-vCPU guest, timing how soon the agent's bean
     * goes and comes back (seen by a JMX client through MBeanServerDelegate notifications).
     */
    void measuredRestart() {
        BenchGuest g = guest4();
        Watcher w = watcher();
        if (!BenchGuest.virsh("domstate", g.name).trim().equals("shut off")) {
            w.delegate.clear();
            long t0 = System.nanoTime();
            Proc.Result destroy = BenchGuest.virshResult("destroy", g.name).check();
            Watcher.Event gone = w.await(w.delegate, Watcher::isUnregistration, Duration.ofSeconds(15));
            destroyToGone.addNanos(gone.nanos() - t0);
            destroyReturnToGone.addNanos(Math.max(0, gone.nanos() - destroy.endNanos()));
        }
        w.delegate.clear();
        long t0 = System.nanoTime();
        Proc.Result start = BenchGuest.virshResult("start", g.name).check();
        Watcher.Event back = w.await(w.delegate, Watcher::isRegistration, Duration.ofSeconds(15));
        startToBean.addNanos(back.nanos() - t0);
        startReturnToBean.addNanos(Math.max(0, back.nanos() - start.endNanos()));
        w.listenToBean();
        g.waitForFirstReport();
    }

    @Override
    public void close() {
        try {
            if (watcher != null) {
                watcher.close();
            }
        } catch (RuntimeException e) {
            // the agent may be gone
        }
        if (guest4 != null) {
            guest4.close();
        }
        if (qemuAgent != null) {
            qemuAgent.close();
        }
        try (Stream<Path> files = Files.walk(tmp)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
