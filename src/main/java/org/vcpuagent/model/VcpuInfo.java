package org.vcpuagent.model;

/**
 * What libvirt reports for one virtual CPU at one moment: the request's {@code virVcpuInfo},
 * with its cpumap.
 *
 * @param number   the vCPU number
 * @param state    {@code offline}, {@code running} or {@code blocked}, as libvirt reports it
 * @param cpuTime  CPU time used, in nanoseconds
 * @param cpu      the host CPU it last ran on, or -1 when offline or unknown
 * @param affinity the host CPUs it may run on
 */
public record VcpuInfo(int number, String state, long cpuTime, int cpu, CpuMap affinity) {
}
