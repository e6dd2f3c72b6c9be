package org.vcpuagent.jmx;

import org.vcpuagent.model.VcpuReading;

import javax.management.openmbean.ArrayType;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularData;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;
import java.util.List;

/**
 * The {@code Vcpus} attribute's open type: a table whose rows are the vCPUs themselves, indexed by
 * {@code number}. Rows carry the items directly (not a key/value pair as an MXBean map would), so
 * JConsole shows one column per item and jmx_exporter labels each value with {@code number}.
 */
public final class VcpuTable {

    public static final String[] ITEMS = {"number", "state", "cpuTime", "cpu", "affinity", "cpumap", "wait", "delay",
        "halted", "source"};

    private static final String[] DESCRIPTIONS = {
        "The vCPU number.",
        "offline, running or blocked, as libvirt reports it.",
        "CPU time used by the vCPU, in nanoseconds.",
        "The host CPU the vCPU last ran on, or -1 if offline.",
        "The host CPUs the vCPU may run on, as cpulist text.",
        "The same CPUs as bytes: byte 0 holds CPUs 0-7, lowest CPU in the least significant bit.",
        "Time spent waiting, in nanoseconds (domain statistics vcpu.N.wait); empty when not reported.",
        "Time runnable but not running (steal), in nanoseconds (vcpu.N.delay); empty when not reported.",
        "Whether the guest halted the vCPU (vcpu.N.halted); empty when not reported.",
        "getVcpus (virDomainGetVcpus) or domainStats (the statistics alone, when virDomainGetVcpus fails).",
    };

    public static final CompositeType ROW_TYPE;
    public static final TabularType TABLE_TYPE;

    static {
        try {
            OpenType<?>[] types = {SimpleType.INTEGER, SimpleType.STRING, SimpleType.LONG, SimpleType.INTEGER,
                SimpleType.STRING, ArrayType.getPrimitiveArrayType(byte[].class), SimpleType.LONG, SimpleType.LONG,
                SimpleType.BOOLEAN, SimpleType.STRING};
            ROW_TYPE = new CompositeType("org.vcpuagent.VcpuInfo", "One virtual CPU, as libvirt reports it.",
                    ITEMS, DESCRIPTIONS, types);
            TABLE_TYPE = new TabularType("org.vcpuagent.Vcpus", "The vCPUs of a domain, by number.", ROW_TYPE,
                    new String[] {"number"});
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private VcpuTable() {
    }

    /** @param mapLength bytes per cpumap, as libvirt uses for this host */
    public static TabularData of(List<VcpuReading> vcpus, int mapLength) {
        TabularDataSupport table = new TabularDataSupport(TABLE_TYPE);
        for (VcpuReading v : vcpus) {
            table.put(row(v, mapLength));
        }
        return table;
    }

    static CompositeData row(VcpuReading v, int mapLength) {
        try {
            return new CompositeDataSupport(ROW_TYPE, ITEMS, new Object[] {
                v.number(), v.state(), v.cpuTime(), v.cpu(), v.affinity().toCpuList(), v.affinity().toBytes(mapLength),
                v.waitNs(), v.delayNs(), v.halted(), v.source()});
        } catch (OpenDataException e) {
            throw new IllegalStateException("vCPU row does not fit its own type", e);
        }
    }
}
