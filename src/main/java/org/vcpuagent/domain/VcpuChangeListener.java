package org.vcpuagent.domain;

/**
 * What the domain layer noticed, whoever made the change (this agent, virsh, another tool). Called on the
 * connection's owner thread, in the order the changes were seen.
 */
public interface VcpuChangeListener {

    void countChanged(int previous, int current);

    /** @param previous the vCPU's pinning before, cpulist text; {@code current} after */
    void pinChanged(int vcpu, String previous, String current);

    /** libvirt timed out on an unplug; the owner follows it until it settles. */
    void unplugPending(String message);

    void unplugSettled(Settlement settlement);
}
