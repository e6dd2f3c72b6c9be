package org.vcpuagent.domain.kernel;

/**
 * One vCPU's thread as the map proved it.
 *
 * @param vcpu      libvirt's vCPU id (the N of the {@code vcpu<N>} cgroup)
 * @param tid       the thread's id
 * @param startTime when the thread started (clock ticks after boot): the read checks it against thread-id reuse
 */
public record VcpuThread(int vcpu, int tid, long startTime, String statPath, String schedstatPath,
                         String statusPath) {

    static VcpuThread of(int pid, int vcpu, int tid, long startTime) {
        String task = "/proc/" + pid + "/task/" + tid + "/";
        return new VcpuThread(vcpu, tid, startTime, task + "stat", task + "schedstat", task + "status");
    }
}
