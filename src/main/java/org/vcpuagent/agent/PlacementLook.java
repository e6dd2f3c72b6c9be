package org.vcpuagent.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.domain.DomainCallException;
import org.vcpuagent.domain.DomainVcpus;
import org.vcpuagent.jmx.HostBean;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.placement.CapabilitiesXml;
import org.vcpuagent.placement.Conflict;
import org.vcpuagent.placement.DomainPins;
import org.vcpuagent.placement.GuestCells;
import org.vcpuagent.placement.HostCpu;
import org.vcpuagent.placement.NumaBinding;
import org.vcpuagent.placement.PlacementSnapshot;
import org.vcpuagent.placement.Topology;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The connection's placement step: after each look, who may run where on the host and what conflicts, from the
 * pins the domain layer published; on thorough looks also the capabilities (the topology), each domain's emulator
 * pin, IOThreads and NUMA tuning. Conflicts that appear or clear are announced on the Host bean. Owned by the
 * connection's owner thread; other threads read only {@link #snapshot()}.
 */
final class PlacementLook {

    private static final Logger LOG = LoggerFactory.getLogger(PlacementLook.class);
    private static final Path ISOLATED = Path.of("/sys/devices/system/cpu/isolated");

    /** What a thorough look read of a domain besides its vCPU pins. */
    private record Threads(CpuMap emulator, Map<Integer, CpuMap> ioThreads, NumaBinding memory,
                           Map<Integer, NumaBinding> cellMemory) {
    }

    private final String uri;
    private final CpuMap reserved;
    private final HostBean announcer;
    private List<HostCpu> cpus = List.of();
    private CpuMap isolated = CpuMap.of();
    private final Map<String, Threads> threadsByUuid = new HashMap<>();
    private Set<Conflict> conflicts = Set.of();
    /** Written by the owner; read by JMX threads. */
    private volatile PlacementSnapshot snapshot;

    PlacementLook(String uri, CpuMap reserved, HostBean announcer) {
        this.uri = uri;
        this.reserved = reserved;
        this.announcer = announcer;
    }

    /** The last snapshot; throws before the first look finished. */
    PlacementSnapshot snapshot() {
        PlacementSnapshot s = snapshot;
        if (s == null) {
            throw new IllegalStateException("the host's placement has not been read from " + uri + " yet");
        }
        return s;
    }

    /**
     * After a look. {@code thorough}: read the capabilities and every domain's other threads again;
     * {@code reread}: the UUID of one domain whose other threads to read again (a tunable event), or null.
     */
    void after(Connection c, HostInfo host, Collection<DomainVcpus> domains, boolean thorough, String reread) {
        long takenAt = System.nanoTime();
        if (thorough || snapshot == null) {
            cpus = readCpus(c);
            isolated = readIsolated();
        }
        Topology t = cpus.isEmpty() ? Topology.flat(host.presentCpus(), host.onlineCpus(), reserved, isolated)
                : new Topology(cpus, host.presentCpus(), host.onlineCpus(), reserved, isolated);
        List<DomainPins> pins = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (DomainVcpus d : domains) {
            seen.add(d.uuid());
            Threads known = threadsByUuid.get(d.uuid());
            Threads th = thorough || d.uuid().equals(reread) || known == null ? readThreads(d, known) : known;
            threadsByUuid.put(d.uuid(), th);
            pins.add(new DomainPins(d.name(), d.publishedPins(), th.emulator(), th.ioThreads(), th.memory(),
                    th.cellMemory()));
        }
        threadsByUuid.keySet().retainAll(seen);
        PlacementSnapshot last = snapshot;
        if (last != null && last.topology().equals(t) && last.domains().equals(pins)) {
            // Nothing placement depends on moved (the usual look): the rows and conflicts stand, only the time
            // moves on. Computing them is the costly part with many domains: every thread against every CPU.
            snapshot = new PlacementSnapshot(t, last.domains(), last.allocation(), last.conflicts(), takenAt);
            return;
        }
        PlacementSnapshot s = PlacementSnapshot.of(t, pins, takenAt);
        snapshot = s;
        announce(new LinkedHashSet<>(s.conflicts()));
    }

