package org.vcpuagent.jmx;

/**
 * One online vCPU of a running or paused domain, registered as
 * {@code libvirt.vcpu:type=Vcpu,name=<domain name>,vcpu=<n>} while the vCPU exists. Every attribute is a
 * scalar served from the snapshot the connection's owner thread last published: reading costs libvirt
 * nothing, and {@code StatsAgeMillis} says how old the figures are.
 */
@Description("One online vCPU of a libvirt domain, from the agent's last snapshot (no libvirt call per read); "
        + "StatsAgeMillis is its age. Double-click a number in JConsole to chart it, e.g. Utilization.")
public interface VcpuMXBean {

    @Description("The vCPU's number in its domain (N of vcpu.N).")
    int getNumber();

    @Description("The name of the domain this vCPU belongs to.")
    String getDomain();

    @Description("running, blocked or offline, as libvirt's virVcpuState (virsh vcpuinfo: State).")
    String getState();

    @Description("The state as libvirt's virVcpuState number: 0 offline, 1 running, 2 blocked.")
    int getStateCode();

    @Description("CPU time the vCPU has used, in nanoseconds (a counter).")
    long getCpuTimeNanos();

    @Description("The host CPU the vCPU last ran on; -1 when not known.")
    int getCpu();

    @Description("Time the vCPU spent waiting, in nanoseconds (vcpu.N.wait, a counter); empty where libvirt "
            + "does not report it.")
    Long getWaitNanos();

    @Description("Time the vCPU was runnable but waiting for a host CPU (steal), in nanoseconds (vcpu.N.delay, "
            + "a counter); empty where libvirt does not report it.")
    Long getDelayNanos();

    @Description("Whether the guest has halted the vCPU (vcpu.N.halted); empty where libvirt does not report it.")
    Boolean getHalted();

    @Description("The host CPUs the vCPU may run on, as cpulist text (e.g. 0-3,8).")
    String getAffinity();

    @Description("How many host CPUs the vCPU may run on.")
    int getAffinityCpuCount();

    @Description("The share of one host CPU the vCPU used over the last snapshot interval, 0.0 to 1.0; NaN until "
            + "two snapshots exist.")
    double getUtilization();

    @Description("The share of the last snapshot interval the vCPU was runnable but waiting for a host CPU, "
            + "0.0 to 1.0; NaN where libvirt reports no delay.")
    double getDelayFraction();

    @Description("Age in milliseconds of the snapshot these figures come from.")
    long getStatsAgeMillis();

    @Description("Whether these figures are late or partial: the domain's QEMU keeps libvirt calls waiting or does not "
            + "answer the agent's query-cpus-fast, libvirt's bulk statistics do not answer, or the snapshot is older "
            + "than 30 s. StatsStaleReason says which.")
    boolean isStatsStale();

    @Description("Why the figures are late or partial (see StatsStale); empty while they are not.")
    String getStatsStaleReason();

    @Description("How many vCPUs the domain has now, as the agent last accepted it (the Domain bean's VcpuCount "
            + "without a libvirt call).")
    int getDomainVcpuCount();

    @Description("The most vCPUs the running domain can have (the Domain bean's MaxVcpus).")
    int getDomainMaxVcpus();

    @Description("Whether the domain has a vCPU unplug libvirt timed out on that the agent is following (the Domain "
            + "bean's UnplugStatus is not 'none').")
    boolean isDomainUnplugPending();

    @Description("'libvirt', or why libvirt's own vCPU answers are not trusted now (after an unplug it timed out on).")
    String getDataSource();
}
