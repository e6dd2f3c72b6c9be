package org.vcpuagent.model;

/**
 * One row of the {@code Vcpus} table: the request's {@code virVcpuInfo} and what libvirt's domain
 * statistics add to it.
 *
 * @param number   the vCPU number
 * @param state    {@code offline}, {@code running} or {@code blocked}, as libvirt reports it
 * @param cpuTime  CPU time used, in nanoseconds
 * @param cpu      the host CPU it last ran on; -1 when offline or not known
 * @param affinity the host CPUs it may run on
 * @param waitNs   time spent waiting, in nanoseconds ({@code vcpu.N.wait}); null when not reported
 * @param delayNs  time spent runnable but not running (steal), in nanoseconds ({@code vcpu.N.delay});
 *                 null when not reported
 * @param halted   whether the guest halted the vCPU ({@code vcpu.N.halted}); null when not reported
 * @param source   where the row comes from: {@link #FROM_PROC}, {@link #FROM_GET_VCPUS} or {@link #FROM_STATS}
 */
public record VcpuReading(int number, String state, long cpuTime, int cpu, CpuMap affinity, Long waitNs,
                          Long delayNs, Boolean halted, String source) {

    /**
     * The kernel: the vCPU thread's schedstat (CPU time and delay, in ns), stat (last CPU) and
     * sched_getaffinity, read from /proc on a local QEMU host; wait and halted from the domain statistics.
     */
    public static final String FROM_PROC = "proc";

    /** virDomainGetVcpus, with wait, delay and halted from the domain statistics. */
    public static final String FROM_GET_VCPUS = "getVcpus";

    /**
     * The domain statistics alone, with the configured pinning as affinity, because
     * virDomainGetVcpus failed; vCPUs QEMU no longer has are left out when QEMU could be asked.
     */
    public static final String FROM_STATS = "domainStats";
}
