package org.vcpuagent.libvirt;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.NativeLongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The raw JNA mapping of the parts of {@code libvirt.so.0} the agent uses.
 *
 * <p>Only {@link Connection} and {@link Domain} call this; everything above them sees Java types
 * and {@link LibvirtException}. Functions that hand over memory the caller must free return
 * {@link Pointer}, never {@code String}, so that the memory can be freed after it is copied.
 * Connections and domains are {@link ConnectPtr} and {@link DomainPtr}, never a bare pointer.
 */
interface LibvirtNative extends Library {

    LibvirtNative INSTANCE = Native.load("virt", LibvirtNative.class);

    // --- errors (virterror.h) ---

    /** {@code void (*virErrorFunc)(void *userData, virErrorPtr error)}. */
    interface ErrorFunc extends Callback {
        void invoke(Pointer userData, Pointer error);
    }

    void virSetErrorFunc(Pointer userData, ErrorFunc handler);

    /** Thread-local last error; owned by libvirt, never freed by us. */
    VirError virGetLastError();

    void virResetLastError();

    // --- connections (libvirt-host.h) ---

    ConnectPtr virConnectOpen(String name);

    ConnectPtr virConnectOpenReadOnly(String name);

    int virConnectClose(ConnectPtr conn);

    /** Returns a string the caller frees. */
    Pointer virConnectGetURI(ConnectPtr conn);

    int virConnectGetLibVersion(ConnectPtr conn, NativeLongByReference libVer);

    int virConnectIsAlive(ConnectPtr conn);

    int virNodeGetInfo(ConnectPtr conn, VirNodeInfo info);

    /** Returns XML the caller frees. */
    Pointer virConnectGetCapabilities(ConnectPtr conn);

    /** Fills {@code cpumap} with memory the caller frees. */
    int virNodeGetCPUMap(ConnectPtr conn, PointerByReference cpumap, IntByReference online, int flags);

    // --- domains (libvirt-domain.h) ---

    /** Fills {@code domains} with an array the caller frees, of domains the caller frees. */
    int virConnectListAllDomains(ConnectPtr conn, PointerByReference domains, int flags);

    int virDomainFree(DomainPtr domain);

    /** Owned by the domain object; valid until it is freed. */
    String virDomainGetName(DomainPtr domain);

    int virDomainGetUUIDString(DomainPtr domain, byte[] buf);

    /** The 16 raw bytes ({@code VIR_UUID_BUFLEN}). */
    int virDomainGetUUID(DomainPtr domain, byte[] uuid);

    /** 1 when running or paused, 0 when defined but stopped, -1 (with an error) when it no longer exists. */
    int virDomainIsActive(DomainPtr domain);

    int virDomainGetState(DomainPtr domain, IntByReference state, IntByReference reason, int flags);

    int virDomainGetVcpusFlags(DomainPtr domain, int flags);

    /** Whether the domain's QEMU monitor is busy, and for how long: takes neither the domain's job nor its monitor. */
    int virDomainGetControlInfo(DomainPtr domain, VirDomainControlInfo info, int flags);

    int virDomainSetVcpusFlags(DomainPtr domain, int nvcpus, int flags);

    /** {@code info}: room for {@code maxinfo} virVcpuInfo records ({@link VirVcpuInfo#SIZE} bytes each). */
    int virDomainGetVcpus(DomainPtr domain, Pointer info, int maxinfo, byte[] cpumaps, int maplen);

    int virDomainPinVcpuFlags(DomainPtr domain, int vcpu, byte[] cpumap, int maplen, int flags);

    int virDomainGetVcpuPinInfo(DomainPtr domain, int ncpumaps, byte[] cpumaps, int maplen, int flags);

    int virDomainGetEmulatorPinInfo(DomainPtr domain, byte[] cpumap, int maplen, int flags);

    int virDomainPinEmulator(DomainPtr domain, byte[] cpumap, int maplen, int flags);

    /** Returns XML the caller frees. */
    Pointer virDomainGetXMLDesc(DomainPtr domain, int flags);

    /** 1 when the domain has a persistent configuration, 0 when it is transient. */
    int virDomainIsPersistent(DomainPtr domain);

    /** Fills {@code info} with an array of {@code virDomainIOThreadInfoPtr} the caller frees, each and whole. */
    int virDomainGetIOThreadInfo(DomainPtr domain, PointerByReference info, int flags);

    void virDomainIOThreadInfoFree(Pointer info);

    int virDomainPinIOThread(DomainPtr domain, int iothreadId, byte[] cpumap, int maplen, int flags);

    /** {@code params}: room for {@code nparams} typed parameters; with {@code nparams} 0, sets how many there are. */
    int virDomainGetNumaParameters(DomainPtr domain, Pointer params, IntByReference nparams, int flags);

    /** Frees what the parameters point to (strings), not the array itself. */
    void virTypedParamsClear(Pointer params, int nparams);

    // --- events (libvirt-event.h, libvirt-domain.h, libvirt-host.h) ---

    int virEventRegisterDefaultImpl();

    int virEventRunDefaultImpl();

    /** {@code void (*virFreeCallback)(void *opaque)}: libvirt is done with a callback. */
    interface FreeCallback extends Callback {
        void invoke(Pointer opaque);
    }

    /** {@code virConnectDomainEventCallback}, for lifecycle events. */
    interface LifecycleCallback extends Callback {
        int invoke(ConnectPtr conn, DomainPtr dom, int event, int detail, Pointer opaque);
    }

    /** {@code virConnectDomainEventTunableCallback}: cputune changes such as vCPU pinning. */
    interface TunableCallback extends Callback {
        void invoke(ConnectPtr conn, DomainPtr dom, Pointer params, int nparams, Pointer opaque);
    }

    /** {@code virConnectCloseFunc}. */
    interface CloseCallback extends Callback {
        void invoke(ConnectPtr conn, int reason, Pointer opaque);
    }

    int virConnectDomainEventRegisterAny(ConnectPtr conn, DomainPtr dom, int eventID, Callback cb, Pointer opaque,
                                         FreeCallback freecb);

    int virConnectDomainEventDeregisterAny(ConnectPtr conn, int callbackID);

    int virConnectRegisterCloseCallback(ConnectPtr conn, CloseCallback cb, Pointer opaque, FreeCallback freecb);

    int virConnectUnregisterCloseCallback(ConnectPtr conn, CloseCallback cb);

    int virConnectSetKeepAlive(ConnectPtr conn, int interval, int count);

    int EVENT_ID_LIFECYCLE = 0;
    int EVENT_ID_TUNABLE = 17;

    // --- libc ---

    /** The libvirt documentation asks for plain free() on memory it hands over. */
    static void free(Pointer p) {
        if (p != null) {
            Native.free(Pointer.nativeValue(p));
        }
    }

    /** {@code VIR_DOMAIN_AFFECT_*} and {@code VIR_DOMAIN_VCPU_*} flags. */
    int AFFECT_CURRENT = 0;
    int AFFECT_LIVE = 1;
    int AFFECT_CONFIG = 2;
    int VCPU_MAXIMUM = 4;

    /** {@code VIR_CONNECT_LIST_DOMAINS_ACTIVE}: running and paused domains. */
    int LIST_DOMAINS_ACTIVE = 1;
}
