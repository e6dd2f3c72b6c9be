package org.vcpuagent.domain.kernel;

import org.vcpuagent.model.CpuMap;

/**
 * One vCPU as the kernel reports its thread at one moment.
 *
 * @param vcpu      libvirt's vCPU id
 * @param state     the thread's scheduler state letter ({@code R}, {@code S}, ...)
 * @param cpuTimeNs CPU time from {@code schedstat}
 * @param delayNs   time runnable but waiting for a CPU, from {@code schedstat}
 * @param cpu       the CPU it last ran on
 * @param affinity  where it may run
 */
public record KernelVcpu(int vcpu, char state, long cpuTimeNs, long delayNs, int cpu, CpuMap affinity) {
}
