package org.vcpuagent.model;

import java.util.List;

/**
 * A domain's vCPUs as libvirt's bulk statistics report them at one moment.
 *
 * <p>Read with one call for all domains, this is the cheap way to watch many domains. It is also what
 * libvirt still answers after a failed vCPU unplug, when {@code virDomainGetVcpus} fails; but then it
 * repeats libvirt's stale belief, not QEMU's truth: {@code current} still counts the vCPU QEMU removed, and
 * that vCPU is listed as running with a time and delay of 0.
 *
 * @param uuid    the domain's UUID, the key that survives renames
 * @param name    the domain's name
 * @param current {@code vcpu.current}: vCPUs libvirt believes are plugged in; null when not reported
 * @param maximum {@code vcpu.maximum}: the most vCPUs the domain can have; null when not reported
 * @param vcpus   one entry per vCPU number that has any {@code vcpu.N.*} value, ordered by number
 */
public record DomainVcpuStats(String uuid, String name, Integer current, Integer maximum, List<VcpuStats> vcpus) {

    public DomainVcpuStats {
        vcpus = List.copyOf(vcpus);
    }

    /** Whether the statistics have a vCPU group at all (libvirt's test driver reports none). */
    public boolean hasVcpuGroup() {
        return current != null;
    }

    /**
     * Whether a vCPU libvirt counts as plugged in has no CPU time: what libvirt reports for a vCPU
     * thread it has lost track of, as after an unplug that timed out. A vCPU thread that exists has
     * always run a little, if only to start.
     */
    public boolean showsVcpuWithoutTime() {
        if (current == null) {
            return false;
        }
        long withTime = vcpus.stream().filter(v -> v.number() < current && v.timeNs() != null && v.timeNs() > 0)
                .count();
        return withTime < current;
    }
}
