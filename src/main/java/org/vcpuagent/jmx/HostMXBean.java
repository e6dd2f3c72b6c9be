package org.vcpuagent.jmx;

import javax.management.openmbean.TabularData;

/** The libvirt connection and its host, registered as {@code libvirt.vcpu:type=Host}. */
@Description("The libvirt connection the agent watches, and the host's CPUs as libvirt describes them.")
public interface HostMXBean {

    @Description("The libvirt connection URI, as libvirt resolved it.")
    String getUri();

    @Description("True while the agent holds a working connection to libvirt.")
    boolean isConnected();

    @Description("The version of libvirt on the other end of the connection, e.g. 9.0.0.")
    String getLibvirtVersion();

    @Description("Active host CPUs according to virNodeGetInfo (virsh nodeinfo: CPU(s)).")
    int getCpus();

    @Description("CPUs covered by libvirt's CPU maps (virsh nodecpumap: CPUs present). cpulists and "
            + "cpumaps given to the pin operations may name CPUs 0 to PresentCpus - 1.")
    int getPresentCpus();

    @Description("CPU sockets per NUMA node, as virNodeGetInfo counts them (virsh nodeinfo: CPU socket(s)).")
    int getSockets();

    @Description("Cores per socket (virsh nodeinfo: Core(s) per socket).")
    int getCoresPerSocket();

    @Description("Threads per core (virsh nodeinfo: Thread(s) per core).")
    int getThreadsPerCore();

    @Description("NUMA cells (virsh nodeinfo: NUMA cell(s)).")
    int getNumaNodes();

    @Description("Host CPUs online now, as cpulist text (virsh nodecpumap: CPU map).")
    String getOnlineCpus();

    @Description("How many running or paused domains have a DomainVcpu MBean.")
    int getDomainCount();

    @Description("When the last refresh from libvirt finished, ISO-8601 UTC; empty before the first.")
    String getLastRefresh();

    @Description("Milliseconds since the last refresh from libvirt finished; -1 before the first.")
    long getLastRefreshAgeMillis();

    @Description("The last error met while talking to libvirt, with its time; empty when the last "
            + "refresh succeeded.")
    String getLastError();

    @Description("One row per host CPU, from libvirt's capabilities and CPU map: cpu, online, pinnable (inside "
            + "libvirt's CPU maps and online), numaNode, socket, die, core, siblings (cpulist), reserved "
            + "(host.reserved.cpus), isolated (the kernel's isolcpus, when the host is this machine).")
    TabularData getTopology();

    @Description("One row per host CPU: every vCPU (domain:vcpu), emulator (domain:emulator) and IOThread "
            + "(domain:iothreadN) whose affinity includes it, how many are pinned there exclusively, how many float.")
    TabularData getAllocation();

    @Description("Placement conflicts, empty when all is well: exclusive-overlap, exclusive-shared, smt-sibling, "
            + "numa, reserved, offline; each names the domains, threads and CPUs. Notification "
            + "libvirt.vcpu.placement.conflict when a row appears or clears.")
    TabularData getConflicts();

    @Description("Refreshes the list of domains and the host's CPUs from libvirt now.")
    void refresh();
}
