package org.vcpuagent.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.jmx.HostBean;
import org.vcpuagent.jmx.JmxRemoteServer;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.DomainEventListener;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.model.HostInfo;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The agent's life: connect to libvirt, register the beans, keep them matched to the running
 * domains (libvirt's events first, a periodic refresh as a safety net), reconnect when libvirt
 * goes away, serve the beans over JMX, and undo all of it on close.
 *
 * <p>Refreshes, event handling and reconnects all run on one worker thread, so they never
 * interleave; libvirt's event loop thread only hands work over to it.
 */
public final class VcpuAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VcpuAgent.class);

    /** libvirt closes the connection after 3 unanswered keepalives 2 s apart: a dead daemon shows within ~8 s. */
    private static final int KEEPALIVE_INTERVAL_S = 2;
    private static final int KEEPALIVE_COUNT = 3;
    private static final Duration FIRST_RECONNECT_DELAY = Duration.ofMillis(500);
    private static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(15);

    private final AgentConfig config;
    private final MBeanServer mbeanServer;
    private final HostBean hostBean;
    private final DomainRegistry registry;
    private final ScheduledExecutorService worker;
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private volatile Connection connection;
    private volatile HostInfo hostInfo;
    private volatile boolean closed;
    private Duration reconnectDelay = FIRST_RECONNECT_DELAY;
    private JmxRemoteServer jmx;

    private VcpuAgent(AgentConfig config, MBeanServer mbeanServer) {
        this.config = config;
        this.mbeanServer = mbeanServer;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vcpu-agent-worker");
            t.setDaemon(true);
            return t;
        });
        this.hostBean = new HostBean(config.uri(), this::refresh);
        this.registry = new DomainRegistry(mbeanServer, this::host, this::refreshSoon);
    }

    /**
     * Connects, registers every bean, and starts the JMX connector and the periodic refresh.
     * Fails whole: on any error everything already started is undone. Once started, the agent
     * survives libvirt going away and reconnects by itself.
     */
    public static VcpuAgent start(AgentConfig config, MBeanServer mbeanServer) throws IOException {
        VcpuAgent agent = new VcpuAgent(config, mbeanServer);
        try {
            agent.begin();
            return agent;
        } catch (IOException | RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    private void begin() throws IOException {
        try {
            mbeanServer.registerMBean(hostBean.asMBean(), HostBean.OBJECT_NAME);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + HostBean.OBJECT_NAME + ": " + e.getMessage(), e);
        }
        connect();
        jmx = JmxRemoteServer.start(mbeanServer, new JmxRemoteServer.Settings(config.jmxHost(), config.jmxPort(),
                config.jmxPasswordFile(), config.jmxAccessFile(), config.jmxInsecure()));
        long ms = config.refreshInterval().toMillis();
        worker.scheduleWithFixedDelay(this::refreshQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Opens the connection, arms keepalive, the close callback and domain events, then refreshes. */
    private synchronized void connect() {
        Connection c = Connection.open(config.uri(), config.readOnly());
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
        LOG.warn("lost the connection to {}: {}; domain beans withdrawn, reconnecting", config.uri(), reason);
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
        worker.schedule(this::reconnect, reconnectDelay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void reconnect() {
        if (closed || connection != null) {
            return;
        }
        try {
            connect();
            LOG.info("reconnected to {}: {} domain(s)", config.uri(), registry.size());
        } catch (RuntimeException e) {
            Duration next = reconnectDelay.multipliedBy(2);
            reconnectDelay = next.compareTo(MAX_RECONNECT_DELAY) > 0 ? MAX_RECONNECT_DELAY : next;
            hostBean.failed("reconnecting to " + config.uri() + " failed: " + e.getMessage()
                    + "; next try in " + reconnectDelay.toMillis() + " ms");
            scheduleReconnect();
        }
    }

    HostInfo host() {
        HostInfo h = hostInfo;
        if (h == null) {
            throw new IllegalStateException("the host's CPUs have not been read from libvirt yet");
        }
        return h;
    }

    /**
     * One look at libvirt: the host's CPUs, the active domains, and each domain's count and pinning
     * (which sends notifications for changes made by anyone).
     */
    public synchronized void refresh() {
        Connection c = connection;
        if (c == null) {
            throw new IllegalStateException("not connected to " + config.uri() + ": " + hostBean.getLastError());
        }
        try {
            hostInfo = c.hostInfo();
            registry.sync(c.listActiveDomains());
            for (DomainVcpuBean bean : registry.beans()) {
                lookAt(bean);
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
        try {
            bean.lookForChanges();
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
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("refresh from {} failed: {}", config.uri(), e.getMessage());
        }
    }

    /** Queues one refresh on the worker; many requests before it runs make one refresh. */
    private void refreshSoon() {
        if (refreshQueued.compareAndSet(false, true)) {
            onWorker(this::refreshQuietly);
        }
    }

    private void onWorker(Runnable task) {
        if (!closed) {
            try {
                worker.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
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

    public JMXServiceURL jmxAddress() {
        return jmx.address();
    }

    public boolean isJmxAuthenticated() {
        return jmx.isAuthenticated();
    }

    public List<String> domainNames() {
        return registry.beans().stream().map(DomainVcpuBean::getName).toList();
    }

    /** The current connection, or null while reconnecting. */
    public Connection connection() {
        return connection;
    }

    public HostBean hostBean() {
        return hostBean;
    }

    /** Stops the refresh and the connector, unregisters every bean, and closes the connection. */
    @Override
    public void close() {
        closed = true;
        worker.shutdownNow();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (jmx != null) {
            jmx.close();
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
            if (mbeanServer.isRegistered(HostBean.OBJECT_NAME)) {
                mbeanServer.unregisterMBean(HostBean.OBJECT_NAME);
            }
        } catch (JMException e) {
            LOG.warn("cannot unregister {}: {}", HostBean.OBJECT_NAME, e.toString());
        }
        LOG.info("agent on {} stopped", config.uri());
    }
}
