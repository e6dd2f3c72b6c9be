package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

/**
 * One host CPU as libvirt's capabilities describe it ({@code <cpu id socket_id die_id core_id siblings>}).
 *
 * @param siblings the CPUs that share this CPU's core, itself included (one CPU on a host without SMT)
 */
public record HostCpu(int cpu, int numaNode, int socket, int die, int core, CpuMap siblings) {

    /** The core this CPU belongs to, unique on the host: cores are numbered per socket and die. */
    String coreKey() {
        return numaNode + "/" + socket + "/" + die + "/" + core;
    }
}
