package org.vcpuagent.libvirt;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import org.vcpuagent.model.DomainVcpuStats;
import org.vcpuagent.model.VcpuStats;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads vCPU statistics through libvirt's bulk statistics API ({@code virConnectGetAllDomainStats}).
 *
 * <p>One call answers for every running domain, and it asks nothing of the vCPU threads' affinity, so
 * it keeps working in states where {@code virDomainGetVcpus} fails (see {@link DomainVcpuStats}).
 */
public final class DomainStatsReader {

    private static final StatsNative STATS = StatsNative.INSTANCE;

    /**
     * The groups asked for. State is not in the model yet, but it costs no QEMU round trip, and libvirt
     * lists every domain asked about either way (with no parameters at all when a driver has no vCPU group).
     */
    static final int GROUPS = StatsNative.STATS_STATE | StatsNative.STATS_VCPU;

    /** {@code VIR_FROM_NONE}: for errors this binding raises itself, not libvirt. */
    private static final int VIR_FROM_NONE = 0;

    private static final String VCPU_PREFIX = "vcpu.";

    private DomainStatsReader() {
    }

    /**
     * The vCPU statistics of every running or paused domain, by UUID, in libvirt's order. A domain busy with
     * another job (e.g. a vCPU unplug waiting for the guest) is read at once with what libvirt has without
     * asking QEMU, so that a poller never stalls behind the job. On libvirt 9.0 with QEMU 7.2 that is the
     * same set of values as waiting would give, since only {@code vcpu.N.halted} needs QEMU and it is not
     * reported there anyway.
     */
    public static Map<String, DomainVcpuStats> allActiveWithoutWaiting(Connection connection) {
        return allActive(connection,
                StatsNative.GET_ALL_DOMAINS_STATS_ACTIVE | StatsNative.GET_ALL_DOMAINS_STATS_NOWAIT);
    }

    /** {@link #allActiveWithoutWaiting} with other flags; package-private for the tests' waiting read. */
    static Map<String, DomainVcpuStats> allActive(Connection connection, int flags) {
        return connection.use(c -> {
            PointerByReference list = new PointerByReference();
            int n = connection.check(c, STATS.virConnectGetAllDomainStats(c, GROUPS, list, flags),
                    "virConnectGetAllDomainStats");
            Map<String, DomainVcpuStats> byUuid = new LinkedHashMap<>();
            for (DomainVcpuStats s : readAndFree(list.getValue(), n)) {
                byUuid.put(s.uuid(), s);
            }
            return Collections.unmodifiableMap(byUuid);
        });
    }

    /**
     * The vCPU statistics of one domain. A domain that is defined but not running has a record too: on the
     * QEMU driver its {@code current} and {@code maximum} come from the configuration, with no vCPU entries.
     *
     * @throws LibvirtException whose {@link LibvirtException#isDomainGone()} is true when the domain no longer exists
     */
    public static DomainVcpuStats of(Domain domain) {
        return domain.use(d -> {
            PointerByReference list = new PointerByReference();
            int n = domain.check(d, STATS.virDomainListGetStats(new Pointer[] {d.getPointer(), null}, GROUPS, list, 0),
                    "virDomainListGetStats(" + domain.name() + ")");
            List<DomainVcpuStats> records = readAndFree(list.getValue(), n);
            if (records.isEmpty()) {
                // libvirt skips a domain that no longer exists instead of failing; we report it the way
                // every other call does, so that callers see isDomainGone() as usual.
                throw new LibvirtException("virDomainListGetStats(" + domain.name() + ")",
                        LibvirtException.ERR_NO_DOMAIN, VIR_FROM_NONE,
                        "libvirt returned no statistics for domain '" + domain.name() + "': it no longer exists");
            }
            if (records.size() > 1) {
                throw new IllegalStateException("virDomainListGetStats(" + domain.name() + ") returned "
                        + records.size() + " records for one domain");
            }
            return records.get(0);
        });
    }

