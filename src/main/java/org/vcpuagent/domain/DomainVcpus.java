package org.vcpuagent.domain;

import org.vcpuagent.domain.kernel.KernelRead;
import org.vcpuagent.domain.kernel.KernelVcpu;
import org.vcpuagent.domain.kernel.ThreadMapBuilder;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.DomainControl;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.DomainVcpuStats;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.model.NumaTune;
import org.vcpuagent.model.VcpuInfo;
import org.vcpuagent.model.VcpuReading;
import org.vcpuagent.model.VcpuState;
import org.vcpuagent.model.VcpuStats;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One domain's vCPUs: the only client of libvirt for the domain above the binding. Reads run on the calling
 * thread (libvirt's handles are thread-safe, and fifty JMX readers must not queue behind one thread); what a
 * read or a change learns that alters state (a stale libvirt, a count, a pinning, a pending unplug) is handed
 * to the connection's {@link OwnerThread}, which alone changes it and tells the {@link VcpuChangeListener}.
 */
public final class DomainVcpus implements AutoCloseable {

    private final LibvirtDomain domain;
    private final Supplier<HostInfo> host;
    private final StatsCache stats;
    private final OwnerThread owner;
    private final VcpuWatch watch;
    private final CpuTimeFloor floor = new CpuTimeFloor();
    private final KernelVcpus kernel;
    /** Written by the owner thread only ({@link #publishSnapshot}); read by collectors on any thread. */
    private volatile VcpuSnapshot snapshot = VcpuSnapshot.NONE;
    /**
     * Whether the next snapshot asks libvirt for MaxVcpus again; owner thread. A running domain's maximum changes
     * only in its persistent configuration, seen after a restart, so a snapshot takes the last one's, and asks
     * again after each thorough look.
     */
    private boolean askMaxVcpus = true;
    /** Why this domain's QEMU is taken to keep calls waiting, or null; the owner thread's. */
    private String qemuLate;
    /** When libvirt was last asked whether QEMU keeps a call waiting (System.nanoTime); the owner thread's. */
    private long qemuAskedAt = System.nanoTime() - Lateness.ASK_QEMU_EVERY_NANOS;

    /**
     * @param domain the handle, which this object now owns and closes
     * @param host   the host's CPUs as the owner last read them
     * @param stats  the connection's statistics, read by the owner
     */
    public DomainVcpus(Domain domain, Supplier<HostInfo> host, StatsCache stats, OwnerThread owner,
                       VcpuChangeListener listener) {
        this(domain, host, stats, owner, BoundedCalls.ON_CALLER, listener);
    }

    /** @param qemuCalls where the owner asks the domain's QEMU, so that a QEMU that does not answer holds no owner */
    public DomainVcpus(Domain domain, Supplier<HostInfo> host, StatsCache stats, OwnerThread owner,
                       BoundedCalls qemuCalls, VcpuChangeListener listener) {
        this.domain = new LibvirtDomain(domain, qemuCalls);
        this.host = host;
        this.stats = stats;
        this.owner = owner;
        this.watch = new VcpuWatch(this.domain, host, stats, listener, Clock.systemUTC());
        this.kernel = new KernelVcpus(this.domain, host, domain::connectionUri, watch::view, ThreadMapBuilder::ofThisHost,
                floor);
    }

    public String name() {
        return domain.name();
    }

    public String uuid() {
        return domain.uuid();
    }

    // --- reads, on any thread ---

    public String state() {
        return domain.state();
    }

    public int maxVcpus() {
        return domain.maxVcpus();
    }

    /** libvirt's count; while libvirt is stale, QEMU's as the owner last read it. */
    public int count() {
        VcpuView v = watch.view();
        return v.isStale() && v.count() >= 0 ? v.count() : domain.vcpuCount();
    }

    /**
     * The count as the owner last accepted it: what collectors read (the Domain bean's VcpuCount), with no
     * libvirt call once the owner has looked. A change made through the agent is accepted before its call
     * returns; one made outside shows when the owner sees it (the statistics' vcpu.current, at the next tick).
     */
    public int publishedCount() {
        VcpuView v = watch.view();
        return v.count() >= 0 ? v.count() : count();
    }

    /** The most vCPUs the running domain can have, from the owner's last snapshot; libvirt's before the first. */
    public int publishedMaxVcpus() {
        VcpuSnapshot s = snapshot;
        return s.maxVcpus() > 0 ? s.maxVcpus() : maxVcpus();
    }

    /**
     * One row per vCPU: from the kernel while the owner holds a proven vCPU → thread map (a local QEMU domain),
     * otherwise virDomainGetVcpus, or the statistics alone when that fails; wait, delay and halted from the
     * statistics where the kernel has no figure of its own. cpuTime never goes backwards when the source changes.
     */
    public List<VcpuReading> vcpus() {
        HostInfo h = host.get();
        Map<Integer, VcpuStats> byNumber = statsByNumber();
        KernelRead fromKernel = kernel.read(h.presentCpus(), owner);
        if (fromKernel != null) {
            return kernelRows(fromKernel, byNumber);
        }
        List<VcpuInfo> infos;
        try {
            infos = domain.vcpus(h.mapLength());
        } catch (DomainCallException e) {
            if (e.kind() != DomainCallException.Kind.REFUSED) {
                throw e;
            }
            if (!watch.view().isStale()) {
                // libvirt has just lost a vCPU thread: the owner marks it stale and asks QEMU which vCPUs
                // exist, so that these rows leave out the ones QEMU no longer has.
                owner.await("look at domain '" + name() + "' after virDomainGetVcpus failed", () -> {
                    watch.look(Look.THOROUGH);
                    return null;
                });
            }
            return floored(StatisticsRows.of(domain, stats.get(domain.uuid()), watch.view(), h));
        }
        List<VcpuReading> rows = new ArrayList<>(infos.size());
        for (VcpuInfo v : infos) {
            VcpuStats s = byNumber.get(v.number());
            rows.add(new VcpuReading(v.number(), v.state(),
                    floor.apply(v.number(), VcpuReading.FROM_GET_VCPUS, v.cpuTime()), v.cpu(), v.affinity(),
                    s == null ? null : s.waitNs(), s == null ? null : s.delayNs(), s == null ? null : s.halted(),
                    VcpuReading.FROM_GET_VCPUS));
        }
        return rows;
    }

    private Map<Integer, VcpuStats> statsByNumber() {
        Optional<DomainVcpuStats> s = stats.get(domain.uuid());
        if (s.isEmpty()) {
            return Map.of();
        }
        Map<Integer, VcpuStats> out = new HashMap<>();
        for (VcpuStats v : s.get().vcpus()) {
            out.putIfAbsent(v.number(), v);
        }
        return out;
    }

    /** libvirt reports every online QEMU vCPU as running; so do these rows, whatever the thread's state letter. */
    private List<VcpuReading> kernelRows(KernelRead read, Map<Integer, VcpuStats> byNumber) {
        List<VcpuReading> rows = new ArrayList<>(read.rows().size());
        for (KernelVcpu k : read.rows()) {
            VcpuStats s = byNumber.get(k.vcpu());
            rows.add(new VcpuReading(k.vcpu(), VcpuState.RUNNING.word(),
                    floor.apply(k.vcpu(), VcpuReading.FROM_PROC, k.cpuTimeNs()), k.cpu(), k.affinity(),
                    s == null ? null : s.waitNs(), k.delayNs(), s == null ? null : s.halted(), VcpuReading.FROM_PROC));
        }
        return rows;
    }

    private List<VcpuReading> floored(List<VcpuReading> rows) {
        List<VcpuReading> out = new ArrayList<>(rows.size());
        for (VcpuReading r : rows) {
            out.add(new VcpuReading(r.number(), r.state(), floor.apply(r.number(), r.source(), r.cpuTime()), r.cpu(),
                    r.affinity(), r.waitNs(), r.delayNs(), r.halted(), r.source()));
        }
        return out;
    }

    /** {@code proc} while vCPUs are read from the kernel; otherwise {@code getVcpus} and why not the kernel. */
    public String readSource() {
        String why = kernel.unproven();
        return why == null ? VcpuReading.FROM_PROC : VcpuReading.FROM_GET_VCPUS + " (" + why + ")";
    }

    /** The configured pinning of each vCPU, up to the maximum. */
    public List<CpuMap> pins() {
        return domain.pins(host.get().mapLength());
    }

    public CpuMap emulatorPin() {
        return domain.emulatorPin(host.get().mapLength());
    }

    /** {@code libvirt}, or which other sources answer and why. */
    public String dataSource() {
        String reason = watch.view().staleReason();
        if (reason == null) {
            return "libvirt";
        }
        return kernel.unproven() == null
                ? "the kernel (/proc) for the vCPU rows and QEMU (query-cpus-fast) for the count, because " + reason
                : "QEMU (query-cpus-fast) and libvirt's domain statistics, because " + reason;
    }

    public Optional<PendingUnplug> pending() {
        return watch.view().pendingUnplug();
    }

    /** How old the wait, delay and halted figures are, in ms. */
    public long statsAgeMillis() {
        return stats.ageMillis();
    }

    /** What collectors read: the owner's last snapshot, never a libvirt call. */
    public VcpuSnapshot snapshot() {
        return snapshot;
    }

    // --- changes: libvirt is asked on the calling thread, the state follows on the owner ---

    /**
     * Changes the count. A shrink that libvirt times out on is reported as pending, not as a failure: the
     * guest usually completes it, and the owner follows it to the end.
     *
     * @throws IllegalArgumentException when {@code count} is outside 1..MaxVcpus
     * @throws IllegalStateException    while libvirt is stale: it then refuses or silently ignores count
     *                                  changes, so none is attempted
     */
    public CountChange setCount(int count, boolean persistent) {
        int max = maxVcpus();
        if (count < 1 || count > max) {
            throw new IllegalArgumentException("vCPU count " + count + " is not allowed for domain '" + name()
                    + "': give a number from 1 to " + max + " (MaxVcpus)");
        }
        String change = "set the vCPU count of domain '" + name() + "' to " + count;
        refuseIfHeld(change);
        VcpuView v = watch.view();
        if (v.isStale()) {
            throw new IllegalStateException("the vCPU count of domain '" + name() + "' cannot be changed now: "
                    + "libvirt's view of its vCPUs is stale (" + v.staleReason() + "); libvirt rejects or ignores "
                    + "count changes until libvirtd or the domain is restarted. The count QEMU reports is " + count());
        }
        int before = domain.vcpuCount();
        try {
            domain.setVcpus(count, persistent);
        } catch (DomainCallException e) {
            if (LibvirtDomain.isJobWaitTimeout(e)) {
                throw heldMeanwhile(change, e);
            }
            if (!LibvirtDomain.isUnplugTimeout(e) || count >= before) {
                throw e;
            }
            long answeredAt = System.nanoTime();
            return owner.await("follow the timed-out unplug of domain '" + name() + "'", () -> {
                CountChange c = watch.unplugTimedOut(before, count, LibvirtDomain.libvirtMessage(e), answeredAt);
                kernel.maintain(Look.QUICK);
                return c;
            });
        }
        // Taken after the call: a look that asked libvirt while the change ran counts as older.
        long answeredAt = System.nanoTime();
        int after = owner.await("announce the new vCPU count of domain '" + name() + "'", () -> {
            int seen = watch.countChangeMade(answeredAt);
            kernel.maintain(Look.QUICK);
            return seen;
        });
        return new CountChange(false, after, "domain '" + name() + "' has " + after + (after == 1 ? " vCPU" : " vCPUs"));
    }

    /** Pins an online vCPU (the caller has checked the number and the map against the host). */
    public void pinVcpu(int vcpu, CpuMap cpus) {
        byte[] map = cpus.toBytes(host.get().mapLength());
        change("pin vCPU " + vcpu + " of domain '" + name() + "'", () -> domain.pinVcpu(vcpu, map));
        owner.await("announce the new pinning of domain '" + name() + "'", () -> {
            watch.pinsChanged();
            return null;
        });
    }

    public void pinEmulator(CpuMap cpus) {
        byte[] map = cpus.toBytes(host.get().mapLength());
        change("pin the emulator threads of domain '" + name() + "'", () -> domain.pinEmulator(map));
    }

    // --- placement: IOThreads, NUMA tuning, persistent pins (each a libvirt call on the calling thread) ---

    /**
     * The pinning of the online vCPUs as the owner's last look saw it, by vCPU number; empty before the first
     * look. No libvirt call: the owner reads it for the host's allocation on every look.
     */
    public List<CpuMap> publishedPins() {
        VcpuView v = watch.view();
        if (v.pins() == null || v.count() < 0) {
            return List.of();
        }
        return v.pins().subList(0, Math.min(v.count(), v.pins().size()));
    }

    public boolean isPersistent() {
        return domain.isPersistent();
    }

    /** Each IOThread's affinity by id; empty when the domain has none. */
    public Map<Integer, CpuMap> ioThreads() {
        return domain.ioThreads();
    }

    /**
     * Each IOThread's affinity, for the owner's looks: libvirt asks QEMU for them under the domain's job, so the owner
     * waits a bounded time. Empty when QEMU is not asked (it keeps calls waiting, or a question to it is out) or does
     * not answer in time; owner thread.
     */
    public Optional<Map<Integer, CpuMap>> ioThreadsUnlessHeld() {
        return domain.ioThreadsBounded();
    }

    public void pinIoThread(int id, CpuMap cpus) {
        byte[] map = cpus.toBytes(host.get().mapLength());
        change("pin IOThread " + id + " of domain '" + name() + "'", () -> domain.pinIoThread(id, map));
    }

    public NumaTune numaTune() {
        return domain.numaTune();
    }

    /** The running domain's XML, for what no API call gives (per-guest-cell {@code <memnode>} bindings). */
    public String xml() {
        return domain.xml();
    }

    /**
     * Pins an online vCPU live and, with {@code persistent}, in the persistent configuration too.
     *
     * @throws IllegalArgumentException for {@code persistent} on a transient domain, before anything changes
     */
    public void pinVcpu(int vcpu, CpuMap cpus, boolean persistent) {
        checkPersistent(persistent, "vCPU " + vcpu);
        byte[] map = cpus.toBytes(host.get().mapLength());
        change("pin vCPU " + vcpu + " of domain '" + name() + "'", () -> domain.pinVcpu(vcpu, map, persistent));
        owner.await("announce the new pinning of domain '" + name() + "'", () -> {
            watch.pinsChanged();
            return null;
        });
    }

    public void pinEmulator(CpuMap cpus, boolean persistent) {
        checkPersistent(persistent, "the emulator threads");
        byte[] map = cpus.toBytes(host.get().mapLength());
        change("pin the emulator threads of domain '" + name() + "'", () -> domain.pinEmulator(map, persistent));
    }

    /** Pins IOThread {@code id} live and, with {@code persistent}, in the persistent configuration too. */
    public void pinIoThread(int id, CpuMap cpus, boolean persistent) {
        checkPersistent(persistent, "IOThread " + id);
        byte[] map = cpus.toBytes(host.get().mapLength());
        change("pin IOThread " + id + " of domain '" + name() + "'", () -> domain.pinIoThread(id, map, persistent));
    }

    /** A change made on the calling thread, unless the domain is held; libvirt's wait for a held job said plainly. */
    private void change(String what, Runnable call) {
        refuseIfHeld(what);
        try {
            call.run();
        } catch (DomainCallException e) {
            throw LibvirtDomain.isJobWaitTimeout(e) ? heldMeanwhile(what, e) : e;
        }
    }

    /**
     * Refuses a change while the domain's QEMU keeps libvirt's calls waiting, asked now of libvirt's control info
     * (which takes neither the domain's job nor QEMU), or while the owner's question to QEMU is unanswered: the
     * change needs the job, which the waiting call holds, and would only fail after libvirt's 30 s wait for it.
     */
    private void refuseIfHeld(String change) {
        String why = qemuLateness(Lateness::ofQemuForChanges);
        if (why == null) {
            why = domain.qemuUnanswered();
        }
        if (why != null) {
            throw new IllegalStateException("cannot " + change + ": the domain is held, nothing was changed. " + why
                    + ". A change needs the domain's job, which the waiting call holds, so libvirt would refuse it "
                    + "after waiting 30 s. See what holds it (virsh domcontrol " + name() + "; virsh domjobinfo "
                    + name() + "; whether its QEMU process is stopped or stuck in the kernel, state T or D in "
                    + "/proc/PID/stat) and try again once the domain's vCPU beans show StatsStale false");
        }
    }

    /** libvirt gave up waiting for the domain's job, which another call (or a save, dump, migration) holds. */
    private DomainCallException heldMeanwhile(String change, DomainCallException e) {
        return new DomainCallException(e.kind(), e.libvirtCode(), "cannot " + change + ": libvirt waited 30 s for the "
                + "domain's job, which another call holds, and gave up; nothing was changed (libvirt: "
                + LibvirtDomain.libvirtMessage(e) + "). See what holds it (virsh domjobinfo " + name()
                + " shows a save, dump, migration or backup job, which virsh domjobabort " + name() + " ends; virsh "
                + "domcontrol " + name() + " shows a call waiting for QEMU) and try again once it has ended", e);
    }

    private void checkPersistent(boolean persistent, String what) {
        if (persistent && !domain.isPersistent()) {
            throw new IllegalArgumentException("cannot pin " + what + " of domain '" + name() + "' persistently: "
                    + "it is transient (started from XML, not defined) and has no persistent configuration; "
                    + "pin it live (persistent = false) or define the domain first");
        }
    }

    /** Asks the owner to look again now, and waits for it: an explicit refresh. */
    public void lookNow() {
        owner.await("look at domain '" + name() + "' again", () -> {
            look(Look.THOROUGH);
            return null;
        });
    }

    // --- the owner's ---

    /** Looks again; on the owner thread only. */
    public void look(Look depth) {
        watch.look(depth);
        kernel.maintain(depth);
        if (depth == Look.THOROUGH) {
            askMaxVcpus = true;
        }
    }

    /**
     * Reads the vCPU rows again (joined with the last bulk statistics) and publishes them for collectors, with
     * the count the last look accepted and why its figures are late, if they are; on the owner thread only.
     *
     * <p>Whether the domain's QEMU keeps a call waiting (anyone's: another client's call holds the job as well as
     * ours) is asked of libvirt with one call that takes neither its job nor QEMU: every
     * {@link Lateness#ASK_QEMU_EVERY_NANOS}, at every snapshot while it keeps one waiting, and at every snapshot
     * while {@code askWhoseQemuHangs}.
     *
     * @param askWhoseQemuHangs whether a call of the owner's waits on some domain's QEMU
     */
    public VcpuSnapshot publishSnapshot(boolean askWhoseQemuHangs) {
        long now = System.nanoTime();
        if (askWhoseQemuHangs || qemuLate != null || domain.qemuUnanswered() != null
                || now - qemuAskedAt >= Lateness.ASK_QEMU_EVERY_NANOS) {
            qemuAskedAt = now;
            qemuLate = qemuLateness(Lateness::ofQemu);
            domain.qemuKeepsWaiting(qemuLate);
        }
        List<VcpuReading> rows = vcpus();
        VcpuView v = watch.view();
        int count = v.count() >= 0 ? v.count() : rows.size();
        VcpuSnapshot last = snapshot;
        int max = askMaxVcpus || last.maxVcpus() < 0 ? maxVcpus() : last.maxVcpus();
        askMaxVcpus = false;
        VcpuSnapshot next = VcpuSnapshot.next(last, rows, count, max, v.staleReason(), v.pending() != null,
                System.nanoTime(), System.currentTimeMillis(), lateReason());
        snapshot = next;
        return next;
    }

    /** A driver without control info (the test driver) has no QEMU to wait for. Any thread. */
    private String qemuLateness(java.util.function.Function<DomainControl, String> reading) {
        try {
            return reading.apply(domain.control());
        } catch (DomainCallException e) {
            if (e.kind() != DomainCallException.Kind.REFUSED) {
                throw e;
            }
            return null;
        }
    }

    /** Why this snapshot's figures are late or partial; null when they are not. */
    private String lateReason() {
        if (qemuLate != null) {
            return qemuLate;
        }
        String unanswered = domain.qemuUnanswered();
        if (unanswered != null) {
            return unanswered;
        }
        String notAsked = domain.qemuVcpusNotAsked();
        return notAsked != null ? notAsked : Lateness.ofStatistics(stats.ageMillis());
    }

    /**
     * Why this domain's QEMU keeps libvirt's calls waiting, as the owner last found (libvirt's control info, or its
     * question to QEMU unanswered); null when neither. Any thread.
     */
    public String heldReason() {
        String known = domain.qemuKeepsWaitingReason();
        return known != null ? known : domain.qemuUnanswered();
    }

    /** Whether the owner's tick should look at this domain: an unplug is pending or libvirt is stale. */
    public boolean needsFollowing() {
        return watch.needsFollowing();
    }

    /** Frees the domain's handle and the vCPU threads' files held open. */
    @Override
    public void close() {
        kernel.close();
        domain.close();
    }
}
