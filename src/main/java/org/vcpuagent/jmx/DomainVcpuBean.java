package org.vcpuagent.jmx;

import org.vcpuagent.common.ObjectNames;
import org.vcpuagent.domain.CountChange;
import org.vcpuagent.domain.DomainVcpus;
import org.vcpuagent.domain.Settlement;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.HandleClosedException;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.HostInfo;

import javax.management.AttributeChangeNotification;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The {@link DomainVcpuMXBean} of one domain: checks input, asks {@link DomainVcpus}, and announces
 * changes. Input is checked in full before libvirt is asked anything that changes the domain, so a
 * refused call changes nothing.
 */
public final class DomainVcpuBean implements DomainVcpuMXBean {

    private final DomainVcpus vcpus;
    private final Domain domain;
    private final Supplier<HostInfo> host;
    private final ObjectName objectName;
    private final Runnable onDomainGone;
    private final NotificationBroadcasterSupport emitter =
            new NotificationBroadcasterSupport(Notifications.domainNotificationInfo());
    private final AtomicLong sequence = new AtomicLong();

    // What the last look saw; notifications report differences from it. Guarded by this.
    private Integer lastCount;
    /** When {@link #lastCount} was asked for (System.nanoTime): an answer asked for earlier is out of date. */
    private long lastCountAskedAt = Long.MIN_VALUE;
    private List<CpuMap> lastPins;

    /**
     * @param onDomainGone called when libvirt says the domain is gone, so the registry can drop
     *                     the bean without waiting for the next periodic refresh
     */
    public DomainVcpuBean(Domain domain, Supplier<HostInfo> host, Runnable onDomainGone) {
        this(domain, host, onDomainGone, null);
    }

    /** @param connection the connection's alias for the ObjectName, or null with a single connection */
    public DomainVcpuBean(Domain domain, Supplier<HostInfo> host, Runnable onDomainGone, String connection) {
        this(domain, host, onDomainGone, connection, null);
    }

    /** @param stats the connection's statistics cache, or null to read statistics with every Vcpus read */
    public DomainVcpuBean(Domain domain, Supplier<HostInfo> host, Runnable onDomainGone, String connection,
                          org.vcpuagent.domain.StatsCache stats) {
        this.domain = domain;
        this.host = host;
        this.vcpus = new DomainVcpus(domain, host, stats);
        this.onDomainGone = onDomainGone;
        this.objectName = ObjectNames.domain(connection, domain.name());
    }

    /** {@code libvirt.vcpu:type=Domain,name=<name>}, quoted when the name needs it (single connection). */
    public static ObjectName objectName(String domainName) {
        return ObjectNames.domain(null, domainName);
    }

    public ObjectName objectName() {
        return objectName;
    }

    public Domain domain() {
        return domain;
    }

    /** This bean wrapped with its descriptions and notifications, ready to register. */
    public DescribedMBean<DomainVcpuMXBean> asMBean() {
        return new DescribedMBean<>(this, DomainVcpuMXBean.class, emitter, Map.of("Vcpus", VcpuTable.TABLE_TYPE,
                "Affinity", VcpuTable.AFFINITY_TYPE));
    }

    // --- attributes ---

    @Override
    public String getName() {
        return domain.name();
    }

    @Override
    public String getUuid() {
        return domain.uuid();
    }

    @Override
    public String getState() {
        return ask(domain::state);
    }

    @Override
    public int getMaxVcpus() {
        return ask(vcpus::maxVcpus);
    }

    @Override
    public int getVcpuCount() {
        return ask(vcpus::count);
    }

    @Override
    public void setVcpuCount(int count) {
        changeVcpuCount(count);
    }

    @Override
    public TabularData getVcpus() {
        int mapLength = host.get().mapLength();
        return VcpuTable.of(ask(vcpus::vcpus), mapLength);
    }

