package org.vcpuagent.domain;

import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.VcpuInfo;

import java.util.List;

/**
 * The questions change detection asks about one domain. {@link LibvirtDomain} asks libvirt and QEMU; a unit
 * test can answer instead, for what a real libvirt cannot be made to do on demand (an unplug it times out on).
 */
interface DomainCalls {

    String name();

    String uuid();

    int vcpuCount();

    /** virDomainGetVcpus: fails when libvirt has lost a vCPU thread. */
    List<VcpuInfo> vcpus(int mapLength);

    List<CpuMap> pins(int mapLength);

    /** QEMU's own vCPUs, or why they are missing: QEMU cannot be asked, or does not answer in time. */
    QemuAnswer qemuVcpus();
}
