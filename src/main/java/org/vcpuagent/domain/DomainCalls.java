package org.vcpuagent.domain;

import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.QemuVcpu;
import org.vcpuagent.model.VcpuInfo;

import java.util.List;
import java.util.Optional;

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

    /** QEMU's own vCPUs; empty when QEMU cannot be asked. */
    Optional<List<QemuVcpu>> qemuVcpus();
}
