package org.vcpuagent.libvirt;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.NativeLongByReference;
import com.sun.jna.ptr.PointerByReference;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.HostInfo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An open libvirt connection ({@code virConnectPtr}). Safe to use from many threads: libvirt
 * connections are thread-safe, errors are read on the calling thread, and closing waits for
 * calls in flight.
 */
public final class Connection implements AutoCloseable {

    private static final LibvirtNative LIB = LibvirtNative.INSTANCE;

    private final String uri;
    private final boolean readOnly;
    private final NativeHandle handle;
    /**
     * Event registrations to undo before closing. Never held while waiting for the handle's lock,
     * so closing cannot deadlock with a registration.
     */
    private final List<Integer> eventCallbackIds = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile LibvirtNative.CloseCallback closeCallback;

    private Connection(String uri, boolean readOnly, Pointer ptr) {
        this.uri = uri;
        this.readOnly = readOnly;
        this.handle = new NativeHandle("libvirt connection to " + uri, ptr, this::unsubscribeAndClose);
    }

    /** Opens {@code uri}; read-only connections are refused every change by libvirt itself. */
    public static Connection open(String uri, boolean readOnly) {
        EventLoop.ensureRunning();
        Pointer ptr = readOnly ? LIB.virConnectOpenReadOnly(uri) : LIB.virConnectOpen(uri);
        if (ptr == null) {
            throw Errors.last(readOnly ? "virConnectOpenReadOnly(" + uri + ")" : "virConnectOpen(" + uri + ")");
        }
        return new Connection(uri, readOnly, ptr);
    }

    /** The version of the libvirt library loaded in this process, e.g. {@code 9.0.0}. */
    public static String libraryVersion() {
        Errors.init();
        NativeLongByReference v = new NativeLongByReference();
        Errors.check(LIB.virGetVersion(v, null, null), "virGetVersion");
        return versionText(v.getValue().longValue());
    }

    static String versionText(long v) {
        return (v / 1_000_000) + "." + (v / 1000 % 1000) + "." + (v % 1000);
    }

    public String uri() {
        return uri;
    }

    <T> T use(java.util.function.Function<Pointer, T> call) {
        return handle.use(call);
    }

    /** The URI libvirt resolved, e.g. {@code qemu:///system} for an empty one. */
    public String resolvedUri() {
        return use(c -> {
            Pointer p = LIB.virConnectGetURI(c);
            if (p == null) {
                throw Errors.last("virConnectGetURI");
            }
            try {
                return p.getString(0, StandardCharsets.UTF_8.name());
            } finally {
                LibvirtNative.free(p);
            }
        });
    }

    /** The version of the libvirt daemon (or in-process driver) this connection talks to. */
    public String libvirtVersion() {
        return use(c -> {
            NativeLongByReference v = new NativeLongByReference();
            Errors.check(LIB.virConnectGetLibVersion(c, v), "virConnectGetLibVersion");
            return versionText(v.getValue().longValue());
        });
    }

    public boolean isAlive() {
        if (handle.isFreed()) {
            return false;
        }
        return use(c -> LIB.virConnectIsAlive(c) == 1);
    }

    public HostInfo hostInfo() {
        return use(c -> {
            VirNodeInfo info = new VirNodeInfo();
            Errors.check(LIB.virNodeGetInfo(c, info), "virNodeGetInfo");
            info.read();
            PointerByReference mapRef = new PointerByReference();
            IntByReference online = new IntByReference();
            int present;
            CpuMap onlineCpus;
            int rc = LIB.virNodeGetCPUMap(c, mapRef, online, 0);
            if (rc < 0) {
                LibvirtException e = Errors.last("virNodeGetCPUMap");
                if (e.getCode() != LibvirtException.ERR_NO_SUPPORT) {
                    throw e;
                }
                // libvirt's libxl (Xen) driver has no virNodeGetCPUMap: its CPU maps cover the
                // virNodeGetInfo CPUs, which are the CPUs Xen has online.
                present = info.cpus;
                onlineCpus = CpuMap.all(present);
            } else {
                present = rc;
                Pointer map = mapRef.getValue();
                try {
                    onlineCpus = CpuMap.fromBytes(map.getByteArray(0, (present + 7) / 8));
                } finally {
                    LibvirtNative.free(map);
                }
            }
            String model = new String(info.model, StandardCharsets.US_ASCII);
            int nul = model.indexOf('\0');
            return new HostInfo(nul >= 0 ? model.substring(0, nul) : model,
                    info.memory.longValue(), info.cpus, info.mhz, info.nodes, info.sockets,
                    info.cores, info.threads, present, onlineCpus);
        });
    }

