package org.vcpuagent.domain;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.domain.kernel.HeldThreadFiles;
import org.vcpuagent.domain.kernel.KernelRead;
import org.vcpuagent.domain.kernel.ThreadMapBuilder;
import org.vcpuagent.domain.kernel.VcpuThread;
import org.vcpuagent.domain.kernel.VcpuThreadMap;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.model.QemuVcpu;
import org.vcpuagent.model.VcpuInfo;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The kernel as a source of one domain's vCPU readings: the proven vCPU → thread map, built and checked against
 * libvirt by the connection's owner thread (by path, every file opened anew), published with its threads' files
 * held open for readers, who read {@code /proc} through them themselves. Only local QEMU connections qualify;
 * everything else, and any map that cannot be proven, reads libvirt.
 *
 * <p>Fields without a comment of their own are owned by the owner thread.
 */
final class KernelVcpus {

    private static final Logger LOG = LoggerFactory.getLogger(KernelVcpus.class);

    private final DomainCalls domain;
    private final Supplier<HostInfo> host;
    private final Supplier<String> connectionUri;
    private final Supplier<VcpuView> view;
    private final Supplier<ThreadMapBuilder> builders;
    private final CpuTimeFloor floor;
    /** The published map and its threads' files. Written by the owner, read by every reader. Null: read libvirt. */
    private volatile HeldThreadFiles held;
    /** Set once, by {@link #close}: nothing is published after it. */
    private volatile boolean closed;
    /** Written by the owner; why there is no map (null while there is one). */
    private volatile String unproven = "not looked at yet";
    /** Set by a reader that found the map broken, cleared by the owner's rebuild: many readers post one. */
    private final AtomicBoolean rebuildQueued = new AtomicBoolean();
    private Boolean local;
    /** Made once the connection is known to be local: reading the mounts is wasted on any other. */
    private ThreadMapBuilder builder;
    private VcpuThreadMap lastProven;
    private String lastLogged;

    /** @param view what the domain's watch last saw: whether libvirt is stale, the count */
    KernelVcpus(DomainCalls domain, Supplier<HostInfo> host, Supplier<String> connectionUri, Supplier<VcpuView> view,
                Supplier<ThreadMapBuilder> builders, CpuTimeFloor floor) {
        this.domain = domain;
        this.host = host;
        this.connectionUri = connectionUri;
        this.view = view;
        this.builders = builders;
        this.floor = floor;
    }

    // --- readers, any thread ---

    /** The kernel's reading, or null (read libvirt) when there is no map or it no longer holds. */
    KernelRead read(int hostCpus, OwnerThread owner) {
        KernelRead r = readHeld(hostCpus);
        if (r == null || r.replaced()) {
            return null;
        }
        if (r.holds()) {
            return r;
        }
        // What libvirt answers next for a vCPU whose thread is gone belongs to a new thread, or to none.
        if (r.processLost()) {
            floor.forgetAll();
        } else if (r.lostVcpu() >= 0) {
            floor.forget(r.lostVcpu());
        }
        if (rebuildQueued.compareAndSet(false, true)) {
            owner.post(() -> maintain(Look.QUICK));
        }
        return null;
    }

    /**
     * The read through the published files; once more through the files published meanwhile when the owner
     * replaced them under this read (which says nothing about the map). Null when none is published.
     */
    private KernelRead readHeld(int hostCpus) {
        HeldThreadFiles h = held;
        if (h == null) {
            return null;
        }
        KernelRead r = h.read(hostCpus);
        if (!r.replaced()) {
            return r;
        }
        h = held;
        return h == null ? null : h.read(hostCpus);
    }

    /** Why readings come from libvirt, or null while they come from the kernel. */
    String unproven() {
        return held == null ? unproven : null;
    }

    VcpuThreadMap map() {
        HeldThreadFiles h = held;
        return h == null ? null : h.map();
    }

    /** Closes the published files: the domain is gone from the agent. */
    void close() {
        closed = true;
        HeldThreadFiles h = held;
        held = null;
        if (h != null) {
            h.close();
        }
    }

    // --- the owner's ---

    /**
     * Builds the map when there is none, the count moved, a reader found it broken or the look is thorough;
     * checks it against libvirt unless libvirt is stale, in which case only threads of the last proven map count.
     */
    void maintain(Look depth) {
        rebuildQueued.set(false);
        if (!isLocalQemu()) {
            return;
        }
        VcpuThreadMap m = map();
        VcpuView seen = view.get();
        boolean stale = seen.isStale();
        boolean countMoved = m != null && seen.count() >= 0 && seen.count() != m.threads().size();
        boolean broken = m != null && !KernelRead.of(m, host.get().presentCpus()).holds();
        if (m != null && depth == Look.QUICK && !countMoved && !broken) {
            return;
        }
        ThreadMapBuilder.Outcome built = builder.build(domain.name());
        String why = built.map() == null ? built.unproven()
                : stale ? provenWhileStale(built.map()) : agreesWithLibvirt(built.map());
        if (why == null) {
            publish(built.map());
        } else {
            // A map that libvirt contradicts is worth a warning; one that cannot be built is the host's setup.
            withdraw(why, built.map() != null);
        }
    }

