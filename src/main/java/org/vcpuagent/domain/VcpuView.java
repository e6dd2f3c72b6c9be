package org.vcpuagent.domain;

import org.vcpuagent.model.CpuMap;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the owner thread last saw of one domain's vCPUs: published whole after each change, so readers on
 * other threads see one consistent moment and never a half-made update.
 *
 * @param count       the count the last look accepted; -1 before the first look
 * @param pins        the pinning the last look saw; null before the first
 * @param pending     the unplug being followed; null when none
 * @param staleReason why libvirt's own vCPU answers are not trusted now; null while they are
 * @param qemuVcpus   QEMU's vCPU numbers while libvirt is stale and QEMU could be asked; null otherwise
 */
record VcpuView(int count, List<CpuMap> pins, PendingUnplug pending, String staleReason, Set<Integer> qemuVcpus) {

    static final VcpuView FIRST = new VcpuView(-1, null, null, null, null);

    VcpuView {
        pins = pins == null ? null : List.copyOf(pins);
        qemuVcpus = qemuVcpus == null ? null : Set.copyOf(qemuVcpus);
    }

    VcpuView withCount(int c) {
        return new VcpuView(c, pins, pending, staleReason, qemuVcpus);
    }

    VcpuView withPins(List<CpuMap> p) {
        return new VcpuView(count, p, pending, staleReason, qemuVcpus);
    }

    VcpuView withPending(PendingUnplug p) {
        return new VcpuView(count, pins, p, staleReason, qemuVcpus);
    }

    VcpuView withStaleReason(String reason) {
        return new VcpuView(count, pins, pending, reason, qemuVcpus);
    }

    VcpuView withQemuVcpus(Set<Integer> numbers) {
        return new VcpuView(count, pins, pending, staleReason, numbers);
    }

    /** libvirt agrees with QEMU again: no stale reason, no QEMU set. */
    VcpuView trusted() {
        return new VcpuView(count, pins, pending, null, null);
    }

    boolean isStale() {
        return staleReason != null;
    }

    Optional<PendingUnplug> pendingUnplug() {
        return Optional.ofNullable(pending);
    }
}
