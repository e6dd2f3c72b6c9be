package org.vcpuagent.libvirt;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.DomainState;
import org.vcpuagent.model.NumaTune;
import org.vcpuagent.model.VcpuInfo;
import org.vcpuagent.model.VcpuState;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A libvirt domain handle ({@code virDomainPtr}). The handle stays valid after the domain stops;
 * calls then fail with a {@link LibvirtException} whose {@link LibvirtException#isDomainGone()} is true.
 * Every call is a fresh question to libvirt: nothing but the name and UUID is cached here.
 */
public final class Domain implements AutoCloseable {

    private static final LibvirtNative LIB = LibvirtNative.INSTANCE;

    /** {@code VIR_UUID_BUFLEN}: the raw bytes. */
    private static final int UUID_BUFLEN = 16;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** Asked whether a failure lost it; a domain's calls never close it. */
    private final Connection connection;
    private final NativeHandle<DomainPtr> handle;
    private final String name;
    private final String uuid;

    /** Takes ownership of {@code ptr}: freed by {@link #close}, or here at once when reading it fails. */
    Domain(Connection connection, DomainPtr ptr) {
        this.connection = connection;
        this.handle = new NativeHandle<>("libvirt domain handle", ptr, LIB::virDomainFree);
        String n;
        String u;
        try {
            n = nameOf(ptr);
            u = uuidOf(ptr);
        } catch (RuntimeException e) {
            handle.free();
            throw e;
        }
        this.name = n;
        this.uuid = u;
    }

    /** The name of the domain at {@code d}, which the caller keeps valid. */
    static String nameOf(DomainPtr d) {
        String n = LIB.virDomainGetName(d);
        if (n == null) {
            throw Errors.last("virDomainGetName");
        }
        return n;
    }

    /** The UUID of the domain at {@code d}, which the caller keeps valid, in libvirt's text form. */
    static String uuidOf(DomainPtr d) {
        // The raw bytes, formatted here as virUUIDFormat does (lower-case 8-4-4-4-12): libvirt's own text form
        // goes through printf once per byte, and every domain listing and statistics read asks for each UUID.
        byte[] raw = new byte[UUID_BUFLEN];
        Errors.check(LIB.virDomainGetUUID(d, raw), "virDomainGetUUID");
        return uuidText(raw);
    }

    static String uuidText(byte[] raw) {
        StringBuilder b = new StringBuilder(36);
        for (int i = 0; i < UUID_BUFLEN; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                b.append('-');
            }
            b.append(HEX[(raw[i] >> 4) & 0xf]).append(HEX[raw[i] & 0xf]);
        }
        return b.toString();
    }

    public String name() {
        return name;
    }

    public String uuid() {
        return uuid;
    }

    /** The URI of the connection this handle belongs to, as libvirt resolved it. */
    public String connectionUri() {
        return connection.resolvedUri();
    }

    <T> T use(Function<DomainPtr, T> call) {
        return handle.use(call);
    }

    /** Returns {@code rc}, or throws libvirt's error for the failed call on {@code d}. */
    int check(DomainPtr d, int rc, String operation) {
        if (rc < 0) {
            throw failure(d, operation);
        }
        return rc;
    }

    /**
     * libvirt's error for the failed call on {@code d}, with what it means decided now, while {@code d} is at
     * hand. A stopped domain and an operation refused for another reason share VIR_ERR_OPERATION_INVALID, so
     * for that code libvirt is asked whether the domain still runs.
     */
    LibvirtException failure(DomainPtr d, String operation) {
        return meaning(d, operation, Errors.take());
    }

    private LibvirtException meaning(DomainPtr d, String operation, Errors.Last last) {
        boolean gone = LibvirtException.meansDomainGone(last.code())
                || (last.code() == LibvirtException.ERR_OPERATION_INVALID && !stillActive(d));
        return last.toException(operation, gone, connection.lostWith(last.code()));
    }

    /** False when libvirt says the domain is stopped or no longer exists; true when it runs or cannot tell. */
    private static boolean stillActive(DomainPtr d) {
        int rc = LIB.virDomainIsActive(d);
        if (rc < 0) {
            return !LibvirtException.meansDomainGone(Errors.take().code());
        }
        return rc == 1;
    }

    /** Whether the domain is running or paused now. */
    public boolean isActive() {
        return use(d -> check(d, LIB.virDomainIsActive(d), "virDomainIsActive(" + name + ")") == 1);
    }

    /** libvirt's {@code virDomainState} number. */
    public int stateCode() {
        return use(d -> {
            IntByReference state = new IntByReference();
            IntByReference reason = new IntByReference();
            check(d, LIB.virDomainGetState(d, state, reason, 0), "virDomainGetState(" + name + ")");
            return state.getValue();
        });
    }

    public String state() {
        return DomainState.wordOf(stateCode());
    }

    /**
     * virDomainGetControlInfo: whether libvirt's channel to the domain (QEMU's monitor) is free. It asks neither
     * the domain's job nor QEMU, so it answers while another call waits on QEMU.
     */
    public DomainControl control() {
        return use(d -> {
            VirDomainControlInfo info = new VirDomainControlInfo();
            check(d, LIB.virDomainGetControlInfo(d, info, 0), "virDomainGetControlInfo(" + name + ")");
            return new DomainControl(info.state, info.details, info.stateTime);
        });
    }

    /** The most vCPUs the running domain can have. */
    public int maxVcpus() {
        return use(d -> check(d, LIB.virDomainGetVcpusFlags(d, LibvirtNative.AFFECT_LIVE | LibvirtNative.VCPU_MAXIMUM),
                "virDomainGetVcpusFlags(" + name + ", LIVE|MAXIMUM)"));
    }

    /** How many vCPUs the running domain has now. */
    public int vcpuCount() {
        return use(d -> check(d, LIB.virDomainGetVcpusFlags(d, LibvirtNative.AFFECT_LIVE),
                "virDomainGetVcpusFlags(" + name + ", LIVE)"));
    }

    /** The request's SetVcpus, applied to the running domain and, if asked, to its persistent config. */
    public void setVcpus(int count, boolean alsoPersistentConfig) {
        int flags = LibvirtNative.AFFECT_LIVE | (alsoPersistentConfig ? LibvirtNative.AFFECT_CONFIG : 0);
        use(d -> check(d, LIB.virDomainSetVcpusFlags(d, count, flags),
                "virDomainSetVcpusFlags(" + name + ", " + count + ")"));
    }

    /**
     * The request's GetVcpus: one entry per vCPU libvirt reports.
     *
     * @param maxinfo room for this many vCPUs (the domain's maximum is always enough)
     * @param maplen  bytes per cpumap, from the host's CPU count
     */
    public List<VcpuInfo> vcpus(int maxinfo, int maplen) {
        return use(d -> {
            byte[] cpumaps = new byte[maxinfo * maplen];
            try (Memory infos = new Memory((long) Math.max(1, maxinfo) * VirVcpuInfo.SIZE)) {
                int n = check(d, LIB.virDomainGetVcpus(d, infos, maxinfo, cpumaps, maplen),
                        "virDomainGetVcpus(" + name + ")");
                List<VcpuInfo> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    long base = (long) i * VirVcpuInfo.SIZE;
                    out.add(new VcpuInfo(infos.getInt(base + VirVcpuInfo.NUMBER_OFFSET),
                            VcpuState.wordOf(infos.getInt(base + VirVcpuInfo.STATE_OFFSET)),
                            infos.getLong(base + VirVcpuInfo.CPU_TIME_OFFSET),
                            infos.getInt(base + VirVcpuInfo.CPU_OFFSET),
                            CpuMap.fromBytes(cpumaps, i * maplen, maplen)));
                }
                return out;
            }
        });
    }

    /** The request's PinVcpu on the running domain; {@code cpumap.length} is libvirt's {@code maplen}. */
    public void pinVcpu(int vcpu, byte[] cpumap) {
        liveOrCurrent("virDomainPinVcpuFlags(" + name + ", vcpu " + vcpu + ")",
                (d, flags) -> LIB.virDomainPinVcpuFlags(d, vcpu, cpumap, cpumap.length, flags));
    }

    /** A libvirt change that takes {@code VIR_DOMAIN_AFFECT_*} flags and returns libvirt's status. */
    private interface FlagsCall {
        int call(DomainPtr d, int flags);
    }

    /**
     * Runs a change with the LIVE flag, so that a domain that stopped meanwhile is refused rather than
     * having its persistent config changed. Drivers that know no flags (libvirt's test driver for
     * pinning) refuse LIVE with VIR_ERR_INVALID_ARG and get CURRENT, which on a running domain means
     * the same. libvirt gives other bad arguments that code too: those fail again under CURRENT with
     * their own error. A domain that no longer runs is never asked with CURRENT: its refusal says it is gone.
     */
    private void liveOrCurrent(String operation, FlagsCall change) {
        use(d -> {
            if (change.call(d, LibvirtNative.AFFECT_LIVE) >= 0) {
                return null;
            }
            Errors.Last refused = Errors.take();
            if (refused.code() != LibvirtException.ERR_INVALID_ARG) {
                throw meaning(d, operation, refused);
            }
            if (!stillActive(d)) {
                throw refused.toException(operation, true, connection.lostWith(refused.code()));
            }
            return check(d, change.call(d, LibvirtNative.AFFECT_CURRENT), operation);
        });
    }

    /** The configured pinning of the running domain, one map per vCPU up to its maximum. */
    public List<CpuMap> vcpuPinInfo(int ncpumaps, int maplen) {
        return use(d -> {
            byte[] maps = new byte[ncpumaps * maplen];
            int n = check(d, LIB.virDomainGetVcpuPinInfo(d, ncpumaps, maps, maplen, LibvirtNative.AFFECT_LIVE),
                    "virDomainGetVcpuPinInfo(" + name + ")");
            List<CpuMap> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(CpuMap.fromBytes(maps, i * maplen, maplen));
            }
            return out;
        });
    }

    /** Where the emulator threads (everything of QEMU's but the vCPUs) may run. */
    public CpuMap emulatorPinInfo(int maplen) {
        return use(d -> {
            byte[] map = new byte[maplen];
            int rc = check(d, LIB.virDomainGetEmulatorPinInfo(d, map, maplen, LibvirtNative.AFFECT_LIVE),
                    "virDomainGetEmulatorPinInfo(" + name + ")");
            return rc == 0 ? CpuMap.of() : CpuMap.fromBytes(map);
        });
    }

    public void pinEmulator(byte[] cpumap) {
        liveOrCurrent("virDomainPinEmulator(" + name + ")",
                (d, flags) -> LIB.virDomainPinEmulator(d, cpumap, cpumap.length, flags));
    }

    /** The running domain's XML ({@code virsh dumpxml}). */
    public String xmlDesc() {
        return use(d -> {
            Pointer p = LIB.virDomainGetXMLDesc(d, 0);
            if (p == null) {
                throw failure(d, "virDomainGetXMLDesc(" + name + ")");
            }
            try {
                return p.getString(0, StandardCharsets.UTF_8.name());
            } finally {
                LibvirtNative.free(p);
            }
        });
    }

    /** Whether the domain has a persistent configuration (a defined domain), or is transient. */
    public boolean isPersistent() {
        return use(d -> check(d, LIB.virDomainIsPersistent(d), "virDomainIsPersistent(" + name + ")") == 1);
    }

    /** {@link #pinVcpu}, and with {@code persistent} also in the persistent configuration (virsh --live --config). */
    public void pinVcpu(int vcpu, byte[] cpumap, boolean persistent) {
        liveOrLiveAndConfig(persistent, () -> pinVcpu(vcpu, cpumap),
                "virDomainPinVcpuFlags(" + name + ", vcpu " + vcpu + ", LIVE|CONFIG)",
                (d, flags) -> LIB.virDomainPinVcpuFlags(d, vcpu, cpumap, cpumap.length, flags));
    }

    /**
     * Without {@code persistent}, {@code live}; with it, one call for both the running domain and its persistent
     * configuration, so that a driver refusing either changes neither.
     */
    private void liveOrLiveAndConfig(boolean persistent, Runnable live, String operation, FlagsCall change) {
        if (!persistent) {
            live.run();
            return;
        }
        use(d -> check(d, change.call(d, LibvirtNative.AFFECT_LIVE | LibvirtNative.AFFECT_CONFIG), operation));
    }

    /** {@link #pinEmulator}, and with {@code persistent} also in the persistent configuration. */
    public void pinEmulator(byte[] cpumap, boolean persistent) {
        liveOrLiveAndConfig(persistent, () -> pinEmulator(cpumap), "virDomainPinEmulator(" + name + ", LIVE|CONFIG)",
                (d, flags) -> LIB.virDomainPinEmulator(d, cpumap, cpumap.length, flags));
    }

    /** Each IOThread's affinity by id ({@code virsh iothreadinfo}); empty when the domain has none. */
    public Map<Integer, CpuMap> ioThreads() {
        return use(d -> {
            PointerByReference ref = new PointerByReference();
            int n = check(d, LIB.virDomainGetIOThreadInfo(d, ref, LibvirtNative.AFFECT_CURRENT),
                    "virDomainGetIOThreadInfo(" + name + ")");
            Pointer array = ref.getValue();
            Map<Integer, CpuMap> out = new TreeMap<>();
            if (array == null) {
                return out;
            }
            try {
                for (Pointer info : array.getPointerArray(0, n)) {
                    try {
                        // struct { unsigned int iothread_id; unsigned char *cpumap; int cpumaplen; }
                        int id = info.getInt(0);
                        Pointer map = info.getPointer(Native.POINTER_SIZE);
                        int len = info.getInt(2L * Native.POINTER_SIZE);
                        out.put(id, map == null || len <= 0 ? CpuMap.of() : CpuMap.fromBytes(map.getByteArray(0, len)));
                    } finally {
                        LIB.virDomainIOThreadInfoFree(info);
                    }
                }
            } finally {
                LibvirtNative.free(array);
            }
            return out;
        });
    }

    /** Pins IOThread {@code id} of the running domain ({@code virsh iothreadpin --live}). */
    public void pinIoThread(int id, byte[] cpumap) {
        liveOrCurrent("virDomainPinIOThread(" + name + ", iothread " + id + ")",
                (d, flags) -> LIB.virDomainPinIOThread(d, id, cpumap, cpumap.length, flags));
    }

    /** {@link #pinIoThread}, and with {@code persistent} also in the persistent configuration (virsh --live --config). */
    public void pinIoThread(int id, byte[] cpumap, boolean persistent) {
        liveOrLiveAndConfig(persistent, () -> pinIoThread(id, cpumap),
                "virDomainPinIOThread(" + name + ", iothread " + id + ", LIVE|CONFIG)",
                (d, flags) -> LIB.virDomainPinIOThread(d, id, cpumap, cpumap.length, flags));
    }

    /** The memory's NUMA mode and nodeset ({@code virsh numatune}). */
    public NumaTune numaTune() {
        return use(d -> {
            IntByReference n = new IntByReference(0);
            String op = "virDomainGetNumaParameters(" + name + ")";
            check(d, LIB.virDomainGetNumaParameters(d, null, n, LibvirtNative.AFFECT_CURRENT), op);
            if (n.getValue() == 0) {
                return new NumaTune("", "");
            }
            try (Memory params = new Memory((long) n.getValue() * VirTypedParameter.SIZE)) {
                params.clear();
                check(d, LIB.virDomainGetNumaParameters(d, params, n, LibvirtNative.AFFECT_CURRENT), op);
                try {
                    Map<String, Object> values = TypedParameters.decode(params, n.getValue());
                    Object mode = values.get("numa_mode");
                    Object nodeset = values.get("numa_nodeset");
                    return new NumaTune(mode instanceof Integer m ? NumaTune.modeWord(m) : "",
                            nodeset == null ? "" : nodeset.toString());
                } finally {
                    LIB.virTypedParamsClear(params, n.getValue());
                }
            }
        });
    }

    /** Frees the handle; the domain itself is not touched. */
    @Override
    public void close() {
        handle.free();
    }

    @Override
    public String toString() {
        return "Domain[" + name + ", " + uuid + "]";
    }
}
