package org.vcpuagent.jmx;

import javax.management.openmbean.TabularData;
import java.util.Map;

/**
 * The virtual CPUs of one running or paused libvirt domain, registered as
 * {@code libvirt.vcpu:type=Domain,name=<domain name>}. Every attribute is read from libvirt when
 * it is asked for.
 */
@Description("The vCPUs of one running or paused libvirt domain, read from libvirt when asked for; "
        + "operations change the running domain.")
public interface DomainVcpuMXBean {

    @Description("The domain's name, as virsh list shows it.")
    String getName();

    @Description("The domain's UUID.")
    String getUuid();

    @Description("The domain's state as libvirt reports it now: running, paused, blocked, shutdown, "
            + "shutoff, crashed, pmsuspended or nostate.")
    String getState();

    @Description("The most vCPUs the running domain can have (virsh vcpucount: maximum live).")
    int getMaxVcpus();

    @Description("How many vCPUs the running domain has now (virsh vcpucount: current live), as the agent last "
            + "saw it: no libvirt call; a change made through the agent shows before its call returns, one made "
            + "outside when the agent sees it (StatsAgeMillis). "
            + "Writing it is setVcpus: the change is applied live, between 1 and MaxVcpus.")
    int getVcpuCount();

    void setVcpuCount(int count);

    @Description("One row per vCPU, as virsh vcpuinfo: state, cpu (host CPU, -1 if offline), cpuTime, wait "
            + "and delay in ns, affinity (cpulist), cpumap (the same as bytes).")
    TabularData getVcpus();

    @Description("Where each vCPU may run, as numbers: one row per vCPU and host CPU (vcpu, cpu), with allowed "
            + "true when the vCPU's affinity includes that CPU, as collectd's cpu_affinity reports it. The same "
            + "information as the affinity column of Vcpus, for tools that take numbers only, such as jmx_exporter "
            + "(libvirt_domain_vcpu_affinity).")
    TabularData getAffinity();

    @Description("The pinning configured for each vCPU of the running domain, as cpulist text, "
            + "keyed by vCPU number (virsh vcpupin with no arguments).")
    Map<Integer, String> getPinInfo();

    @Description("Where the domain's emulator threads (QEMU's threads other than the vCPUs) may run, as "
            + "cpulist text (virsh emulatorpin).")
    String getEmulatorPin();

    @Description("Where the vCPU attributes come from now: 'libvirt', or QEMU and libvirt's domain statistics "
            + "with the reason, when libvirt's own vCPU information is stale (after an unplug libvirt timed out on).")
    String getDataSource();

    @Description("'none', or the vCPU unplug libvirt timed out on that the agent is following until the count "
            + "settles (announced by a libvirt.vcpu.unplug.settled notification).")
    String getUnplugStatus();

    @Description("Age in milliseconds of the wait, delay and halted columns of Vcpus: they come from one "
            + "libvirt statistics call for all domains every 500 ms; the other columns are read when asked.")
    long getStatsAgeMillis();

    @Description("Changes the number of vCPUs of the running domain (virsh setvcpus --live). Returns what "
            + "happened; a shrink the guest has not finished within libvirt's timeout is reported as pending.")
    @OperationName("setVcpus")
    String changeVcpuCount(
            @Description(name = "count", value = "The new number of vCPUs, from 1 to MaxVcpus.") int count);

    @Description("Changes the number of vCPUs of the running domain and, if asked, of its persistent "
            + "configuration too, so the count survives a restart (virsh setvcpus --live [--config]). Returns "
            + "what happened; a shrink the guest has not finished within libvirt's timeout is reported as pending.")
    String setVcpus(
            @Description(name = "count", value = "The new number of vCPUs, from 1 to MaxVcpus.") int count,
            @Description(name = "persistent", value = "true: also write the persistent configuration "
                    + "(fails for transient domains); false: the running domain only.") boolean persistent);

