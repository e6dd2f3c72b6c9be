package org.vcpuagent.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.jmx.HostBean;
import org.vcpuagent.jmx.JmxRemoteServer;

import javax.management.MBeanServer;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The agent's life: one {@link LibvirtLink} per configured libvirt connection, each independent of
 * the others, and one JMX connector serving all their beans. Everything is undone on close.
 */
public final class VcpuAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VcpuAgent.class);

    /** How often statistics are read and pending unplugs looked at, independent of the refresh interval. */
    private static final long UNPLUG_FOLLOW_MS = 500;

    private final AgentConfig config;
    private final List<LibvirtLink> links = new ArrayList<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vcpu-agent-ticker");
        t.setDaemon(true);
        return t;
    });
    private JmxRemoteServer jmx;

    private VcpuAgent(AgentConfig config, MBeanServer mbeanServer) {
        this.config = config;
        List<AgentConfig.ConnectionSpec> specs = config.connections();
        boolean several = specs.size() > 1;
        for (AgentConfig.ConnectionSpec spec : specs) {
            links.add(new LibvirtLink(several ? spec.alias() : null, spec.uri(), config.readOnly(),
                    config.refreshInterval(), mbeanServer));
        }
    }

    /**
     * Connects, registers every bean, and starts the JMX connector. With a single connection, a
     * failure to connect is an error; with several, a connection that fails keeps retrying in the
     * background while the others serve. Fails whole: on any error everything started is undone.
     */
    public static VcpuAgent start(AgentConfig config, MBeanServer mbeanServer) throws IOException {
        VcpuAgent agent = new VcpuAgent(config, mbeanServer);
        try {
            boolean mustConnect = agent.links.size() == 1;
            for (LibvirtLink link : agent.links) {
                link.start(mustConnect);
            }
            agent.jmx = JmxRemoteServer.start(mbeanServer, new JmxRemoteServer.Settings(config.jmxHost(),
                    config.jmxPort(), config.jmxPasswordFile(), config.jmxAccessFile(), config.jmxInsecure(), config.jmxTls()));
            agent.ticker.scheduleWithFixedDelay(() -> agent.links.forEach(LibvirtLink::tick),
                    UNPLUG_FOLLOW_MS, UNPLUG_FOLLOW_MS, TimeUnit.MILLISECONDS);
            return agent;
        } catch (IOException | RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    /** Refreshes every connection now; the first failure is thrown after all have been tried. */
    public void refresh() {
        RuntimeException first = null;
        for (LibvirtLink link : links) {
            try {
                link.refresh();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    public JMXServiceURL jmxAddress() {
        return jmx.address();
    }

    /** How JMX clients are kept out: TLS, client certificates, password files, loopback. */
    public String jmxSecurity() {
        return jmx.securitySummary();
    }

    /** The JConsole command line for this agent's connector (HOST:PORT with TLS flags when TLS is on). */
    public String jconsoleCommand() {
        return jmx.jconsoleCommand();
    }

    /** The Host bean of the first connection. */
    public HostBean hostBean() {
        return links.get(0).hostBean();
    }

    /** One line per connection: alias or URI, state, and its domains. */
    public List<String> describeConnections() {
        List<String> out = new ArrayList<>();
        for (LibvirtLink link : links) {
            HostBean h = link.hostBean();
            out.add(h.getUri() + (h.isConnected() ? " (libvirt " + h.getLibvirtVersion() + "), domains: "
                    + String.join(", ", link.domainNames()) : " (not connected: " + h.getLastError() + ")"));
        }
        return out;
    }

    public List<String> domainNames() {
        return links.stream().flatMap(l -> l.domainNames().stream()).toList();
    }

    /** Stops the connector, then every link: their beans are unregistered and connections closed. */
    @Override
    public void close() {
        ticker.shutdownNow();
        if (jmx != null) {
            jmx.close();
        }
        for (LibvirtLink link : links) {
            link.close();
        }
        LOG.info("agent stopped");
    }
}
