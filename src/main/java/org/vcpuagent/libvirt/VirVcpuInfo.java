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

    // Reading an array of these through JNA's Structure costs reflection per element on every call;
    // the readers take the size and offsets, as JNA lays them out on this platform, once.
    static final int SIZE;
    static final int NUMBER_OFFSET;
    static final int STATE_OFFSET;
    static final int CPU_TIME_OFFSET;
    static final int CPU_OFFSET;

    static {
        VirVcpuInfo layout = new VirVcpuInfo();
        SIZE = layout.size();
        NUMBER_OFFSET = layout.fieldOffset("number");
        STATE_OFFSET = layout.fieldOffset("state");
        CPU_TIME_OFFSET = layout.fieldOffset("cpuTime");
        CPU_OFFSET = layout.fieldOffset("cpu");
    }
}