    /** Running and paused domains. The caller closes each one. */
    public List<Domain> listActiveDomains() {
        return use(c -> {
            PointerByReference arrayRef = new PointerByReference();
            int n = Errors.check(LIB.virConnectListAllDomains(c, arrayRef, LibvirtNative.LIST_DOMAINS_ACTIVE),
                    "virConnectListAllDomains");
            Pointer array = arrayRef.getValue();
            List<Domain> domains = new ArrayList<>(n);
            try {
                Pointer[] ptrs = n == 0 ? new Pointer[0] : array.getPointerArray(0, n);
                int i = 0;
                try {
                    for (; i < n; i++) {
                        domains.add(new Domain(this, ptrs[i]));
                    }
                } catch (RuntimeException e) {
                    // Free what was not yet wrapped, and what was: nothing may leak on a failure.
                    for (int j = i; j < n; j++) {
                        LIB.virDomainFree(ptrs[j]);
                    }
                    domains.forEach(Domain::close);
                    throw e;
                }
            } finally {
                LibvirtNative.free(array);
            }
            return domains;
        });
    }

    public Domain lookupByUuid(String uuid) {
        return use(c -> {
            Pointer d = LIB.virDomainLookupByUUIDString(c, uuid);
            if (d == null) {
                throw Errors.last("virDomainLookupByUUIDString(" + uuid + ")");
            }
            return new Domain(this, d);
        });
    }

    public Domain lookupByName(String name) {
        return use(c -> {
            Pointer d = LIB.virDomainLookupByName(c, name);
            if (d == null) {
                throw Errors.last("virDomainLookupByName(" + name + ")");
            }
            return new Domain(this, d);
        });
    }

    /** Starts a transient domain from XML ({@code virsh create}). */
    public Domain createXml(String xml) {
        return use(c -> {
            Pointer d = LIB.virDomainCreateXML(c, xml, 0);
            if (d == null) {
                throw Errors.last("virDomainCreateXML");
            }
            return new Domain(this, d);
        });
    }

    /**
     * Sends lifecycle and tunable events of every domain to {@code listener} until the connection
     * is closed.
     */
    public void subscribe(DomainEventListener listener) {
        LibvirtNative.LifecycleCallback lifecycle = (c, dom, event, detail, opaque) -> {
            try {
                listener.lifecycle(uuidOf(dom), LIB.virDomainGetName(dom), event, detail);
            } catch (Throwable t) {
                // Nothing may unwind into libvirt's event loop.
                org.slf4j.LoggerFactory.getLogger(Connection.class).warn("domain event listener failed", t);
            }
            return 0;
        };
        LibvirtNative.TunableCallback tunable = (c, dom, params, nparams, opaque) -> {
            try {
                listener.tunable(uuidOf(dom), LIB.virDomainGetName(dom));
            } catch (Throwable t) {
                org.slf4j.LoggerFactory.getLogger(Connection.class).warn("domain event listener failed", t);
            }
        };
        register(LibvirtNative.EVENT_ID_LIFECYCLE, lifecycle, "lifecycle");
        try {
            register(LibvirtNative.EVENT_ID_TUNABLE, tunable, "tunable");
        } catch (LibvirtException e) {
            // Drivers without tunable events still get pin changes through the periodic refresh.
            if (e.getCode() != LibvirtException.ERR_NO_SUPPORT && e.getCode() != LibvirtException.ERR_INVALID_ARG) {
                throw e;
            }
        }
    }

