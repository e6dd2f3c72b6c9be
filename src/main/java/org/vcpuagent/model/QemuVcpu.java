package org.vcpuagent.model;

/**
 * One vCPU as QEMU itself reports it ({@code query-cpus-fast}). After a failed unplug this is the
 * truth when libvirt's own view is stale: a vCPU QEMU removed is simply absent here.
 *
 * @param cpuIndex QEMU's {@code cpu-index}; on x86 it equals libvirt's vCPU number (both count the possible
 *                 CPUs in topology order), as checked on q35
 * @param threadId the host thread id (TID) of the vCPU thread, as in {@code /proc/PID/task/TID}
 * @param qomPath  the vCPU's QOM path, e.g. {@code /machine/unattached/device[0]} for a boot vCPU
 *                 and {@code /machine/peripheral/vcpu1} for a hot-plugged one
 */
public record QemuVcpu(int cpuIndex, long threadId, String qomPath) {
}
