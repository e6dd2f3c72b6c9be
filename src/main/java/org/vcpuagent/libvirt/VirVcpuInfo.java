package org.vcpuagent.libvirt;

import com.sun.jna.Structure;

/** {@code struct _virVcpuInfo}: libvirt's per-vCPU record, without the cpumap (that is a separate array). */
@Structure.FieldOrder({"number", "state", "cpuTime", "cpu"})
public class VirVcpuInfo extends Structure {
    public int number;
    public int state;
    public long cpuTime;
    public int cpu;

    public VirVcpuInfo() {
        super();
    }
}
