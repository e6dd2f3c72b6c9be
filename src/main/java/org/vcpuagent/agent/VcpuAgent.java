package org.vcpuagent.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.jmx.HostBean;
import org.vcpuagent.jmx.JmxRemoteServer;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.model.HostInfo;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The agent's life: connect to libvirt, register the beans, keep them matched to the running
 * domains, serve them over JMX, and undo all of it on close.
 */
public final class VcpuAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VcpuAgent.class);

    private final AgentConfig config;
    private final MBeanServer mbeanServer;
    private final Connection connection;
    private final HostBean hostBean;
    private final DomainRegistry registry;
    private final ScheduledExecutorService refresher;
    private volatile HostInfo hostInfo;
    private JmxRemoteServer jmx;

    private VcpuAgent(AgentConfig config, MBeanServer mbeanServer, Connection connection) {
        this.config = config;
        this.mbeanServer = mbeanServer;
        this.connection = connection;
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vcpu-agent-refresh");
            t.setDaemon(true);
            return t;
        });
        this.hostBean = new HostBean(config.uri(), this::refresh);
        this.registry = new DomainRegistry(mbeanServer, this::host, this::refreshSoon);
    }

    /**
     * Connects, registers every bean, and starts the JMX connector and the periodic refresh.
     * Fails whole: on any error everything already started is undone.
     */
    public static VcpuAgent start(AgentConfig config, MBeanServer mbeanServer) throws IOException {
        Connection connection = Connection.open(config.uri(), config.readOnly());
        VcpuAgent agent = new VcpuAgent(config, mbeanServer, connection);
        try {
            agent.begin();
            return agent;
        } catch (IOException | RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    private void begin() throws IOException {
        hostBean.connected(connection.resolvedUri(), connection.libvirtVersion());
        try {
            mbeanServer.registerMBean(hostBean.asMBean(), HostBean.OBJECT_NAME);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + HostBean.OBJECT_NAME + ": " + e.getMessage(), e);
        }
        refresh();
        jmx = JmxRemoteServer.start(mbeanServer, new JmxRemoteServer.Settings(config.jmxHost(), config.jmxPort(),
                config.jmxPasswordFile(), config.jmxAccessFile(), config.jmxInsecure()));
        long ms = config.refreshInterval().toMillis();
        refresher.scheduleWithFixedDelay(this::refreshQuietly, ms, ms, TimeUnit.MILLISECONDS);
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
     * (which sends notifications for changes made by anyone). Synchronized so a JMX-triggered refresh
     * and the periodic one never interleave.
     */
    public synchronized void refresh() {
        try {
            hostInfo = connection.hostInfo();
            registry.sync(connection.listActiveDomains());
            for (DomainVcpuBean bean : registry.beans()) {
                lookAt(bean);
            }
            hostBean.refreshed(hostInfo, registry.size());
        } catch (LibvirtException e) {
            hostBean.failed(e.getMessage());
            throw e;
        }
    }

    private void lookAt(DomainVcpuBean bean) {
        try {
            bean.lookForChanges();
        } catch (LibvirtException e) {
            if (e.isDomainGone()) {
                registry.remove(bean.getUuid());
            } else {
                LOG.warn("cannot read the vCPUs of domain {}: {}", bean.getName(), e.getMessage());
            }
        }
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("refresh from {} failed: {}", config.uri(), e.getMessage());
        }
    }

    /** A bean found its domain gone; drop it now rather than at the next periodic refresh. */
    private void refreshSoon() {
        if (!refresher.isShutdown()) {
            refresher.execute(this::refreshQuietly);
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

    public Connection connection() {
        return connection;
    }

    /** Stops the refresh and the connector, unregisters every bean, and closes the connection. */
    @Override
    public void close() {
        refresher.shutdownNow();
        try {
            refresher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (jmx != null) {
            jmx.close();
        }
        registry.close();
        try {
            if (mbeanServer.isRegistered(HostBean.OBJECT_NAME)) {
                mbeanServer.unregisterMBean(HostBean.OBJECT_NAME);
            }
        } catch (JMException e) {
            LOG.warn("cannot unregister {}: {}", HostBean.OBJECT_NAME, e.toString());
        }
        connection.close();
        LOG.info("agent on {} stopped", config.uri());
    }
}