    /**
     * A lifecycle event for the domain: what was read of its other threads goes, so that the next look reads
     * them again, its guest cells' memory bindings included (a domain restarted between two looks keeps its UUID).
     */
    void forget(String uuid) {
        threadsByUuid.remove(uuid);
    }

    private void announce(Set<Conflict> now) {
        for (Conflict k : now) {
            if (!conflicts.contains(k)) {
                announcer.placementConflict(k, true);
            }
        }
        for (Conflict k : conflicts) {
            if (!now.contains(k)) {
                announcer.placementConflict(k, false);
            }
        }
        conflicts = now;
    }

    private List<HostCpu> readCpus(Connection c) {
        try {
            return CapabilitiesXml.cpus(c.capabilitiesXml());
        } catch (IllegalArgumentException | LibvirtException e) {
            if (e instanceof LibvirtException l && l.isConnectionLost()) {
                throw l;
            }
            LOG.warn("cannot read the host's topology from {}: {}", uri, e.getMessage());
            return cpus;
        }
    }

    /**
     * Each read alone: a driver without emulator pinning or IOThreads (Xen) still has vCPU pins. The IOThreads
     * of a domain whose QEMU keeps calls waiting or does not answer in time stay as last read: libvirt asks QEMU for
     * them under the domain's job, so they are asked beside the owner, which waits a bounded time.
     *
     * @param known what an earlier look read of the domain, or null: its guest cells' memory bindings are kept,
     *              since a running domain's {@code <memnode>}s cannot change (libvirt changes them only in the
     *              persistent configuration), and reading them takes the whole domain XML
     */
    private static Threads readThreads(DomainVcpus d, Threads known) {
        CpuMap emulator = null;
        Map<Integer, CpuMap> io = Map.of();
        NumaBinding memory = NumaBinding.NONE;
        try {
            emulator = d.emulatorPin();
        } catch (DomainCallException e) {
            LOG.debug("emulator pin of {}: {}", d.name(), e.getMessage());
        }
        try {
            Map<Integer, CpuMap> lastRead = known == null ? Map.of() : known.ioThreads();
            io = d.ioThreadsUnlessHeld().orElse(lastRead);
        } catch (DomainCallException e) {
            LOG.debug("IOThreads of {}: {}", d.name(), e.getMessage());
        }
        try {
            memory = NumaBinding.of(d.numaTune());
        } catch (DomainCallException | IllegalArgumentException e) {
            LOG.debug("NUMA tuning of {}: {}", d.name(), e.getMessage());
        }
        return new Threads(emulator, io, memory, known != null ? known.cellMemory() : cellMemory(d));
    }

    private static Map<Integer, NumaBinding> cellMemory(DomainVcpus d) {
        try {
            return GuestCells.vcpuBindings(d.xml());
        } catch (DomainCallException | IllegalArgumentException e) {
            LOG.debug("guest NUMA cells of {}: {}", d.name(), e.getMessage());
            return Map.of();
        }
    }

    /** The kernel's isolcpus, where the host is this machine; empty elsewhere or when unknown. */
    private CpuMap readIsolated() {
        if (!isThisMachine(uri)) {
            return CpuMap.of();
        }
        try {
            String s = Files.readString(ISOLATED).trim();
            return s.isEmpty() ? CpuMap.of() : CpuMap.parse(s, AgentConfig.MAX_HOST_CPUS);
        } catch (IOException | IllegalArgumentException e) {
            return CpuMap.of();
        }
    }

    /**
     * A local URI of a real hypervisor: no host part and no transport. The test driver's host is simulated, so
     * this machine's isolcpus say nothing about it.
     */
    static boolean isThisMachine(String uri) {
        try {
            URI u = URI.create(uri);
            String scheme = u.getScheme() == null ? "" : u.getScheme();
            return !scheme.isEmpty() && !scheme.contains("+") && !scheme.equals("test")
                    && (u.getHost() == null || u.getHost().isEmpty() || u.getHost().equals("localhost"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
