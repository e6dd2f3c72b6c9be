package org.vcpuagent.jmx;

import org.vcpuagent.common.ObjectNames;
import org.vcpuagent.model.HostInfo;

import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;
import java.time.Instant;

/**
 * The {@link HostMXBean}: what the agent last learned about its libvirt connection. The agent's
 * refresh writes it; JMX reads it without touching libvirt, so it answers even when libvirt does not.
 */
public final class HostBean implements HostMXBean {

    /** The Host bean's name when the agent has a single connection. */
    public static final ObjectName OBJECT_NAME = ObjectNames.host(null);

    private final Runnable refresh;
    private volatile java.util.function.IntSupplier liveDomainCount;

    private volatile String uri;
    private volatile String libvirtVersion = "";
    private volatile boolean connected;
    private volatile HostInfo host;
    private volatile int domainCount;
    private volatile Instant lastRefresh;
    private volatile String lastError = "";

    public HostBean(String configuredUri, Runnable refresh) {
        this.uri = configuredUri;
        this.refresh = refresh;
    }

    /** Domains appearing and going, and the connection lost and back: events no domain bean can announce. */
    public static final String DOMAIN_APPEARED = "libvirt.vcpu.domain.appeared";
    public static final String DOMAIN_DISAPPEARED = "libvirt.vcpu.domain.disappeared";
    public static final String CONNECTION_LOST = "libvirt.vcpu.connection.lost";
    public static final String CONNECTION_RESTORED = "libvirt.vcpu.connection.restored";

    private final NotificationBroadcasterSupport emitter = new NotificationBroadcasterSupport(
            new javax.management.MBeanNotificationInfo(new String[] {DOMAIN_APPEARED, DOMAIN_DISAPPEARED,
                CONNECTION_LOST, CONNECTION_RESTORED}, javax.management.Notification.class.getName(),
                "domain.appeared / domain.disappeared: a domain started or stopped and its DomainVcpu MBean was "
                + "registered or unregistered (user data: its ObjectName); connection.lost / connection.restored: "
                + "the libvirt connection broke (message: why) or came back."));
    private final java.util.concurrent.atomic.AtomicLong sequence = new java.util.concurrent.atomic.AtomicLong();
    private volatile ObjectName objectName = OBJECT_NAME;
    private boolean wasConnected;

    public DescribedMBean<HostMXBean> asMBean(ObjectName name) {
        this.objectName = name;
        return new DescribedMBean<>(this, HostMXBean.class, emitter);
    }

    /** A domain bean was registered ({@code appeared}) or unregistered. */
    public void domainChanged(boolean appeared, String domainName, ObjectName bean) {
        send(appeared ? DOMAIN_APPEARED : DOMAIN_DISAPPEARED, "domain '" + domainName + "' "
                + (appeared ? "appeared: registered " : "went away: unregistered ") + bean, bean.toString());
    }

    private void send(String type, String message, Object userData) {
        javax.management.Notification n = new javax.management.Notification(type, objectName,
                sequence.incrementAndGet(), System.currentTimeMillis(), message);
        n.setUserData(userData);
        emitter.sendNotification(n);
    }

    /** Makes DomainCount follow the registry itself, rather than the last refresh. */
    public void countDomainsWith(java.util.function.IntSupplier count) {
        this.liveDomainCount = count;
    }

    public synchronized void connected(String resolvedUri, String version) {
        this.uri = resolvedUri;
        this.libvirtVersion = version;
        this.connected = true;
        if (!wasConnected) {
            wasConnected = true;
            send(CONNECTION_RESTORED, "connected to " + resolvedUri + " (libvirt " + version + ")", resolvedUri);
        }
    }

    public synchronized void disconnected(String reason) {
        this.connected = false;
        this.lastError = Instant.now() + " " + reason;
        if (wasConnected) {
            wasConnected = false;
            send(CONNECTION_LOST, "lost the connection to " + uri + ": " + reason, uri);
        }
    }

    public void refreshed(HostInfo hostInfo, int domains) {
        this.host = hostInfo;
        this.domainCount = domains;
        this.lastRefresh = Instant.now();
        this.lastError = "";
    }

    public void failed(String error) {
        this.lastError = Instant.now() + " " + error;
    }

    @Override
    public String getUri() {
        return uri;
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    @Override
    public String getLibvirtVersion() {
        return libvirtVersion;
    }

    private HostInfo host() {
        HostInfo h = host;
        if (h == null) {
            throw new IllegalStateException("the host has not been read from libvirt yet: " + lastError);
        }
        return h;
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
        java.util.function.IntSupplier live = liveDomainCount;
        return live != null ? live.getAsInt() : domainCount;
    }

    @Override
    public String getLastRefresh() {
        Instant t = lastRefresh;
        return t == null ? "" : t.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString();
    }

    @Override
    public long getLastRefreshAgeMillis() {
        Instant t = lastRefresh;
        return t == null ? -1 : Math.max(0, System.currentTimeMillis() - t.toEpochMilli());
    }

    @Override
    public String getLastError() {
        return lastError;
    }

    @Override
    public void refresh() {
        refresh.run();
    }
}
