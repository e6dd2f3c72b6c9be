package org.vcpuagent.jmx;

import org.vcpuagent.common.Notifier;
import org.vcpuagent.common.ObjectNames;
import org.vcpuagent.domain.CountChange;
import org.vcpuagent.domain.DomainCallException;
import org.vcpuagent.domain.DomainVcpus;
import org.vcpuagent.domain.Settlement;
import org.vcpuagent.domain.VcpuChangeListener;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.placement.PlacementDesk;

import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The {@link DomainVcpuMXBean} of one domain: checks input, asks {@link DomainVcpus}, turns its errors into
 * JDK exceptions, and announces the changes the domain layer reports. Input is checked in full before
 * libvirt is asked anything that changes the domain, so a refused call changes nothing.
 */
public final class DomainVcpuBean implements DomainVcpuMXBean, VcpuChangeListener {

    private final String name;
    private final String uuid;
    private final Supplier<HostInfo> host;
    private final ObjectName objectName;
    private final Runnable onDomainGone;
    private final Notifier notifier;
    /** Set once, right after construction: the domain layer needs this bean as its listener. */
    private volatile DomainVcpus vcpus;
    /** Set once, right after {@link #serve}, before registration. */
    private volatile DomainPlacement placement;

    /**
     * @param connection   the connection's alias for the ObjectName, or null with a single connection
     * @param onDomainGone called when libvirt says the domain is gone, so the registry can drop the bean
     *                     without waiting for the next look
     */
    public DomainVcpuBean(String name, String uuid, String connection, Supplier<HostInfo> host,
                          Runnable onDomainGone) {
        this.name = name;
        this.uuid = uuid;
        this.host = host;
        this.onDomainGone = onDomainGone;
        this.objectName = ObjectNames.domain(connection, name);
        this.notifier = new Notifier(objectName, Notifications.domainNotificationInfo());
    }

    /** Connects the bean to its domain; once, before it is registered. */
    public void serve(DomainVcpus domainVcpus) {
        this.vcpus = domainVcpus;
    }

    /** Connects the bean to its connection's placement desk; once, after {@link #serve}, before registration. */
    public void servePlacement(PlacementDesk desk) {
        this.placement = new DomainPlacement(name, vcpus, desk);
    }

    /** {@code libvirt.vcpu:type=Domain,name=<name>}, quoted when the name needs it (single connection). */
    public static ObjectName objectName(String domainName) {
        return ObjectNames.domain(null, domainName);
    }

    public ObjectName objectName() {
        return objectName;
    }

    /** This bean wrapped with its descriptions and notifications, ready to register. */
    public DescribedMBean<DomainVcpuMXBean> asMBean() {
        return new DescribedMBean<>(this, DomainVcpuMXBean.class, notifier.emitter(),
                Map.of("Vcpus", VcpuTable.TABLE_TYPE, "Affinity", VcpuTable.AFFINITY_TYPE,
                        "IoThreads", PlacementTables.IO_THREADS));
    }

    // --- attributes ---

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getUuid() {
        return uuid;
    }

    @Override
    public String getState() {
        return ask(() -> vcpus.state());
    }

    @Override
    public int getMaxVcpus() {
        return ask(() -> vcpus.publishedMaxVcpus());
    }

    @Override
    public int getVcpuCount() {
        return ask(() -> vcpus.publishedCount());
    }

    @Override
    public void setVcpuCount(int count) {
        changeVcpuCount(count);
    }

    @Override
    public TabularData getVcpus() {
        int mapLength = host.get().mapLength();
        return VcpuTable.of(ask(() -> vcpus.vcpus()), mapLength);
    }

    @Override
    public TabularData getAffinity() {
        int presentCpus = host.get().presentCpus();
        return VcpuTable.affinity(ask(() -> vcpus.vcpus()), presentCpus);
    }

    @Override
    public Map<Integer, String> getPinInfo() {
        List<CpuMap> pins = ask(() -> vcpus.pins());
        Map<Integer, String> out = new TreeMap<>();
        for (int i = 0; i < pins.size(); i++) {
            out.put(i, pins.get(i).toCpuList());
        }
        return out;
    }

    @Override
    public String getEmulatorPin() {
        return ask(() -> vcpus.emulatorPin()).toCpuList();
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
        return change.message();
    }

    @Override
    public void pinVcpu(int vcpu, String cpulist) {
        HostInfo h = host.get();
        checkVcpu(vcpu);
        CpuMap map = cpus(cpulist, h, "vCPU " + vcpu);
        run(() -> vcpus.pinVcpu(vcpu, map));
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
        run(() -> vcpus.pinVcpu(vcpu, map));
    }

