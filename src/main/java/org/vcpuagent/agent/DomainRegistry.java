package org.vcpuagent.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.domain.BoundedCalls;
import org.vcpuagent.domain.DomainCallException;
import org.vcpuagent.domain.DomainVcpus;
import org.vcpuagent.domain.Look;
import org.vcpuagent.domain.OwnerThread;
import org.vcpuagent.domain.Settlement;
import org.vcpuagent.domain.StatsCache;
import org.vcpuagent.domain.VcpuChangeListener;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.jmx.HostBean;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.placement.PlacementDesk;

import javax.management.JMException;
import javax.management.MBeanServer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One {@link DomainVcpuBean} per running or paused domain of a connection, registered while the domain is
 * active, and one vCPU bean per online vCPU ({@link VcpuBeans}), following the snapshot the owner publishes
 * for collectors. Domains are told apart by UUID, so a domain that is renamed or restarted is tracked correctly.
 * Owned by the connection's owner thread; other threads read only {@link #names()} and {@link #published()}.
 */
final class DomainRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DomainRegistry.class);

    /** A registered domain: its bean, the domain layer behind it, and its vCPUs' beans. */
    record Entry(DomainVcpuBean bean, DomainVcpus vcpus, VcpuBeans vcpuBeans) {
    }

    /**
     * Snapshots are taken again after at least this long, and not more often than {@link #SNAPSHOT_DUTY_FACTOR}
     * times what the last round took: with thousands of vCPUs the round gives way, as the statistics do. But
     * never less often than {@link #SNAPSHOT_MAX_INTERVAL_NANOS}, so that what collectors read is younger than a
     * 15 s scrape interval (that bound plus one round and one tick).
     */
    static final long SNAPSHOT_MIN_INTERVAL_NANOS = 1_000_000_000L;
    static final long SNAPSHOT_MAX_INTERVAL_NANOS = 10_000_000_000L;
    static final int SNAPSHOT_DUTY_FACTOR = 400;

    private final MBeanServer mbeanServer;
    private final String connectionAlias;
    private final Supplier<HostInfo> host;
    private final StatsCache stats;
    private final OwnerThread owner;
    private final BoundedCalls qemuCalls;
    private final Runnable onDomainGone;
    private final HostBean announcer;
    /** Shared by the connection's domain beans, so that their placements are made one at a time. */
    private final PlacementDesk desk;
    private final Map<String, Entry> byUuid = new LinkedHashMap<>();
    /** The registered domains, published for collectors on other threads, which read only their snapshots. */
    private volatile List<DomainVcpus> published = List.of();
    /** When the last round of snapshots started, and how long it took (System.nanoTime). */
    private long snapshotsAt = System.nanoTime() - SNAPSHOT_MIN_INTERVAL_NANOS;
    private long snapshotsNanos;
    /** As the last round of snapshots was told: the snapshots taken after changes ask the same. */
    private boolean askWhoseQemuHangs;

    /**
     * @param connectionAlias the alias in the beans' ObjectNames, or null with a single connection
     * @param qemuCalls       where the owner asks the domains' QEMU (see {@link DomainVcpus})
     * @param onDomainGone    called on any thread when a call finds a domain gone
     */
    DomainRegistry(MBeanServer mbeanServer, String connectionAlias, Supplier<HostInfo> host, StatsCache stats,
                   OwnerThread owner, BoundedCalls qemuCalls, Runnable onDomainGone, HostBean announcer,
                   PlacementDesk desk) {
        this.desk = desk;
        this.qemuCalls = qemuCalls;
        this.mbeanServer = mbeanServer;
        this.connectionAlias = connectionAlias;
        this.host = host;
        this.stats = stats;
        this.owner = owner;
        this.onDomainGone = onDomainGone;
        this.announcer = announcer;
    }

    /**
     * Makes the registered beans match {@code active}, which this method takes ownership of: handles of
     * domains already registered are closed, the others are kept by their new beans.
     */
    void sync(List<Domain> active) {
        Set<String> seen = new HashSet<>();
        List<String> appeared = new ArrayList<>();
        for (Domain d : active) {
            seen.add(d.uuid());
            if (byUuid.containsKey(d.uuid())) {
                d.close();
            } else if (register(d)) {
                appeared.add(d.name());
            }
        }
        List<String> gone = new ArrayList<>();
        for (String uuid : new ArrayList<>(byUuid.keySet())) {
            if (!seen.contains(uuid)) {
                gone.add(byUuid.get(uuid).bean().getName());
                remove(uuid);
            }
        }
        // One line per look, not per domain: a thousand log lines cost more than the registrations.
        if (!appeared.isEmpty()) {
            LOG.info("{} domain(s) appeared: {}", appeared.size(), abbreviate(appeared));
        }
        if (!gone.isEmpty()) {
            LOG.info("{} domain(s) went away: {}", gone.size(), abbreviate(gone));
        }
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 10 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 10)) + ", ... (" + (names.size() - 10) + " more)";
    }

    private boolean register(Domain d) {
        DomainVcpuBean bean = new DomainVcpuBean(d.name(), d.uuid(), connectionAlias, host, onDomainGone);
        DomainVcpus vcpus = new DomainVcpus(d, host, stats, owner, qemuCalls, new SnapshotOnChange(d.uuid(), bean));
        bean.serve(vcpus);
        bean.servePlacement(desk);
        try {
            // The first look sets the baseline that later notifications compare with.
            vcpus.look(Look.THOROUGH);
        } catch (DomainCallException e) {
            LOG.debug("first look at domain {} failed: {}", d.name(), e.getMessage());
        }
        // Published before its bean is registered: whoever sees the bean then sees it counted (Host's DomainCount).
        Entry entry = new Entry(bean, vcpus, new VcpuBeans(mbeanServer, connectionAlias, vcpus));
        byUuid.put(d.uuid(), entry);
        snapshot(entry);
        if (byUuid.get(d.uuid()) != entry) {
            return false; // gone during its first snapshot, and removed by it
        }
        publish();
        try {
            mbeanServer.registerMBean(bean.asMBean(), bean.objectName());
        } catch (JMException e) {
            LOG.error("cannot register the MBean of domain {}: {}", d.name(), e.toString());
            byUuid.remove(d.uuid());
            publish();
            entry.vcpuBeans().close();
            vcpus.close();
            return false;
        }
        LOG.debug("domain {} appeared: registered {}", d.name(), bean.objectName());
        announcer.domainChanged(true, d.name(), bean.objectName());
        return true;
    }

    void remove(String uuid) {
        Entry e = unregister(uuid);
        if (e != null) {
            e.vcpus().close();
        }
    }

    /** Withdraws the domain's beans and forgets it; its handle is the caller's to free. */
    private Entry unregister(String uuid) {
        Entry e = byUuid.remove(uuid);
        if (e == null) {
            return null;
        }
        publish();
        e.vcpuBeans().close();
        try {
            mbeanServer.unregisterMBean(e.bean().objectName());
        } catch (JMException ex) {
            LOG.warn("cannot unregister {}: {}", e.bean().objectName(), ex.toString());
        }
        LOG.debug("domain {} went away: unregistered {}", e.bean().getName(), e.bean().objectName());
        announcer.domainChanged(false, e.bean().getName(), e.bean().objectName());
        return e;
    }

    /** Whether every domain's snapshot is due to be taken again (see {@link #SNAPSHOT_MIN_INTERVAL_NANOS}). */
    boolean snapshotsDue() {
        long interval = Math.min(SNAPSHOT_MAX_INTERVAL_NANOS,
                Math.max(SNAPSHOT_MIN_INTERVAL_NANOS, snapshotsNanos * SNAPSHOT_DUTY_FACTOR));
        return System.nanoTime() - snapshotsAt >= interval;
    }

    /**
     * Takes every domain's snapshot again.
     *
     * @param askWhoseQemuHangs whether a call of the owner's waits on some domain's QEMU: each snapshot then asks
     *                          libvirt whether the domain's QEMU is the one (see {@link DomainVcpus#publishSnapshot})
     */
    void takeSnapshots(boolean askWhoseQemuHangs) {
        long now = System.nanoTime();
        snapshotsAt = now;
        this.askWhoseQemuHangs = askWhoseQemuHangs;
        for (Entry e : entries()) {
            snapshot(e, askWhoseQemuHangs);
        }
        snapshotsNanos = System.nanoTime() - now;
    }

    /**
     * Publishes the domain's snapshot and makes its vCPU beans follow it. A domain that cannot be read keeps
     * its last snapshot, which ages visibly (StatsAgeMillis); one that is gone is removed.
     */
    private void snapshot(Entry e) {
        snapshot(e, askWhoseQemuHangs);
    }

    private void snapshot(Entry e, boolean askWhoseQemuHangs) {
        try {
            e.vcpuBeans().follow(e.vcpus().publishSnapshot(askWhoseQemuHangs));
        } catch (DomainCallException ex) {
            if (ex.isDomainGone()) {
                remove(e.vcpus().uuid());
            } else {
                LOG.debug("snapshot of domain {}: {}", e.vcpus().name(), ex.getMessage());
            }
        }
    }

    /**
     * The domain bean's listener, which first takes the snapshot again: a change made through JMX (awaited on
     * the owner) or seen by a look shows in the vCPU beans before anyone is told or the change's call returns.
     */
    private final class SnapshotOnChange implements VcpuChangeListener {
        private final String uuid;
        private final VcpuChangeListener bean;

        SnapshotOnChange(String uuid, VcpuChangeListener bean) {
            this.uuid = uuid;
            this.bean = bean;
        }

        private void snapshotAgain() {
            Entry e = byUuid.get(uuid);
            if (e != null) {
                snapshot(e);
            }
        }

        @Override
        public void countChanged(int previous, int current) {
            snapshotAgain();
            bean.countChanged(previous, current);
        }

        @Override
        public void pinChanged(int vcpu, String previous, String current) {
            snapshotAgain();
            bean.pinChanged(vcpu, previous, current);
        }

        @Override
        public void unplugPending(String message) {
            snapshotAgain();
            bean.unplugPending(message);
        }

        @Override
        public void unplugSettled(Settlement settlement) {
            snapshotAgain();
            bean.unplugSettled(settlement);
        }
    }

    private void publish() {
        published = byUuid.values().stream().map(Entry::vcpus).toList();
    }

    Entry get(String uuid) {
        return byUuid.get(uuid);
    }

    /**
     * Whether the registered domains are exactly {@code uuids}; false for null (nobody could tell). Lets a
     * periodic look skip listing the domains, which makes and frees a handle per domain.
     */
    boolean holdsExactly(Set<String> uuids) {
        return uuids != null && uuids.size() == byUuid.size() && byUuid.keySet().containsAll(uuids);
    }

    /** Whether any domain's unplug is followed, or its libvirt is stale; walks no copy. */
    boolean anyNeedsFollowing() {
        for (Entry e : byUuid.values()) {
            if (e.vcpus().needsFollowing()) {
                return true;
            }
        }
        return false;
    }

    /** A copy: a look may remove entries while it walks them. */
    Collection<Entry> entries() {
        return new ArrayList<>(byUuid.values());
    }

    int size() {
        return byUuid.size();
    }

    /** Readable from any thread. */
    List<String> names() {
        return published.stream().map(DomainVcpus::name).toList();
    }

    /** Readable from any thread. */
    List<DomainVcpus> published() {
        return published;
    }

    @Override
    public void close() {
        close(name -> {
        });
    }

    /**
     * Withdraws every bean first, then frees the domains' handles, each once no call uses it: a call that waits on a
     * QEMU that does not answer keeps its handle, and the beans are gone by then all the same.
     *
     * @param freeing told the name of each domain whose handle is freed next
     */
    void close(java.util.function.Consumer<String> freeing) {
        List<DomainVcpus> handles = new ArrayList<>();
        for (String uuid : new ArrayList<>(byUuid.keySet())) {
            Entry e = unregister(uuid);
            if (e != null) {
                handles.add(e.vcpus());
            }
        }
        for (DomainVcpus d : handles) {
            freeing.accept(d.name());
            d.close();
        }
    }

    /**
     * The registered domains whose QEMU keeps libvirt's calls waiting, each with why, as the owner last found. For
     * the closing thread once the owner has stopped.
     */
    List<String> heldDomains() {
        List<String> out = new ArrayList<>();
        for (DomainVcpus d : published) {
            String why = d.heldReason();
            if (why != null) {
                out.add(d.name() + " (" + why + ")");
            }
        }
        return out;
    }
}
