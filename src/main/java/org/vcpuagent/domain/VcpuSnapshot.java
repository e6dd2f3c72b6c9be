package org.vcpuagent.domain;

import org.vcpuagent.model.VcpuReading;
import org.vcpuagent.model.VcpuState;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One domain's vCPUs as its connection's owner thread last saw them, for collectors: built on the owner from
 * the rows of a look and the bulk statistics, published whole, and read by JMX threads without a libvirt call.
 * A scrape thus costs libvirt nothing, and a domain whose libvirt calls hang holds no scrape: its snapshot only
 * ages, and the age is shown.
 *
 * @param count        the vCPU count the owner accepted
 * @param maxVcpus     the most vCPUs the running domain can have
 * @param vcpus        the online vCPUs, ordered by number
 * @param takenAtMillis when the rows were read (epoch milliseconds); 0 for {@link #NONE}
 * @param staleReason  why libvirt's own answers are not trusted now; null while they are
 * @param unplugPending whether an unplug libvirt timed out on is being followed
 * @param lateReason   why the figures were late or partial when the owner took them (the domain's QEMU keeps
 *                     calls waiting, the bulk statistics do not answer); null when they were not. A snapshot that
 *                     the owner could not take again for long says so by its age: see {@link #statsLateReason()}
 */
public record VcpuSnapshot(int count, int maxVcpus, List<Vcpu> vcpus, long takenAtMillis, String staleReason,
                           boolean unplugPending, String lateReason) {

    /** Made once: values() copies the array, and every vCPU of every snapshot looks its state up. */
    private static final VcpuState[] STATES = VcpuState.values();

    /** Before the owner's first snapshot of a domain. */
    public static final VcpuSnapshot NONE = new VcpuSnapshot(-1, -1, List.of(), 0, null, false, null);

    public VcpuSnapshot {
        vcpus = List.copyOf(vcpus);
    }

    /**
     * One vCPU.
     *
     * @param affinity      the host CPUs it may run on, as cpulist text (made once here, not per read)
     * @param utilization   the share of one host CPU it used since the previous snapshot, 0.0 to 1.0; NaN until
     *                      there are two snapshots
     * @param delayFraction the share of that interval it was runnable but waiting for a host CPU; NaN when
     *                      libvirt reports no delay or there is no previous snapshot
     * @param takenAtNanos  {@link System#nanoTime()} when its row was read
     */
    public record Vcpu(int number, String state, int stateCode, long cpuTimeNanos, int cpu, Long waitNanos,
                       Long delayNanos, Boolean halted, String affinity, int affinityCpuCount, double utilization, double delayFraction,
                       long takenAtNanos) {
    }

    /** The vCPU numbered {@code number}, if it is online in this snapshot. */
    public Optional<Vcpu> vcpu(int number) {
        // An indexed loop, no iterator: every vCPU bean read and every vCPU of every snapshot comes here.
        // Numbers are usually positions (vCPUs 0..n-1 online), so look there first.
        if (number >= 0 && number < vcpus.size() && vcpus.get(number).number() == number) {
            return Optional.of(vcpus.get(number));
        }
        for (int i = 0; i < vcpus.size(); i++) {
            if (vcpus.get(i).number() == number) {
                return Optional.of(vcpus.get(i));
            }
        }
        return Optional.empty();
    }

    /** Milliseconds since the rows were read; -1 before the first snapshot. */
    public long ageMillis() {
        return takenAtMillis == 0 ? -1 : Math.max(0, System.currentTimeMillis() - takenAtMillis);
    }

    /**
     * Why these figures are late, now: the owner's reason, or the snapshot's own age when the owner has not taken
     * it again for longer than {@link Lateness#STALE_AFTER_MILLIS}; null when they are not late.
     */
    public String statsLateReason() {
        return lateReason != null ? lateReason : Lateness.ofSnapshot(ageMillis());
    }

    /**
     * The snapshot that follows {@code previous}, whose rows give each vCPU's use since then.
     *
     * @param rows the look's rows (online vCPUs only are kept)
     */
    static VcpuSnapshot next(VcpuSnapshot previous, List<VcpuReading> rows, int count, int maxVcpus,
                             String staleReason, boolean unplugPending, long nowNanos, long nowMillis,
                             String lateReason) {
        List<Vcpu> out = new ArrayList<>(rows.size());
        for (VcpuReading r : rows) {
            if (VcpuState.OFFLINE.word().equals(r.state())) {
                continue;
            }
            Optional<Vcpu> before = previous.vcpu(r.number());
            double interval = before.map(b -> (double) (nowNanos - b.takenAtNanos())).orElse(0.0);
            double utilization = interval <= 0 ? Double.NaN
                    : share(r.cpuTime() - before.get().cpuTimeNanos(), interval);
            double delay = interval <= 0 || r.delayNs() == null || before.get().delayNanos() == null ? Double.NaN
                    : share(r.delayNs() - before.get().delayNanos(), interval);
            out.add(new Vcpu(r.number(), r.state(), stateCode(r.state()), r.cpuTime(), r.cpu(), r.waitNs(),
                    r.delayNs(), r.halted(), r.affinity().toCpuList(), r.affinity().cardinality(), utilization, delay, nowNanos));
        }
        return new VcpuSnapshot(count, maxVcpus, out, nowMillis, staleReason, unplugPending, lateReason);
    }

    /** A counter's growth over an interval, as a share of it: 0.0 to 1.0 (a counter that went back gives 0). */
    private static double share(long grown, double intervalNanos) {
        return Math.min(1.0, Math.max(0.0, grown / intervalNanos));
    }

    /** libvirt's virVcpuState number for the word; -1 for a word libvirt has no number for. */
    static int stateCode(String word) {
        for (VcpuState s : STATES) {
            if (s.word().equals(word)) {
                return s.ordinal();
            }
        }
        return -1;
    }
}