    /** Copies {@code n} records out of the list libvirt handed over, then frees the list whatever happens. */
    private static List<DomainVcpuStats> readAndFree(Pointer list, int n) {
        try {
            List<DomainVcpuStats> out = new ArrayList<>(n);
            Pointer[] records = n == 0 ? new Pointer[0] : list.getPointerArray(0, n);
            for (Pointer p : records) {
                out.add(read(p));
            }
            return out;
        } finally {
            STATS.virDomainStatsRecordListFree(list);
        }
    }

    private static DomainVcpuStats read(Pointer record) {
        // The record's domain reference belongs to the list; it is only read here, never freed.
        DomainPtr dom = DomainPtr.at(record.getPointer(VirDomainStatsRecord.DOM_OFFSET));
        Map<String, Object> params = TypedParameters.decode(record.getPointer(VirDomainStatsRecord.PARAMS_OFFSET),
                record.getInt(VirDomainStatsRecord.NPARAMS_OFFSET));
        return toModel(Domain.uuidOf(dom), Domain.nameOf(dom), params);
    }

    /** Builds the model from decoded parameters; package-private so that it can be tested without libvirt. */
    static DomainVcpuStats toModel(String uuid, String name, Map<String, Object> params) {
        Map<Integer, Map<String, Object>> perVcpu = new TreeMap<>();
        for (Map.Entry<String, Object> e : params.entrySet()) {
            String key = e.getKey();
            int dot = perVcpuDot(key);
            if (dot > 0) {
                perVcpu.computeIfAbsent(Integer.parseInt(key, VCPU_PREFIX.length(), dot, 10),
                        k -> new LinkedHashMap<>()).put(key.substring(dot + 1), e.getValue());
            }
        }
        List<VcpuStats> vcpus = new ArrayList<>(perVcpu.size());
        perVcpu.forEach((number, v) -> vcpus.add(new VcpuStats(number,
                asInt(v.get("state"), "vcpu." + number + ".state"),
                asLong(v.get("time"), "vcpu." + number + ".time"),
                asLong(v.get("wait"), "vcpu." + number + ".wait"),
                asLong(v.get("delay"), "vcpu." + number + ".delay"),
                asBoolean(v.get("halted"), "vcpu." + number + ".halted"))));
        return new DomainVcpuStats(uuid, name, asInt(params.get("vcpu.current"), "vcpu.current"),
                asInt(params.get("vcpu.maximum"), "vcpu.maximum"), vcpus);
    }

    /**
     * For a key {@code vcpu.<digits>.<a-z or _>+}: the index of the dot after the digits; otherwise -1. By hand,
     * not with a regular expression: a read of many domains tests every parameter's name.
     */
    static int perVcpuDot(String key) {
        if (!key.startsWith(VCPU_PREFIX)) {
            return -1;
        }
        int i = VCPU_PREFIX.length();
        while (i < key.length() && key.charAt(i) >= '0' && key.charAt(i) <= '9') {
            i++;
        }
        // Up to 9 digits, so that the number always fits an int.
        if (i == VCPU_PREFIX.length() || i - VCPU_PREFIX.length() > 9 || i + 1 >= key.length() || key.charAt(i) != '.') {
            return -1;
        }
        for (int j = i + 1; j < key.length(); j++) {
            char ch = key.charAt(j);
            if (!(ch >= 'a' && ch <= 'z') && ch != '_') {
                return -1;
            }
        }
        return i;
    }

    private static Integer asInt(Object v, String key) {
        Long l = asLong(v, key);
        if (l == null) {
            return null;
        }
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw new IllegalStateException(key + " = " + l + " does not fit an int");
        }
        return l.intValue();
    }

    private static Long asLong(Object v, String key) {
        if (v == null) {
            return null;
        }
        if (v instanceof Integer || v instanceof Long) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigInteger b) {
            // An unsigned 64-bit count of nanoseconds above 2^63 would be 292 years: a libvirt bug, not data.
            if (b.bitLength() > 63) {
                throw new IllegalStateException(key + " = " + b + " does not fit a long");
            }
            return b.longValue();
        }
        throw new IllegalStateException(key + " is a " + v.getClass().getSimpleName() + ", expected an integer");
    }

    private static Boolean asBoolean(Object v, String key) {
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        throw new IllegalStateException(key + " is a " + v.getClass().getSimpleName() + ", expected a boolean");
    }
}