    @Override
    public TabularData getAffinity() {
        int presentCpus = host.get().presentCpus();
        return VcpuTable.affinity(ask(vcpus::vcpus), presentCpus);
    }

    @Override
    public Map<Integer, String> getPinInfo() {
        List<CpuMap> pins = ask(vcpus::pins);
        Map<Integer, String> out = new TreeMap<>();
        for (int i = 0; i < pins.size(); i++) {
            out.put(i, pins.get(i).toCpuList());
        }
        return out;
    }

    @Override
    public String getEmulatorPin() {
        return ask(() -> domain.emulatorPinInfo(host.get().mapLength())).toCpuList();
    }

    @Override
    public String getDataSource() {
        return vcpus.dataSource();
    }

    @Override
    public long getStatsAgeMillis() {
        return vcpus.statsAgeMillis();
    }

    @Override
    public String getUnplugStatus() {
        return vcpus.pending().map(p -> "pending: unplug from " + p.from() + " to " + p.target()
                + " vCPUs requested at " + p.requestedAt() + "; the count is " + p.lastSeen() + " now").orElse("none");
    }

    // --- operations ---

    @Override
    public String changeVcpuCount(int count) {
        return setVcpus(count, false);
    }

    @Override
    public String setVcpus(int count, boolean persistent) {
        CountChange change = ask(() -> vcpus.setCount(count, persistent));
        // Taken after the call: a look that asked libvirt while the change ran counts as older.
        long answeredAt = System.nanoTime();
        if (change.pending()) {
            send(Notifications.UNPLUG_PENDING, change.message(), null);
        }
        observeCount(new DomainVcpus.TimedCount(change.count(), answeredAt));
        return change.message();
    }

    @Override
    public void pinVcpu(int vcpu, String cpulist) {
        HostInfo h = host.get();
        checkVcpu(vcpu);
        pin(vcpu, cpus(cpulist, h, "vCPU " + vcpu), h);
    }

    @Override
    public void pinVcpuMap(int vcpu, byte[] cpumap) {
        HostInfo h = host.get();
        String allowed = "byte 0 holds CPUs 0-7 with the lowest CPU in the least significant bit, and this host "
                + "has CPUs 0-" + (h.presentCpus() - 1);
        if (cpumap == null || cpumap.length == 0) {
            throw new IllegalArgumentException("cpumap is empty: give at least one byte with one bit set; " + allowed);
        }
        CpuMap map = CpuMap.fromBytes(cpumap);
        if (map.isEmpty()) {
            throw new IllegalArgumentException("cpumap of " + cpumap.length + " byte(s) has no bit set, so it selects"
                    + " no CPU; " + allowed);
        }
        if (map.highest() >= h.presentCpus()) {
            throw new IllegalArgumentException("cpumap selects CPU " + map.highest() + ", beyond the host; " + allowed);
        }
        checkVcpu(vcpu);
        pin(vcpu, map, h);
    }

    @Override
    public void pinEmulator(String cpulist) {
        HostInfo h = host.get();
        CpuMap map = cpus(cpulist, h, "the emulator threads");
        ask(() -> {
            domain.pinEmulator(map.toBytes(h.mapLength()));
            return null;
        });
    }

    @Override
    public void refresh() {
        ask(() -> {
            lookForChanges();
            return null;
        });
    }

    /**
     * Asks libvirt for the count and pinning, follows a pending unplug, and notifies what changed
     * since the last look: for an explicit refresh, an event, or a count change the statistics
     * showed. libvirt's exception is passed on for the caller to judge.
     */
    public void lookForChanges() {
        look(true);
    }

    /**
     * The periodic refresh's look: as {@link #lookForChanges()}, but the count comes from the
     * connection's bulk statistics where they have it, and the pinning is read only the first time
     * (libvirt announces pin changes with a tunable event, which brings a full look).
     */
    public void glanceForChanges() {
        look(false);
    }