    @Description("Pins one vCPU of the running domain to a set of host CPUs (virsh vcpupin --live).")
    void pinVcpu(
            @Description(name = "vcpu", value = "The vCPU number, from 0 to VcpuCount - 1.") int vcpu,
            @Description(name = "cpulist", value = "Host CPUs as cpulist text, e.g. 0-3,8 or 0-7,^2 "
                    + "(^N excludes CPU N; r = all); CPUs 0 to PresentCpus - 1 of the Host MBean.") String cpulist);

    @Description("Pins one vCPU of the running domain with a raw cpumap, as virDomainPinVcpu takes it.")
    void pinVcpuMap(
            @Description(name = "vcpu", value = "The vCPU number, from 0 to VcpuCount - 1.") int vcpu,
            @Description(name = "cpumap", value = "Bytes of CPU bits: byte 0 holds CPUs 0-7, lowest CPU "
                    + "in the least significant bit; the array length is libvirt's maplen.") byte[] cpumap);

    @Description("Pins the domain's emulator threads to a set of host CPUs (virsh emulatorpin --live).")
    void pinEmulator(
            @Description(name = "cpulist", value = "Host CPUs as cpulist text, e.g. 0-3,8 or 0-7,^2 "
                    + "(^N excludes CPU N; r = all); CPUs 0 to PresentCpus - 1 of the Host MBean.") String cpulist);

    /** The cpulist parameter's description. */
    String CPULIST = "Host CPUs as cpulist text, e.g. 0-3,8 or 0-7,^2 (^N excludes CPU N; r = all); CPUs 0 to "
            + "PresentCpus - 1 of the Host MBean.";

    /** The persistent parameter's description. */
    String PERSISTENT = "true: also the persistent configuration (fails for transient domains); false: the running "
            + "domain only.";

    @Description("The domain's IOThreads (virsh iothreadinfo): one row per IOThread, its id and affinity.")
    TabularData getIoThreads();

    @Description("The domain's NUMA memory tuning (virsh numatune): mode=strict|preferred|interleave|restrictive "
            + "nodeset=N, or none.")
    String getNumaTune();

    @Description("Pins one vCPU of the running domain and in its persistent configuration, so the pin survives a "
            + "restart (virsh vcpupin --live --config); refused for transient domains.")
    void pinVcpuLiveAndConfig(
            @Description(name = "vcpu", value = "The vCPU number, from 0 to VcpuCount - 1.") int vcpu,
            @Description(name = "cpulist", value = CPULIST) String cpulist);

    @Description("Pins the emulator threads of the running domain and in its persistent configuration (virsh "
            + "emulatorpin --live --config); refused for transient domains.")
    void pinEmulatorLiveAndConfig(
            @Description(name = "cpulist", value = CPULIST) String cpulist);

    @Description("Pins one IOThread of the running domain (virsh iothreadpin --live).")
    void pinIoThread(
            @Description(name = "id", value = "The IOThread id, as IoThreads lists it.") int id,
            @Description(name = "cpulist", value = CPULIST) String cpulist);

    @Description("A dry run: the placement a policy gives this domain, one line per vCPU (vcpu 0 -> cpu 4), one "
            + "for the emulator threads and one per IOThread, which go with the emulator threads; changes nothing. Refused, saying why and what would fit, when the host "
            + "cannot meet it.")
    String planPlacement(
            @Description(name = "policy", value = "dedicated or shared; with dedicated optionally prefer, isolate or "
                    + "require; optionally emulator=share|isolate; comma-separated, e.g. dedicated,isolate.")
            String policy);

    @Description("Computes the same plan as planPlacement and applies it live and, if asked, persistently. All or "
            + "nothing: when a pin fails the pins already made are put back. restorePlacement undoes it.")
    String applyPlacement(
            @Description(name = "policy", value = "As for planPlacement.") String policy,
            @Description(name = "persistent", value = PERSISTENT) boolean persistent);

    @Description("Puts back the vCPU, emulator and IOThread pinning the last applyPlacement replaced.")
    String restorePlacement();

    @Description("Reads the vCPU count and pinning from libvirt now and sends a notification for "
            + "every change since the last look.")
    void refresh();
}
