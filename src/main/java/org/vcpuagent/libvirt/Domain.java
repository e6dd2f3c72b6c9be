package org.vcpuagent.libvirt;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.DomainState;
import org.vcpuagent.model.VcpuInfo;
import org.vcpuagent.model.VcpuState;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A libvirt domain handle ({@code virDomainPtr}). The handle stays valid after the domain stops;
 * calls then fail with a {@link LibvirtException} whose {@link LibvirtException#isDomainGone()} is true.
 * Every call is a fresh question to libvirt: nothing but the name and UUID is cached here.
 */
public final class Domain implements AutoCloseable {

    private static final LibvirtNative LIB = LibvirtNative.INSTANCE;

    private final Connection connection;
    private final NativeHandle handle;
    private final String name;
    private final String uuid;

    Domain(Connection connection, Pointer ptr) {
        this.connection = connection;
        this.handle = new NativeHandle("libvirt domain handle", ptr, LIB::virDomainFree);
        try {
            String n = LIB.virDomainGetName(ptr);
            if (n == null) {
                throw Errors.last("virDomainGetName");
            }
            byte[] buf = new byte[37];
            Errors.check(LIB.virDomainGetUUIDString(ptr, buf), "virDomainGetUUIDString");
            this.name = n;
            this.uuid = new String(buf, 0, 36, StandardCharsets.US_ASCII);
        } catch (RuntimeException e) {
            handle.free();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public String uuid() {
        return uuid;
    }

    public Connection connection() {
        return connection;
    }

    <T> T use(Function<Pointer, T> call) {
        return handle.use(call);
    }

    /** The hypervisor's id, or -1 when the domain is not running. */
    public int id() {
        return use(LIB::virDomainGetID);
    }

    /** libvirt's {@code virDomainState} number. */
    public int stateCode() {
        return use(d -> {
            IntByReference state = new IntByReference();
            IntByReference reason = new IntByReference();
            Errors.check(LIB.virDomainGetState(d, state, reason, 0), "virDomainGetState(" + name + ")");
            return state.getValue();
        });
    }

    public String state() {
        return DomainState.wordOf(stateCode());
    }

    /** The most vCPUs the running domain can have. */
    public int maxVcpus() {
        return use(d -> Errors.check(LIB.virDomainGetVcpusFlags(d, LibvirtNative.AFFECT_LIVE | LibvirtNative.VCPU_MAXIMUM),
                "virDomainGetVcpusFlags(" + name + ", LIVE|MAXIMUM)"));
    }

    /** How many vCPUs the running domain has now. */
    public int vcpuCount() {
        return use(d -> Errors.check(LIB.virDomainGetVcpusFlags(d, LibvirtNative.AFFECT_LIVE),
                "virDomainGetVcpusFlags(" + name + ", LIVE)"));
    }

    /** How many vCPUs the persistent configuration starts the domain with. */
    public int configVcpuCount() {
        return use(d -> Errors.check(LIB.virDomainGetVcpusFlags(d, LibvirtNative.AFFECT_CONFIG),
                "virDomainGetVcpusFlags(" + name + ", CONFIG)"));
    }

    /** The request's SetVcpus, applied to the running domain and, if asked, to its persistent config. */
    public void setVcpus(int count, boolean alsoPersistentConfig) {
        int flags = LibvirtNative.AFFECT_LIVE | (alsoPersistentConfig ? LibvirtNative.AFFECT_CONFIG : 0);
        use(d -> Errors.check(LIB.virDomainSetVcpusFlags(d, count, flags),
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
                int n = Errors.check(LIB.virDomainGetVcpus(d, infos, maxinfo, cpumaps, maplen),
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
        String op = "virDomainPinVcpuFlags(" + name + ", vcpu " + vcpu + ")";
        liveOrCurrent(flags -> use(d -> Errors.check(LIB.virDomainPinVcpuFlags(d, vcpu, cpumap, cpumap.length, flags), op)));
    }

    /**
     * Runs a change with the LIVE flag, so that a domain that stopped meanwhile is refused rather than
     * having its persistent config changed. Drivers that know no flags (libvirt's test driver for
     * pinning) get CURRENT, which on a running domain means the same.
     */
    private void liveOrCurrent(java.util.function.IntConsumer call) {
        try {
            call.accept(LibvirtNative.AFFECT_LIVE);
        } catch (LibvirtException e) {
            if (e.getCode() != LibvirtException.ERR_INVALID_ARG || e.getLibvirtMessage() == null
                    || !e.getLibvirtMessage().startsWith("unsupported flags")) {
                throw e;
            }
            call.accept(LibvirtNative.AFFECT_CURRENT);
        }
    }

    /** The configured pinning of the running domain, one map per vCPU up to its maximum. */
    public List<CpuMap> vcpuPinInfo(int ncpumaps, int maplen) {
        return use(d -> {
            byte[] maps = new byte[ncpumaps * maplen];
            int n = Errors.check(LIB.virDomainGetVcpuPinInfo(d, ncpumaps, maps, maplen, LibvirtNative.AFFECT_LIVE),
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
            int rc = Errors.check(LIB.virDomainGetEmulatorPinInfo(d, map, maplen, LibvirtNative.AFFECT_LIVE),
                    "virDomainGetEmulatorPinInfo(" + name + ")");
            return rc == 0 ? CpuMap.of() : CpuMap.fromBytes(map);
        });
    }

    public void pinEmulator(byte[] cpumap) {
        String op = "virDomainPinEmulator(" + name + ")";
        liveOrCurrent(flags -> use(d -> Errors.check(LIB.virDomainPinEmulator(d, cpumap, cpumap.length, flags), op)));
    }

    /** Stops the domain at once ({@code virsh destroy}). */
    public void destroy() {
        use(d -> Errors.check(LIB.virDomainDestroy(d), "virDomainDestroy(" + name + ")"));
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