    private boolean isLocalQemu() {
        if (local == null) {
            String uri;
            try {
                uri = connectionUri.get();
            } catch (RuntimeException e) {
                return false;
            }
            local = isLocalQemu(uri);
            if (local) {
                builder = builders.get();
            } else {
                // Debug only: every domain of a remote or test connection would say it, a thousand lines a start.
                unproven = "the connection " + uri + " is not to this host's QEMU (qemu:///system or qemu:///session)";
                LOG.debug("domain {}: vCPUs are read through libvirt: {}", domain.name(), unproven);
            }
        }
        return local;
    }

    static boolean isLocalQemu(String uri) {
        try {
            URI u = new URI(uri);
            return ("qemu".equals(u.getScheme()) || "qemu+unix".equals(u.getScheme())) && u.getHost() == null
                    && ("/system".equals(u.getPath()) || "/session".equals(u.getPath()));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** null when libvirt lists the same vCPUs with the same affinities; otherwise the disagreement. */
    private String agreesWithLibvirt(VcpuThreadMap m) {
        HostInfo h = host.get();
        List<VcpuInfo> libvirt;
        try {
            libvirt = domain.vcpus(h.mapLength());
        } catch (DomainCallException e) {
            return "libvirt could not be asked to confirm the map: " + e.getMessage();
        }
        KernelRead r = KernelRead.of(m, h.presentCpus());
        if (!r.holds()) {
            return r.problem();
        }
        Map<Integer, VcpuInfo> byNumber = new HashMap<>();
        libvirt.forEach(v -> byNumber.put(v.number(), v));
        if (!byNumber.keySet().equals(m.vcpus())) {
            return "libvirt lists vCPUs " + byNumber.keySet() + " but the cgroups " + m.cgroup() + "/vcpu<N> hold "
                    + "threads of vCPUs " + m.vcpus();
        }
        for (var k : r.rows()) {
            VcpuInfo v = byNumber.get(k.vcpu());
            if (!v.affinity().equals(k.affinity())) {
                return "vCPU " + k.vcpu() + " may run on " + v.affinity().toCpuList() + " says libvirt, on "
                        + k.affinity().toCpuList() + " says the kernel of the thread the cgroup holds";
            }
        }
        return null;
    }

    /**
     * While libvirt cannot be asked (stale after a timed-out unplug): threads libvirt confirmed before count, and
     * otherwise QEMU's own list of vCPU threads must be the map's. The watch asks QEMU then anyway.
     */
    private String provenWhileStale(VcpuThreadMap m) {
        if (lastProven != null && m.isSubsetOf(lastProven)) {
            return null;
        }
        QemuAnswer qemu = domain.qemuVcpus();
        if (qemu.isLate()) {
            return "libvirt is stale and QEMU does not answer which threads are its vCPUs: " + qemu.late();
        }
        if (!qemu.answered()) {
            return "libvirt is stale and QEMU cannot be asked which threads are its vCPUs";
        }
        Map<Integer, Long> inQemu = new HashMap<>();
        qemu.vcpus().forEach(q -> inQemu.put(q.cpuIndex(), q.threadId()));
        Map<Integer, Long> inMap = new HashMap<>();
        m.threads().forEach(t -> inMap.put(t.vcpu(), (long) t.tid()));
        return inQemu.equals(inMap) ? null : "libvirt is stale, and QEMU's vCPU threads " + inQemu
                + " (cpu-index → thread) are not the cgroups' " + inMap;
    }

    private void publish(VcpuThreadMap m) {
        HeldThreadFiles files = HeldThreadFiles.open(m);
        if (files == null) {
            withdraw("a vCPU thread of process " + m.pid() + " ended right after the map was proven", false);
            return;
        }
        VcpuThreadMap before = lastProven;
        if (before == null || before.pid() != m.pid() || before.pidStartTime() != m.pidStartTime()) {
            floor.forgetAll();
        } else {
            Map<Integer, VcpuThread> old = new HashMap<>();
            before.threads().forEach(t -> old.put(t.vcpu(), t));
            m.threads().stream().filter(t -> !t.equals(old.get(t.vcpu()))).forEach(t -> floor.forget(t.vcpu()));
        }
        lastProven = m;
        replaceHeld(files);
        unproven = null;
        logOnce("domain " + domain.name() + ": vCPUs are read from /proc (process " + m.pid() + ", threads of "
                + m.cgroup() + "/vcpu<N>: " + m.vcpus() + ")", false);
    }

    private void withdraw(String why, boolean disagreement) {
        replaceHeld(null);
        unproven = why;
        logOnce("domain " + domain.name() + ": vCPUs are read through libvirt (virDomainGetVcpus): " + why,
                disagreement);
    }

    /** Publishes {@code next} (null: none), then closes what it replaces: a reader still in it reads {@code next}. */
    private void replaceHeld(HeldThreadFiles next) {
        HeldThreadFiles before = held;
        if (closed) {
            if (next != null) {
                next.close();
            }
            return;
        }
        held = next;
        if (before != null && before != next) {
            before.close();
        }
    }

    /** One line per change of source or reason: a look every 2 s must not repeat it. */
    private void logOnce(String line, boolean warn) {
        if (Objects.equals(line, lastLogged)) {
            return;
        }
        lastLogged = line;
        if (warn) {
            LOG.warn(line);
        } else {
            LOG.info(line);
        }
    }
}