    @Override
    public void pinEmulator(String cpulist) {
        CpuMap map = cpus(cpulist, host.get(), "the emulator threads");
        run(() -> vcpus.pinEmulator(map));
    }

    @Override
    public void refresh() {
        run(() -> vcpus.lookNow());
    }

    // --- placement, IOThreads, persistent pins ---

    @Override
    public TabularData getIoThreads() {
        return PlacementTables.ioThreads(ask(() -> vcpus.ioThreads()));
    }

    @Override
    public String getNumaTune() {
        return DomainPlacement.numaTuneText(ask(() -> vcpus.numaTune()));
    }

    @Override
    public void pinVcpuLiveAndConfig(int vcpu, String cpulist) {
        HostInfo h = host.get();
        checkVcpu(vcpu);
        CpuMap map = cpus(cpulist, h, "vCPU " + vcpu);
        run(() -> vcpus.pinVcpu(vcpu, map, true));
    }

    @Override
    public void pinEmulatorLiveAndConfig(String cpulist) {
        CpuMap map = cpus(cpulist, host.get(), "the emulator threads");
        run(() -> vcpus.pinEmulator(map, true));
    }

    @Override
    public void pinIoThread(int id, String cpulist) {
        CpuMap map = cpus(cpulist, host.get(), "IOThread " + id);
        String before = ask(() -> placement.pinIoThread(id, map));
        notifier.send(Notifications.IOTHREAD_PIN_CHANGED, "IOThread " + id + " of domain '" + name + "' pinned to "
                + map.toCpuList() + " (was " + before + ")", Notifications.pinChange(id, before, map.toCpuList()));
    }

    @Override
    public String planPlacement(String policy) {
        return plainly(() -> placement.plan(policy));
    }

    @Override
    public String applyPlacement(String policy, boolean persistent) {
        return plainly(() -> placement.apply(policy, persistent));
    }

    @Override
    public String restorePlacement() {
        return plainly(() -> placement.restore());
    }

    /** Placement errors may wrap ours or libvirt's: only the message, in a JDK type, crosses the wire. */
    private <T> T plainly(Supplier<T> call) {
        try {
            return ask(call);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage());
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    // --- what the domain layer saw, sent as notifications (on the owner thread) ---

    @Override
    public void countChanged(int previous, int current) {
        notifier.sendAttributeChange("VcpuCount of domain '" + name + "' changed from " + previous + " to " + current,
                "VcpuCount", "int", previous, current);
    }

    @Override
    public void pinChanged(int vcpu, String previous, String current) {
        notifier.send(Notifications.PIN_CHANGED, "vCPU " + vcpu + " of domain '" + name + "' pinned to " + current
                + " (was " + previous + ")", Notifications.pinChange(vcpu, previous, current));
    }

    @Override
    public void unplugPending(String message) {
        notifier.send(Notifications.UNPLUG_PENDING, message, null);
    }

    @Override
    public void unplugSettled(Settlement s) {
        notifier.send(Notifications.UNPLUG_SETTLED, s.message(), Notifications.settlement(s));
    }

    // --- internals ---

    private void checkVcpu(int vcpu) {
        int max = getMaxVcpus();
        if (vcpu < 0 || vcpu >= max) {
            throw new IllegalArgumentException("vCPU " + vcpu + " does not exist in domain '" + name
                    + "': give a vCPU number from 0 to " + (max - 1));
        }
        int count = getVcpuCount();
        if (vcpu >= count) {
            throw new IllegalArgumentException("vCPU " + vcpu + " of domain '" + name + "' is offline: "
                    + "only vCPUs 0 to " + (count - 1) + " run (VcpuCount " + count + "); raise VcpuCount first");
        }
    }

    /** Parses cpulist text against the host, naming what was to be pinned when it is wrong. */
    private CpuMap cpus(String cpulist, HostInfo h, String what) {
        try {
            return CpuMap.parse(cpulist, h.presentCpus());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot pin " + what + " of domain '" + name + "': " + e.getMessage());
        }
    }

    private void run(Runnable call) {
        try {
            call.run();
        } catch (DomainCallException e) {
            throw forClient(e);
        }
    }

    private <T> T ask(Supplier<T> call) {
        try {
            return call.get();
        } catch (DomainCallException e) {
            throw forClient(e);
        }
    }

    /**
     * Only JDK exception types cross the wire: a JConsole without our jar could not unmarshal ours, and would
     * show a ClassNotFoundException instead of libvirt's message.
     */
    private IllegalStateException forClient(DomainCallException e) {
        if (e.isDomainGone()) {
            onDomainGone.run();
        }
        return new IllegalStateException(e.getMessage());
    }
}
