package org.vcpuagent.model;

/**
 * One vCPU as libvirt's bulk statistics ({@code virConnectGetAllDomainStats}, group {@code vcpu})
 * report it. Unlike {@link VcpuInfo} (from {@code virDomainGetVcpus}), this needs no CPU affinity
 * query, so it keeps working when libvirt's view of a vCPU thread is stale, e.g. after a timed-out
 * unplug. Every value is nullable because hypervisor drivers report different subsets: a null means
 * "not reported", which is different from 0.
 *
 * @param number  the vCPU number ({@code N} in {@code vcpu.N.*})
 * @param state   {@code vcpu.N.state}: libvirt's {@code virVcpuState} number (see {@link #stateWord()})
 * @param timeNs  {@code vcpu.N.time}: CPU time used, in nanoseconds
 * @param waitNs  {@code vcpu.N.wait}: time spent waiting to run, in nanoseconds, as the host scheduler
 *                statistics count it (0 when the host kernel does not collect them)
 * @param delayNs {@code vcpu.N.delay}: time spent runnable but not running, in nanoseconds
 * @param halted  {@code vcpu.N.halted}: whether the guest has halted the vCPU (reported by few setups)
 */
public record VcpuStats(int number, Integer state, Long timeNs, Long waitNs, Long delayNs, Boolean halted) {

    /** {@code offline}, {@code running}, {@code blocked}, {@code unknown(N)}, or null when not reported. */
    public String stateWord() {
        return state == null ? null : VcpuState.wordOf(state);
    }
}
