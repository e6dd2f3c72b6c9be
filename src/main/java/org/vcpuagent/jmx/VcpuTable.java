package org.vcpuagent.jmx;

import org.vcpuagent.model.VcpuReading;
import org.vcpuagent.model.VcpuState;

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
        "halted", "source", "stateCode"};

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
        "proc (the vCPU thread's figures from the kernel, on a local QEMU host), getVcpus (virDomainGetVcpus) or "
            + "domainStats (the statistics alone, when virDomainGetVcpus fails).",
        "state as libvirt's number (virVcpuState): 0 offline, 1 running, 2 blocked; empty when not known. For tools "
            + "that take numbers only, such as jmx_exporter (libvirt_domain_vcpu_state).",
    };

    /** The {@code Affinity} attribute's items: one row per vCPU and host CPU, as collectd's cpu_affinity. */
    public static final String[] AFFINITY_ITEMS = {"vcpu", "cpu", "allowed"};

    private static final String[] AFFINITY_DESCRIPTIONS = {
        "The vCPU number.",
        "The host CPU number, from 0 to PresentCpus - 1.",
        "Whether the vCPU may run on this host CPU (its affinity includes the CPU).",
    };

    public static final CompositeType ROW_TYPE;
    public static final TabularType TABLE_TYPE;
    public static final CompositeType AFFINITY_ROW_TYPE;
    public static final TabularType AFFINITY_TYPE;

    static {
        try {
            OpenType<?>[] types = {SimpleType.INTEGER, SimpleType.STRING, SimpleType.LONG, SimpleType.INTEGER,
                SimpleType.STRING, ArrayType.getPrimitiveArrayType(byte[].class), SimpleType.LONG, SimpleType.LONG,
                SimpleType.BOOLEAN, SimpleType.STRING, SimpleType.INTEGER};
            ROW_TYPE = new CompositeType("org.vcpuagent.VcpuInfo", "One virtual CPU, as libvirt reports it.",
                    ITEMS, DESCRIPTIONS, types);
            TABLE_TYPE = new TabularType("org.vcpuagent.Vcpus", "The vCPUs of a domain, by number.", ROW_TYPE,
                    new String[] {"number"});
            AFFINITY_ROW_TYPE = new CompositeType("org.vcpuagent.VcpuCpuAffinity",
                    "Whether one vCPU may run on one host CPU.", AFFINITY_ITEMS, AFFINITY_DESCRIPTIONS,
                    new OpenType<?>[] {SimpleType.INTEGER, SimpleType.INTEGER, SimpleType.BOOLEAN});
            AFFINITY_TYPE = new TabularType("org.vcpuagent.Affinity", "The affinity of each vCPU to each host CPU.",
                    AFFINITY_ROW_TYPE, new String[] {"vcpu", "cpu"});
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
                v.waitNs(), v.delayNs(), v.halted(), v.source(), stateCode(v.state())});
        } catch (OpenDataException e) {
            throw new IllegalStateException("vCPU row does not fit its own type", e);
        }
    }

    /** libvirt's number for a state word: VcpuState's words, or the N of "unknown(N)"; null otherwise. */
    static Integer stateCode(String state) {
        for (VcpuState s : VcpuState.values()) {
            if (s.word().equals(state)) {
                return s.ordinal();
            }
        }
        if (state != null && state.startsWith("unknown(") && state.endsWith(")")) {
            try {
                return Integer.valueOf(state.substring("unknown(".length(), state.length() - 1));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** One row per vCPU and present host CPU: {@code allowed} tells whether the vCPU's affinity includes the CPU. */
    public static TabularData affinity(List<VcpuReading> vcpus, int presentCpus) {
        TabularDataSupport table = new TabularDataSupport(AFFINITY_TYPE);
        try {
            for (VcpuReading v : vcpus) {
                for (int cpu = 0; cpu < presentCpus; cpu++) {
                    table.put(new CompositeDataSupport(AFFINITY_ROW_TYPE, AFFINITY_ITEMS,
                            new Object[] {v.number(), cpu, v.affinity().contains(cpu)}));
                }
            }
        } catch (OpenDataException e) {
            throw new IllegalStateException("affinity row does not fit its own type", e);
        }
        return table;
    }
}