    private void register(int eventId, com.sun.jna.Callback cb, String what) {
        Pointer opaque = CallbackKeeper.hold(cb);
        int id = use(c -> LIB.virConnectDomainEventRegisterAny(c, null, eventId, cb, opaque, CallbackKeeper.RELEASE));
        if (id < 0) {
            CallbackKeeper.drop(opaque);
            throw Errors.last("virConnectDomainEventRegisterAny(" + what + ")");
        }
        eventCallbackIds.add(id);
    }

    private static String uuidOf(Pointer dom) {
        byte[] buf = new byte[37];
        return LIB.virDomainGetUUIDString(dom, buf) < 0 ? "" : new String(buf, 0, 36, StandardCharsets.US_ASCII);
    }

    /**
     * Asks libvirt to call {@code onClosed} with a reason when the connection breaks (the daemon
     * went away, or the keepalive went unanswered). Only one listener per connection.
     *
     * @return false when the driver cannot break (in-process drivers such as test:///)
     */
    public boolean onClose(java.util.function.Consumer<String> onClosed) {
        LibvirtNative.CloseCallback cb = (c, reason, opaque) -> {
            try {
                onClosed.accept(closeReason(reason));
            } catch (Throwable t) {
                org.slf4j.LoggerFactory.getLogger(Connection.class).warn("close listener failed", t);
            }
        };
        Pointer opaque = CallbackKeeper.hold(cb);
        int rc = use(c -> LIB.virConnectRegisterCloseCallback(c, cb, opaque, CallbackKeeper.RELEASE));
        if (rc < 0) {
            CallbackKeeper.drop(opaque);
            LibvirtException e = Errors.last("virConnectRegisterCloseCallback");
            if (e.getCode() == LibvirtException.ERR_NO_SUPPORT) {
                return false;
            }
            throw e;
        }
        closeCallback = cb;
        return true;
    }

    static String closeReason(int reason) {
        return switch (reason) {
            case 0 -> "I/O error on the connection to libvirt";
            case 1 -> "libvirt closed the connection (end of file)";
            case 2 -> "libvirt did not answer keepalive messages";
            case 3 -> "the connection was closed by this client";
            default -> "connection closed, reason " + reason;
        };
    }

    /**
     * Makes libvirt send keepalive messages every {@code intervalSeconds} and close the
     * connection after {@code count} go unanswered, so a hung or vanished daemon is noticed.
     *
     * @return false when the driver has no keepalive (local in-process drivers such as test:///)
     */
    public boolean setKeepAlive(int intervalSeconds, int count) {
        int rc = use(c -> LIB.virConnectSetKeepAlive(c, intervalSeconds, count));
        if (rc < 0) {
            LibvirtException e = Errors.last("virConnectSetKeepAlive");
            if (e.getCode() == LibvirtException.ERR_NO_SUPPORT || e.getCode() == LibvirtException.ERR_INVALID_ARG
                    || e.getCode() == LibvirtException.ERR_OPERATION_INVALID) {
                return false;
            }
            throw e;
        }
        return rc == 0;
    }

    /** Undoes event registrations, then closes; runs once, under the handle's write lock. */
    private void unsubscribeAndClose(Pointer c) {
        List<Integer> ids;
        synchronized (eventCallbackIds) {
            ids = new ArrayList<>(eventCallbackIds);
            eventCallbackIds.clear();
        }
        for (int id : ids) {
            LIB.virConnectDomainEventDeregisterAny(c, id);
        }
        LibvirtNative.CloseCallback cb = closeCallback;
        if (cb != null) {
            LIB.virConnectUnregisterCloseCallback(c, cb);
            closeCallback = null;
        }
        LIB.virConnectClose(c);
        LIB.virResetLastError();
    }

    /** Closes the connection after calls in flight return. Domains still open keep libvirt's side alive until closed. */
    @Override
    public void close() {
        handle.free();
    }

    @Override
    public String toString() {
        return "Connection[" + uri + (readOnly ? ", read-only" : "") + "]";
    }
}
