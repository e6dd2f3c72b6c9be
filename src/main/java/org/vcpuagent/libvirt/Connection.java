package org.vcpuagent.libvirt;

import com.sun.jna.Callback;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.NativeLongByReference;
import com.sun.jna.ptr.PointerByReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.HostInfo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An open libvirt connection ({@code virConnectPtr}). Safe to use from many threads: libvirt
 * connections are thread-safe, errors are read on the calling thread, and closing waits for
 * calls in flight.
 */
public final class Connection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    private static final LibvirtNative LIB = LibvirtNative.INSTANCE;

    private final String uri;
    private final boolean readOnly;
    private final NativeHandle<ConnectPtr> handle;
    /**
     * Event registrations to undo before closing. Never held while waiting for the handle's lock,
     * so closing cannot deadlock with a registration.
     */
    private final List<Integer> eventCallbackIds = Collections.synchronizedList(new ArrayList<>());
    private volatile LibvirtNative.CloseCallback closeCallback;

    private Connection(String uri, boolean readOnly, ConnectPtr ptr) {
        this.uri = uri;
        this.readOnly = readOnly;
        this.handle = new NativeHandle<>("libvirt connection to " + uri, ptr, this::unsubscribeAndClose);
    }

    /** Opens {@code uri}; read-only connections are refused every change by libvirt itself. */
    public static Connection open(String uri, boolean readOnly) {
        EventLoop.ensureRunning();
        ConnectPtr ptr = readOnly ? LIB.virConnectOpenReadOnly(uri) : LIB.virConnectOpen(uri);
        if (ptr == null) {
            throw Errors.last(readOnly ? "virConnectOpenReadOnly(" + uri + ")" : "virConnectOpen(" + uri + ")");
        }
        return new Connection(uri, readOnly, ptr);
    }

    static String versionText(long v) {
        return (v / 1_000_000) + "." + (v / 1000 % 1000) + "." + (v % 1000);
    }

    <T> T use(Function<ConnectPtr, T> call) {
        return handle.use(call);
    }

    /** Returns {@code rc}, or throws libvirt's error for the failed call on {@code c}. */
    int check(ConnectPtr c, int rc, String operation) {
        if (rc < 0) {
            throw failure(c, operation);
        }
        return rc;
    }

    /**
     * libvirt's error for the failed call on {@code c}. Whether the connection is lost is asked of libvirt
     * while {@code c} is at hand: an I/O error on a broken socket and a failed system call on a healthy
     * connection share one code.
     */
    LibvirtException failure(ConnectPtr c, String operation) {
        Errors.Last last = Errors.take();
        boolean lost = LibvirtException.meansConnectionLost(last.code()) || LIB.virConnectIsAlive(c) != 1;
        LIB.virResetLastError();
        return last.toException(operation, LibvirtException.meansDomainGone(last.code()), lost);
    }

    /** Whether a call on one of this connection's domains that failed with libvirt error {@code code} lost it. */
    boolean lostWith(int code) {
        return LibvirtException.meansConnectionLost(code) || !isAlive();
    }

    /** The URI libvirt resolved, e.g. {@code qemu:///system} for an empty one. */
    public String resolvedUri() {
        return use(c -> ownedString(c, LIB.virConnectGetURI(c), "virConnectGetURI"));
    }

    /** The version of the libvirt daemon (or in-process driver) this connection talks to. */
    public String libvirtVersion() {
        return use(c -> {
            NativeLongByReference v = new NativeLongByReference();
            check(c, LIB.virConnectGetLibVersion(c, v), "virConnectGetLibVersion");
            return versionText(v.getValue().longValue());
        });
    }

    /** False once closed, or once libvirt found the connection broken. */
    public boolean isAlive() {
        try {
            return use(c -> LIB.virConnectIsAlive(c) == 1);
        } catch (HandleClosedException e) {
            return false;
        }
    }

    public HostInfo hostInfo() {
        return use(c -> {
            VirNodeInfo info = new VirNodeInfo();
            check(c, LIB.virNodeGetInfo(c, info), "virNodeGetInfo");
            info.read();
            PointerByReference mapRef = new PointerByReference();
            IntByReference online = new IntByReference();
            int present;
            CpuMap onlineCpus;
            int rc = LIB.virNodeGetCPUMap(c, mapRef, online, 0);
            if (rc < 0) {
                LibvirtException e = failure(c, "virNodeGetCPUMap");
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

    /** The host's capabilities XML ({@code virsh capabilities}): its NUMA cells and each CPU's place in them. */
    public String capabilitiesXml() {
        return use(c -> ownedString(c, LIB.virConnectGetCapabilities(c), "virConnectGetCapabilities"));
    }

    /** The text of a string libvirt handed over, which is freed; null is the failure of {@code operation}. */
    private String ownedString(ConnectPtr c, Pointer p, String operation) {
        if (p == null) {
            throw failure(c, operation);
        }
        try {
            return p.getString(0, StandardCharsets.UTF_8.name());
        } finally {
            LibvirtNative.free(p);
        }
    }

    /** Running and paused domains. The caller closes each one. */
    public List<Domain> listActiveDomains() {
        return use(c -> listAll(c, LibvirtNative.LIST_DOMAINS_ACTIVE, d -> new Domain(this, d), Domain::close,
                LIB::virDomainFree));
    }

    /**
     * The domains {@code virConnectListAllDomains} hands over, each wrapped. {@code wrap} owns the pointer it is
     * given: when it fails, it has freed it. On any failure every other pointer is freed once, by closing what
     * was wrapped ({@code close}) and freeing what was not ({@code free}), and the failure is thrown.
     * Package-private so that a test can make a wrap fail, which libvirt cannot be made to do.
     */
    <D> List<D> listAll(ConnectPtr c, int flags, Function<DomainPtr, D> wrap, Consumer<D> close,
                        Consumer<DomainPtr> free) {
        PointerByReference arrayRef = new PointerByReference();
        int n = check(c, LIB.virConnectListAllDomains(c, arrayRef, flags), "virConnectListAllDomains");
        Pointer array = arrayRef.getValue();
        Pointer[] ptrs;
        try {
            ptrs = n == 0 ? new Pointer[0] : array.getPointerArray(0, n);
        } finally {
            LibvirtNative.free(array);
        }
        List<D> wrapped = new ArrayList<>(n);
        int next = 0;
        try {
            while (next < n) {
                // Counted before the wrap: a wrap that throws has freed its own pointer already.
                DomainPtr d = DomainPtr.at(ptrs[next++]);
                wrapped.add(wrap.apply(d));
            }
            return wrapped;
        } catch (RuntimeException | Error e) {
            for (int j = next; j < n; j++) {
                free.accept(DomainPtr.at(ptrs[j]));
            }
            wrapped.forEach(close);
            throw e;
        }
    }

    /**
     * Sends lifecycle and tunable events of every domain to {@code listener} until the connection
     * is closed.
     */
    public void subscribe(DomainEventListener listener) {
        LibvirtNative.LifecycleCallback lifecycle = (c, dom, event, detail, opaque) -> {
            try {
                listener.lifecycle(Domain.uuidOf(dom), Domain.nameOf(dom), event, detail);
            } catch (Throwable t) {
                // Nothing may unwind into libvirt's event loop.
                LOG.warn("domain event listener failed", t);
            }
            return 0;
        };
        LibvirtNative.TunableCallback tunable = (c, dom, params, nparams, opaque) -> {
            try {
                listener.tunable(Domain.uuidOf(dom), Domain.nameOf(dom));
            } catch (Throwable t) {
                LOG.warn("domain event listener failed", t);
            }
        };
        register(LibvirtNative.EVENT_ID_LIFECYCLE, lifecycle, "lifecycle");
        try {
            register(LibvirtNative.EVENT_ID_TUNABLE, tunable, "tunable");
        } catch (LibvirtException e) {
            // Drivers without tunable events still get pin changes through the thorough look every 30 s.
            if (e.getCode() != LibvirtException.ERR_NO_SUPPORT && e.getCode() != LibvirtException.ERR_INVALID_ARG) {
                throw e;
            }
        }
    }

    private void register(int eventId, Callback cb, String what) {
        Pointer opaque = CallbackKeeper.hold(cb);
        int id = use(c -> {
            int rc = LIB.virConnectDomainEventRegisterAny(c, null, eventId, cb, opaque, CallbackKeeper.RELEASE);
            if (rc < 0) {
                CallbackKeeper.drop(opaque);
                throw failure(c, "virConnectDomainEventRegisterAny(" + what + ")");
            }
            return rc;
        });
        eventCallbackIds.add(id);
    }

    /**
     * Asks libvirt to call {@code onClosed} with a reason when the connection breaks (the daemon
     * went away, or the keepalive went unanswered). Only one listener per connection.
     *
     * @return false when the driver cannot break (in-process drivers such as test:///)
     */
    public boolean onClose(Consumer<String> onClosed) {
        LibvirtNative.CloseCallback cb = (c, reason, opaque) -> {
            try {
                onClosed.accept(closeReason(reason));
            } catch (Throwable t) {
                LOG.warn("close listener failed", t);
            }
        };
        Pointer opaque = CallbackKeeper.hold(cb);
        boolean registered = use(c -> {
            if (LIB.virConnectRegisterCloseCallback(c, cb, opaque, CallbackKeeper.RELEASE) >= 0) {
                return true;
            }
            CallbackKeeper.drop(opaque);
            LibvirtException e = failure(c, "virConnectRegisterCloseCallback");
            if (e.getCode() == LibvirtException.ERR_NO_SUPPORT) {
                return false;
            }
            throw e;
        });
        if (registered) {
            closeCallback = cb;
        }
        return registered;
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
        return use(c -> {
            int rc = LIB.virConnectSetKeepAlive(c, intervalSeconds, count);
            if (rc < 0) {
                LibvirtException e = failure(c, "virConnectSetKeepAlive");
                if (e.getCode() == LibvirtException.ERR_NO_SUPPORT || e.getCode() == LibvirtException.ERR_INVALID_ARG
                        || e.getCode() == LibvirtException.ERR_OPERATION_INVALID) {
                    return false;
                }
                throw e;
            }
            // 1: the other side knows no keepalive messages.
            return rc == 0;
        });
    }

    /** Undoes event registrations, then closes; runs once, under the handle's write lock. */
    private void unsubscribeAndClose(ConnectPtr c) {
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
