package org.vcpuagent.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.domain.StatsCache;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.jmx.HostBean;
import org.vcpuagent.common.ObjectNames;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.DomainEventListener;
import org.vcpuagent.libvirt.DomainStatsReader;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.model.HostInfo;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One libvirt connection and the beans it feeds: its Host bean, one domain bean per active domain,
 * libvirt's events, the periodic refresh, keepalive and reconnects.
 *
 * <p>Each link has its own worker thread, and refreshes, event handling and reconnects of that link
 * all run on it, so they never interleave, and a host that stops answering stalls only its own
 * link. libvirt's event loop thread only hands work over.
 */
final class LibvirtLink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LibvirtLink.class);

    /** libvirt closes the connection after 3 unanswered keepalives 2 s apart: a dead daemon shows within ~8 s. */
    private static final int KEEPALIVE_INTERVAL_S = 2;
    private static final int KEEPALIVE_COUNT = 3;
    private static final Duration FIRST_RECONNECT_DELAY = Duration.ofMillis(500);
    private static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(15);
    /**
     * How often the periodic refresh asks libvirt everything (virDomainGetVcpus, the count, the pinning)
     * instead of glancing at the bulk statistics: a safety net for changes that raise no event.
     */
    static final Duration THOROUGH_LOOK_EVERY = Duration.ofSeconds(30);
    /**
     * The tick reads the statistics again only after this many times the last read's duration: the
     * bulk call costs libvirtd about 0.6 ms of CPU per domain (4 vCPUs, measured), so with many
     * domains the tick gives way and the refresh's own read, once per interval, is the only one.
     */
    static final int STATISTICS_DUTY_FACTOR = 50;
    /** Statistics younger than this (one tick) serve a refresh as they are. */
    private static final long STATISTICS_FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final String alias;
    private final String uri;
    private final boolean readOnly;
    private final Duration refreshInterval;
    private final MBeanServer mbeanServer;
    private final ObjectName hostName;
    private final HostBean hostBean;
    private final DomainRegistry registry;
    private final ScheduledExecutorService worker;
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private final StatsCache stats = new StatsCache();
    /** vcpu.current per domain at the last statistics read; changes mean someone changed a count. */
    private final java.util.Map<String, Integer> lastCurrent = new java.util.HashMap<>();
    private volatile Connection connection;
    private volatile HostInfo hostInfo;
    private volatile boolean closed;
    private Duration reconnectDelay = FIRST_RECONNECT_DELAY;
    /** When the statistics were last read (never: a day ago) and how long that took, in System.nanoTime; guarded by this. */
    private long statisticsReadAt = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
    private long statisticsReadNanos;
    private boolean statisticsFailureLogged;
    /** System.nanoTime from which the next refresh is thorough; the first one always is. Guarded by this. */
    private long thoroughRefreshDue = System.nanoTime();

    /** @param alias the connection's alias in ObjectNames, or null when the agent has only this link */
    LibvirtLink(String alias, String uri, boolean readOnly, Duration refreshInterval, MBeanServer mbeanServer) {
        this.alias = alias;
        this.uri = uri;
        this.readOnly = readOnly;
        this.refreshInterval = refreshInterval;
        this.mbeanServer = mbeanServer;
        this.hostName = ObjectNames.host(alias);
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vcpu-agent-" + (alias == null ? "worker" : alias));
            t.setDaemon(true);
            return t;
        });
        this.hostBean = new HostBean(uri, this::refresh);
        this.registry = new DomainRegistry(mbeanServer, this::host, this::refreshSoon, alias, stats);
        this.hostBean.countDomainsWith(registry::size);
        this.registry.announceWith(hostBean);
    }

    /**
     * Registers the Host bean and connects.
     *
     * @param mustConnect true: a failed first connection is thrown; false: it is reported on the
     *                    Host bean and retried in the background, like a later loss
     */
    void start(boolean mustConnect) {
        try {
            mbeanServer.registerMBean(hostBean.asMBean(hostName), hostName);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + hostName + ": " + e.getMessage(), e);
        }
        try {
            connect();
        } catch (RuntimeException e) {
            if (mustConnect) {
                throw e;
            }
            LOG.warn("cannot connect to {} yet: {}; retrying in the background", uri, e.getMessage());
            hostBean.disconnected(e.getMessage());
            scheduleReconnect();
        }
        long ms = refreshInterval.toMillis();
        worker.scheduleWithFixedDelay(this::refreshQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Opens the connection, arms keepalive, the close callback and domain events, then refreshes. */
    private synchronized void connect() {
        Connection c = Connection.open(uri, readOnly);
        try {
            c.setKeepAlive(KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT);
            c.onClose(reason -> onWorker(() -> lost(c, reason)));
            c.subscribe(new EventsToWorker());
            hostBean.connected(c.resolvedUri(), c.libvirtVersion());
            connection = c;
            refresh();
        } catch (RuntimeException e) {
            connection = null;
            registry.close();
            c.close();
            throw e;
        }
    }

    /** The connection broke: withdraw the domain beans, say why, and start reconnecting. */
    private synchronized void lost(Connection c, String reason) {
        if (connection != c || closed) {
            return;
        }
        LOG.warn("lost the connection to {}: {}; domain beans withdrawn, reconnecting", uri, reason);
        connection = null;
        hostBean.disconnected(reason);
        registry.close();
        c.close();
        reconnectDelay = FIRST_RECONNECT_DELAY;
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        if (closed) {
            return;
        }
        try {
            worker.schedule(this::reconnect, reconnectDelay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private synchronized void reconnect() {
        if (closed || connection != null) {
            return;
        }
        try {
            connect();
            LOG.info("connected to {}: {} domain(s)", uri, registry.size());
        } catch (RuntimeException e) {
            Duration next = reconnectDelay.multipliedBy(2);
            reconnectDelay = next.compareTo(MAX_RECONNECT_DELAY) > 0 ? MAX_RECONNECT_DELAY : next;
            hostBean.failed("connecting to " + uri + " failed: " + e.getMessage()
                    + "; next try in " + reconnectDelay.toMillis() + " ms");
            hostBean.disconnected(hostBean.getLastError());
            scheduleReconnect();
        }
    }

    HostInfo host() {
        HostInfo h = hostInfo;
        if (h == null) {
            throw new IllegalStateException("the host's CPUs have not been read from " + uri + " yet");
        }
        return h;
    }

    /**
     * One thorough look at libvirt: the host's CPUs, the active domains, and each domain's count and
     * pinning asked of libvirt (which sends notifications for changes made by anyone).
     */
    synchronized void refresh() {
        refresh(true);
    }

    /**
     * @param thorough false for the periodic refresh: each domain's count then comes from the bulk
     *                 statistics where they have it (see {@link DomainVcpuBean#glanceForChanges()}),
     *                 except every {@link #THOROUGH_LOOK_EVERY}
     */
    private synchronized void refresh(boolean thorough) {
        long now = System.nanoTime();
        thorough |= now - thoroughRefreshDue >= 0;
        Connection c = connection;
        if (c == null) {
            throw new IllegalStateException("not connected to " + uri + ": " + hostBean.getLastError());
        }
        try {
            // Host CPUs come and go only with hardware changes: the thorough look every 30 s suffices.
            if (thorough || hostInfo == null) {
                hostInfo = c.hostInfo();
            }
            if (now - statisticsReadAt > STATISTICS_FRESH_NANOS) {
                readStatistics(c);
            }
            registry.sync(c.listActiveDomains());
            for (DomainVcpuBean bean : registry.beans()) {
                lookAt(bean, thorough);
            }
            if (thorough) {
                thoroughRefreshDue = now + THOROUGH_LOOK_EVERY.toNanos();
            }
            hostBean.refreshed(hostInfo, registry.size());
        } catch (LibvirtException e) {
            hostBean.failed(e.getMessage());
            if (e.isConnectionLost() || !c.isAlive()) {
                lost(c, e.getMessage());
            }
            throw e;
        }
    }

    private void lookAt(DomainVcpuBean bean) {
        lookAt(bean, true);
    }

    private void lookAt(DomainVcpuBean bean, boolean thorough) {
        try {
            if (thorough) {
                bean.lookForChanges();
            } else {
                bean.glanceForChanges();
            }
        } catch (LibvirtException e) {
            if (e.isDomainGone()) {
                registry.remove(bean.getUuid());
            } else if (e.isConnectionLost()) {
                throw e;
            } else {
                LOG.warn("cannot read the vCPUs of domain {}: {}", bean.getName(), e.getMessage());
            }
        }
    }

    private void refreshQuietly() {
        refreshQueued.set(false);
        if (connection == null) {
            return;
        }
        try {
            refresh(false);
        } catch (RuntimeException e) {
            LOG.warn("refresh from {} failed: {}", uri, e.getMessage());
        }
    }

    /** Queues one refresh on the worker; many requests before it runs make one refresh. */
    private void refreshSoon() {
        if (refreshQueued.compareAndSet(false, true)) {
            onWorker(this::refreshQuietly);
        }
    }

    /**
     * Every 500 ms: one statistics call for all domains (which also feeds the wait/delay columns),
     * a fresh look at any domain whose vCPU count changed (libvirt sends no event for that, e.g. for
     * virsh setvcpus run by someone else), and pending unplugs followed. The statistics are read less
     * often when reading them takes long (see {@link #STATISTICS_DUTY_FACTOR}).
     */
    void tick() {
        onWorker(() -> {
            Connection c = connection;
            if (c == null) {
                return;
            }
            try {
                for (String uuid : statisticsDue() ? readStatistics(c) : List.<String>of()) {
                    DomainVcpuBean bean = registry.bean(uuid);
                    if (bean != null) {
                        lookAt(bean);
                    }
                }
            } catch (RuntimeException e) {
                LOG.debug("statistics from {}: {}", uri, e.getMessage());
            }
            for (DomainVcpuBean bean : registry.beans()) {
                try {
                    bean.followUnplug();
                } catch (RuntimeException e) {
                    LOG.debug("following the unplug of {}: {}", bean.getName(), e.getMessage());
                }
            }
        });
    }

    private synchronized boolean statisticsDue() {
        return System.nanoTime() - statisticsReadAt >= statisticsReadNanos * STATISTICS_DUTY_FACTOR;
    }

    /** Reads every domain's statistics into the cache; returns the domains whose vcpu.current changed. */
    private synchronized List<String> readStatistics(Connection c) {
        java.util.Map<String, org.vcpuagent.model.DomainVcpuStats> all;
        long askedAt = System.nanoTime();
        try {
            all = DomainStatsReader.allActiveWithoutWaiting(c);
            statisticsReadAt = askedAt;
            statisticsReadNanos = System.nanoTime() - askedAt;
        } catch (LibvirtException e) {
            if (e.isConnectionLost()) {
                throw e;
            }
            if (!statisticsFailureLogged) {
                statisticsFailureLogged = true;
                LOG.warn("vCPU statistics from {} cannot be read ({}): vCPU count changes made outside the agent "
                        + "show only at the next refresh, and the wait, delay and halted columns stay empty",
                        uri, e.getMessage());
            }
            return List.of();
        }
        stats.update(all, askedAt);
        List<String> changed = new java.util.ArrayList<>();
        all.forEach((uuid, s) -> {
            Integer before = lastCurrent.put(uuid, s.current());
            if (before != null && s.current() != null && !before.equals(s.current())) {
                changed.add(uuid);
            }
        });
        lastCurrent.keySet().retainAll(all.keySet());
        return changed;
    }

    private void onWorker(Runnable task) {
        if (!closed) {
            try {
                worker.execute(task);
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    /** libvirt's events, handed from its event loop thread to the worker. */
    private final class EventsToWorker implements DomainEventListener {
        @Override
        public void lifecycle(String uuid, String name, int event, int detail) {
            LOG.debug("domain {} lifecycle event {} detail {}", name, event, detail);
            refreshSoon();
        }

        @Override
        public void tunable(String uuid, String name) {
            onWorker(() -> {
                DomainVcpuBean bean = registry.bean(uuid);
                if (bean != null) {
                    lookAt(bean);
                }
            });
        }
    }

    String uri() {
        return uri;
    }

    HostBean hostBean() {
        return hostBean;
    }

    List<String> domainNames() {
        return registry.beans().stream().map(DomainVcpuBean::getName).toList();
    }

    /** Stops the worker, unregisters every bean of this link, and closes its connection. */
    @Override
    public void close() {
        closed = true;
        worker.shutdownNow();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            registry.close();
            Connection c = connection;
            connection = null;
            if (c != null) {
                c.close();
            }
        }
        try {
            if (mbeanServer.isRegistered(hostName)) {
                mbeanServer.unregisterMBean(hostName);
            }
        } catch (JMException e) {
            LOG.warn("cannot unregister {}: {}", hostName, e.toString());
        }
    }
}
