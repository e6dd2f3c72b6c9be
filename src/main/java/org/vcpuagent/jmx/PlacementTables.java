package org.vcpuagent.jmx;

import org.vcpuagent.model.CpuMap;
import org.vcpuagent.placement.AllocationRow;
import org.vcpuagent.placement.Conflict;
import org.vcpuagent.placement.HostCpu;
import org.vcpuagent.placement.Topology;

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
import java.util.Map;

/**
 * The open types of the Host bean's {@code Topology}, {@code Allocation} and {@code Conflicts} tables, the
 * Domain bean's {@code IoThreads}, and the conflict notification's user data. Rows carry their items directly,
 * so JConsole shows one column per item.
 */
public final class PlacementTables {

    /** Each row type's items in declaration order, which CompositeType's own key set (sorted) has lost. */
    private static final Map<String, String[]> ORDER = new java.util.concurrent.ConcurrentHashMap<>();

    public static final TabularType TOPOLOGY = table("org.vcpuagent.Topology", "One row per host CPU.", new String[] {
        "cpu", "online", "pinnable", "numaNode", "socket", "die", "core", "siblings", "reserved", "isolated"},
        new String[] {"The host CPU number.", "Whether it is online (virNodeGetCPUMap).",
            "Whether libvirt can pin onto it now: online and inside libvirt's CPU maps (PresentCpus).",
            "Its NUMA cell (capabilities).", "Its socket.", "Its die.", "Its core, numbered per socket.",
            "The CPUs sharing its core, itself included, as cpulist text.",
            "Whether the host keeps it for itself (host.reserved.cpus).",
            "Whether the kernel isolated it (isolcpus, /sys/devices/system/cpu/isolated; this machine only)."},
        new OpenType<?>[] {SimpleType.INTEGER, SimpleType.BOOLEAN, SimpleType.BOOLEAN, SimpleType.INTEGER,
            SimpleType.INTEGER, SimpleType.INTEGER, SimpleType.INTEGER, SimpleType.STRING, SimpleType.BOOLEAN,
            SimpleType.BOOLEAN}, "cpu");

    public static final TabularType ALLOCATION = table("org.vcpuagent.Allocation", "One row per host CPU.",
        new String[] {"cpu", "threads", "exclusive", "floating"},
        new String[] {"The host CPU number.",
            "Every thread whose affinity includes it: domain:vcpu, domain:emulator, domain:iothreadN, comma-separated.",
            "How many of them are pinned to this CPU alone.",
            "How many of them float (libvirt's default affinity: nobody pinned them)."},
        new OpenType<?>[] {SimpleType.INTEGER, SimpleType.STRING, SimpleType.INTEGER, SimpleType.INTEGER}, "cpu");

    private static final String[] CONFLICT_ITEMS = {"kind", "domains", "threads", "cpus", "meaning"};
    private static final String[] CONFLICT_DESCRIPTIONS = {
        "exclusive-overlap, exclusive-shared, smt-sibling, numa, reserved or offline.",
        "The domains involved, comma-separated.", "The threads involved, comma-separated.",
        "The host CPUs concerned, cpulist text.", "What the kind means."};
    private static final OpenType<?>[] CONFLICT_TYPES = {SimpleType.STRING, SimpleType.STRING, SimpleType.STRING,
        SimpleType.STRING, SimpleType.STRING};

    public static final TabularType CONFLICTS = table("org.vcpuagent.Conflicts", "One row per placement conflict; "
        + "empty when all is well.", CONFLICT_ITEMS, CONFLICT_DESCRIPTIONS, CONFLICT_TYPES, "kind", "threads", "cpus");

    /** The conflict notification's user data: a Conflicts row and whether it cleared. */
    public static final CompositeType CONFLICT_CHANGE = composite("org.vcpuagent.ConflictChange",
        "A placement conflict that appeared or cleared.", concat(CONFLICT_ITEMS, "cleared"),
        concat(CONFLICT_DESCRIPTIONS, "false: it appeared; true: it cleared."),
        concat(CONFLICT_TYPES, SimpleType.BOOLEAN));

    public static final TabularType IO_THREADS = table("org.vcpuagent.IoThreads", "One row per IOThread.",
        new String[] {"id", "affinity"}, new String[] {"The IOThread id.", "Its host CPUs, cpulist text."},
        new OpenType<?>[] {SimpleType.INTEGER, SimpleType.STRING}, "id");

    private PlacementTables() {
    }

    public static TabularData topology(Topology t) {
        TabularDataSupport out = new TabularDataSupport(TOPOLOGY);
        for (HostCpu c : t.cpus()) {
            out.put(row(TOPOLOGY.getRowType(), c.cpu(), t.online().contains(c.cpu()), t.pinnable(c.cpu()), c.numaNode(),
                    c.socket(), c.die(), c.core(), c.siblings().toCpuList(), t.reserved().contains(c.cpu()),
                    t.isolated().contains(c.cpu())));
        }
        return out;
    }

    public static TabularData allocation(List<AllocationRow> rows) {
        TabularDataSupport out = new TabularDataSupport(ALLOCATION);
        for (AllocationRow r : rows) {
            out.put(row(ALLOCATION.getRowType(), r.cpu(), String.join(",", r.threads()), r.exclusive(), r.floating()));
        }
        return out;
    }

    public static TabularData conflicts(List<Conflict> conflicts) {
        TabularDataSupport out = new TabularDataSupport(CONFLICTS);
        for (Conflict c : conflicts) {
            out.put(row(CONFLICTS.getRowType(), values(c)));
        }
        return out;
    }

    public static CompositeData conflictChange(Conflict c, boolean cleared) {
        return row(CONFLICT_CHANGE, plus(values(c), cleared));
    }

    public static TabularData ioThreads(Map<Integer, CpuMap> threads) {
        TabularDataSupport out = new TabularDataSupport(IO_THREADS);
        threads.forEach((id, m) -> out.put(row(IO_THREADS.getRowType(), id, m.toCpuList())));
        return out;
    }

    private static Object[] values(Conflict c) {
        return new Object[] {c.kind().word(), String.join(",", c.domains()), String.join(",", c.threads()),
            c.cpus().toCpuList(), c.kind().meaning()};
    }

    private static CompositeData row(CompositeType type, Object... values) {
        try {
            return new CompositeDataSupport(type, ORDER.get(type.getTypeName()), values);
        } catch (OpenDataException e) {
            throw new IllegalStateException("a row does not match its type " + type.getTypeName() + ": " + e, e);
        }
    }

    private static CompositeType composite(String name, String description, String[] items, String[] descriptions,
                                           OpenType<?>[] types) {
        try {
            ORDER.put(name, items);
            return new CompositeType(name, description, items, descriptions, types);
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static TabularType table(String name, String description, String[] items, String[] descriptions,
                                     OpenType<?>[] types, String... index) {
        try {
            return new TabularType(name, description, composite(name + "Row", description, items, descriptions, types),
                    index);
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SafeVarargs
    private static <T> T[] concat(T[] a, T... b) {
        T[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Object[] plus(Object[] a, Object b) {
        Object[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }
}
