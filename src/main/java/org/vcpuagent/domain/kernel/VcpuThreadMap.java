package org.vcpuagent.domain.kernel;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which thread of which QEMU process runs each online vCPU of one domain, as proven from libvirt's cgroups.
 * Immutable: the owner thread builds a new one when anything changes and publishes it whole.
 *
 * @param pid          the QEMU process
 * @param pidStartTime when it started (clock ticks after boot), against pid reuse
 * @param numThreads   its thread count when the map was built: a vCPU plugged in since adds a thread
 * @param threads      the vCPU threads, by vCPU id
 * @param cgroup       the domain's cgroup directory the map comes from
 */
public record VcpuThreadMap(int pid, long pidStartTime, int numThreads, List<VcpuThread> threads, String cgroup) {

    public VcpuThreadMap {
        threads = List.copyOf(threads);
    }

    public String processStatPath() {
        return "/proc/" + pid + "/stat";
    }

    public Set<Integer> vcpus() {
        return threads.stream().map(VcpuThread::vcpu).collect(Collectors.toSet());
    }

    /** The threads of this map that are also in {@code other} with the same id and start time. */
    public boolean isSubsetOf(VcpuThreadMap other) {
        return pid == other.pid && pidStartTime == other.pidStartTime && other.threads.containsAll(threads);
    }
}
