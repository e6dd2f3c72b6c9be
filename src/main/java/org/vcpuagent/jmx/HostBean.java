package org.vcpuagent.jmx;

import org.vcpuagent.common.Notifier;
import org.vcpuagent.model.ConnectionStatus;
import org.vcpuagent.common.ObjectNames;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.placement.Conflict;
import org.vcpuagent.placement.PlacementSnapshot;

import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The {@link HostMXBean}: what the connection's owner thread last published about its libvirt connection.
 * Reads never touch libvirt, so the bean answers even when libvirt does not.
 */
public final class HostBean implements HostMXBean {

    /** The Host bean's name when the agent has a single connection. */
    public static final ObjectName OBJECT_NAME = ObjectNames.host(null);

    /** Domains appearing and going, and the connection lost and back: events no domain bean can announce. */
    public static final String DOMAIN_APPEARED = "libvirt.vcpu.domain.appeared";
    public static final String DOMAIN_DISAPPEARED = "libvirt.vcpu.domain.disappeared";
    public static final String CONNECTION_LOST = "libvirt.vcpu.connection.lost";
    public static final String CONNECTION_RESTORED = "libvirt.vcpu.connection.restored";
    /** A placement conflict appeared or cleared; user data is a {@link PlacementTables#CONFLICT_CHANGE} record. */
    public static final String PLACEMENT_CONFLICT = "libvirt.vcpu.placement.conflict";

    private final Supplier<ConnectionStatus> status;
    private final IntSupplier domainCount;
    private final Runnable refresh;
    private final Notifier notifier;
    /** Set once by the owner before the bean is registered. */
    private volatile Supplier<PlacementSnapshot> placement = () -> {
        throw new IllegalStateException("this connection computes no placement");
    };

    /**
     * @param status      the owner's latest status
     * @param domainCount the domains registered now, which a registration changes between two statuses
     * @param refresh     a thorough look at the connection, waited for
     */
    public HostBean(ObjectName name, Supplier<ConnectionStatus> status, IntSupplier domainCount, Runnable refresh) {
        this.status = status;
        this.domainCount = domainCount;
        this.refresh = refresh;
        this.notifier = new Notifier(name, new MBeanNotificationInfo(new String[] {DOMAIN_APPEARED,
            DOMAIN_DISAPPEARED, CONNECTION_LOST, CONNECTION_RESTORED, PLACEMENT_CONFLICT}, Notification.class.getName(),
            "domain.appeared / domain.disappeared: a domain started or stopped and its DomainVcpu MBean was "
            + "registered or unregistered (user data: its ObjectName); connection.lost / connection.restored: "
            + "the libvirt connection broke (message: why) or came back; placement.conflict: a Conflicts row "
            + "appeared or cleared (user data: the row and cleared)."));
    }

    public DescribedMBean<HostMXBean> asMBean() {
        return new DescribedMBean<>(this, HostMXBean.class, notifier.emitter(), java.util.Map.of(
                "Topology", PlacementTables.TOPOLOGY, "Allocation", PlacementTables.ALLOCATION,
                "Conflicts", PlacementTables.CONFLICTS));
    }

    /** Where the placement tables come from: the owner's latest snapshot. */
    public void servePlacement(Supplier<PlacementSnapshot> snapshot) {
        this.placement = snapshot;
    }

    // --- announcements, sent by the owner thread ---

    public void placementConflict(Conflict c, boolean appeared) {
        notifier.send(PLACEMENT_CONFLICT, (appeared ? "placement conflict: " : "placement conflict cleared: ")
                + c.describe(), PlacementTables.conflictChange(c, !appeared));
    }

    /** A domain bean was registered ({@code appeared}) or unregistered. */
    public void domainChanged(boolean appeared, String domainName, ObjectName bean) {
        notifier.send(appeared ? DOMAIN_APPEARED : DOMAIN_DISAPPEARED, "domain '" + domainName + "' "
                + (appeared ? "appeared: registered " : "went away: unregistered ") + bean, bean.toString());
    }

    public void connectionRestored(String uri, String version) {
        notifier.send(CONNECTION_RESTORED, "connected to " + uri + " (libvirt " + version + ")", uri);
    }

    public void connectionLost(String uri, String reason) {
        notifier.send(CONNECTION_LOST, "lost the connection to " + uri + ": " + reason, uri);
    }

    // --- attributes ---

    @Override
    public String getUri() {
        return status.get().uri();
    }

    @Override
    public boolean isConnected() {
        return status.get().connected();
    }

    @Override
    public String getLibvirtVersion() {
        return status.get().libvirtVersion();
    }

    private HostInfo host() {
        ConnectionStatus s = status.get();
        if (s.host() == null) {
            throw new IllegalStateException("the host has not been read from libvirt yet: " + s.lastError());
        }
        return s.host();
    }

    @Override
    public int getCpus() {
        return host().cpus();
    }

    @Override
    public int getPresentCpus() {
        return host().presentCpus();
    }

    @Override
    public int getSockets() {
        return host().sockets();
    }

    @Override
    public int getCoresPerSocket() {
        return host().coresPerSocket();
    }

    @Override
    public int getThreadsPerCore() {
        return host().threadsPerCore();
    }

    @Override
    public int getNumaNodes() {
        return host().numaNodes();
    }

    @Override
    public String getOnlineCpus() {
        return host().onlineCpus().toCpuList();
    }

    @Override
    public int getDomainCount() {
        return domainCount.getAsInt();
    }

    @Override
    public String getLastRefresh() {
        Instant t = status.get().lastRefresh();
        return t == null ? "" : t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    @Override
    public long getLastRefreshAgeMillis() {
        Instant t = status.get().lastRefresh();
        return t == null ? -1 : Math.max(0, System.currentTimeMillis() - t.toEpochMilli());
    }

    @Override
    public String getLastError() {
        return status.get().lastError();
    }

    @Override
    public TabularData getTopology() {
        return PlacementTables.topology(placement.get().topology());
    }

    @Override
    public TabularData getAllocation() {
        return PlacementTables.allocation(placement.get().allocation());
    }

    @Override
    public TabularData getConflicts() {
        return PlacementTables.conflicts(placement.get().conflicts());
    }

    @Override
    public void refresh() {
        refresh.run();
    }
}