    private void look(boolean thorough) {
        followUnplug();
        observeCount(vcpus.lookAtCount(thorough));
        if (thorough || !pinsSeen()) {
            observePins(vcpus.pins());
        }
    }

    /** Advances a pending unplug; cheap when there is none. */
    public void followUnplug() {
        if (vcpus.pending().isEmpty() && !vcpus.isLibvirtStale()) {
            return;
        }
        Settlement s = vcpus.recheck().orElse(null);
        if (s != null) {
            send(Notifications.UNPLUG_SETTLED, s.message(), Notifications.settlement(s));
            observeCount(new DomainVcpus.TimedCount(s.count(), System.nanoTime()));
        }
    }

    // --- internals ---

    private void checkVcpu(int vcpu) {
        int max = getMaxVcpus();
        if (vcpu < 0 || vcpu >= max) {
            throw new IllegalArgumentException("vCPU " + vcpu + " does not exist in domain '" + getName()
                    + "': give a vCPU number from 0 to " + (max - 1));
        }
        int count = getVcpuCount();
        if (vcpu >= count) {
            throw new IllegalArgumentException("vCPU " + vcpu + " of domain '" + getName() + "' is offline: "
                    + "only vCPUs 0 to " + (count - 1) + " run (VcpuCount " + count + "); raise VcpuCount first");
        }
    }

    /** Parses cpulist text against the host, naming what was to be pinned when it is wrong. */
    private CpuMap cpus(String cpulist, HostInfo h, String what) {
        try {
            return CpuMap.parse(cpulist, h.presentCpus());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot pin " + what + " of domain '" + getName() + "': "
                    + e.getMessage());
        }
    }

    private void pin(int vcpu, CpuMap map, HostInfo h) {
        ask(() -> {
            domain.pinVcpu(vcpu, map.toBytes(h.mapLength()));
            return null;
        });
        observePins(ask(vcpus::pins));
    }

    private void send(String type, String message, Object userData) {
        Notification n = new Notification(type, objectName, sequence.incrementAndGet(), System.currentTimeMillis(),
                message);
        n.setUserData(userData);
        emitter.sendNotification(n);
    }

    private synchronized void observeCount(DomainVcpus.TimedCount seen) {
        if (seen.askedAtNanos() - lastCountAskedAt < 0 && lastCount != null) {
            return;
        }
        int count = seen.count();
        Integer previous = lastCount;
        lastCount = count;
        lastCountAskedAt = seen.askedAtNanos();
        if (previous != null && previous != count) {
            AttributeChangeNotification n = new AttributeChangeNotification(objectName, sequence.incrementAndGet(),
                    System.currentTimeMillis(), "VcpuCount of domain '" + getName() + "' changed from " + previous
                    + " to " + count, "VcpuCount", "int", previous, count);
            emitter.sendNotification(n);
        }
    }

    private synchronized boolean pinsSeen() {
        return lastPins != null;
    }

    private synchronized void observePins(List<CpuMap> pins) {
        List<CpuMap> previous = lastPins;
        lastPins = new ArrayList<>(pins);
        if (previous == null) {
            return;
        }
        for (int vcpu = 0; vcpu < Math.min(previous.size(), pins.size()); vcpu++) {
            if (!previous.get(vcpu).equals(pins.get(vcpu))) {
                String before = previous.get(vcpu).toCpuList();
                String now = pins.get(vcpu).toCpuList();
                send(Notifications.PIN_CHANGED, "vCPU " + vcpu + " of domain '" + getName() + "' pinned to " + now
                        + " (was " + before + ")", Notifications.pinChange(vcpu, before, now));
            }
        }
    }

    private <T> T ask(Supplier<T> call) {
        try {
            return call.get();
        } catch (LibvirtException e) {
            if (e.isDomainGone()) {
                onDomainGone.run();
            }
            throw ClientErrors.of(e, domain.name());
        } catch (HandleClosedException e) {
            throw ClientErrors.of(e, domain.name());
        }
    }
}
