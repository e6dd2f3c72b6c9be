package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

/** One thread of a domain (a vCPU, the emulator threads taken together, or an IOThread) and its affinity. */
public record PinnedThread(String domain, Kind kind, int id, CpuMap affinity) {

    public enum Kind { VCPU, EMULATOR, IOTHREAD }

    /** {@code test:0} for a vCPU, {@code test:emulator}, {@code test:iothread1}. */
    public String label() {
        return domain + ":" + switch (kind) {
            case VCPU -> String.valueOf(id);
            case EMULATOR -> "emulator";
            case IOTHREAD -> "iothread" + id;
        };
    }

    /** Pinned to exactly one CPU. */
    public boolean exclusive() {
        return Cpus.size(affinity) == 1;
    }

    /**
     * Whether the thread floats: its affinity covers every CPU libvirt could pin it to, which is libvirt's
     * default for a thread nobody pinned. Such a thread is shown but never a conflict, or no dedicated
     * placement could ever be clean.
     */
    public boolean floats(Topology t) {
        return Cpus.containsAll(affinity, t.everyPinnable());
    }
}
