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

    private Connection(String uri, boolean readOnly, Pointer ptr) {
        this.uri = uri;
        this.readOnly = readOnly;
        this.handle = new NativeHandle("libvirt connection to " + uri, ptr, LIB::virConnectClose);
    }

    /** Opens {@code uri}; read-only connections are refused every change by libvirt itself. */
    public static Connection open(String uri, boolean readOnly) {
        Errors.init();
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

    public boolean isReadOnly() {
        return readOnly;
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
            int present = Errors.check(LIB.virNodeGetCPUMap(c, mapRef, online, 0), "virNodeGetCPUMap");
            Pointer map = mapRef.getValue();
            CpuMap onlineCpus;
            try {
                onlineCpus = CpuMap.fromBytes(map.getByteArray(0, (present + 7) / 8));
            } finally {
                LibvirtNative.free(map);
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
