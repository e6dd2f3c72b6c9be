package org.vcpuagent.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.jmx.JmxPolicy;
import org.vcpuagent.jmx.JmxRemoteServer;
import org.vcpuagent.model.ConnectionStatus;
import org.vcpuagent.prometheus.MetricsEndpoint;

import javax.management.MBeanServer;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's life: one {@link ConnectionOwner} per configured libvirt connection, each with its own owner
 * thread and independent of the others, and one JMX connector serving all their beans. Everything is undone
 * on close.
 */
public final class VcpuAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VcpuAgent.class);

    private final List<ConnectionOwner> connections = new ArrayList<>();
    private JmxRemoteServer jmx;
    private MetricsEndpoint metrics;

    private VcpuAgent(AgentConfig config, MBeanServer mbeanServer) {
        List<AgentConfig.ConnectionSpec> specs = config.connections();
        boolean several = specs.size() > 1;
        for (AgentConfig.ConnectionSpec spec : specs) {
            connections.add(new ConnectionOwner(several ? spec.alias() : null, spec.uri(), config.readOnly(),
                    config.refreshInterval(), mbeanServer, config.reservedCpus(spec.alias())));
        }
    }

    /**
     * Connects, registers every bean, and starts the JMX connector. With a single connection, a failure to
     * connect is an error; with several, a connection that fails keeps retrying in the background while the
     * others serve. Fails whole: on any error everything started is undone.
     */
    public static VcpuAgent start(AgentConfig config, MBeanServer mbeanServer) throws IOException {
        VcpuAgent agent = new VcpuAgent(config, mbeanServer);
        try {
            boolean mustConnect = agent.connections.size() == 1;
            for (ConnectionOwner c : agent.connections) {
                c.start(mustConnect);
            }
            agent.jmx = JmxRemoteServer.start(mbeanServer, new JmxRemoteServer.Settings(config.jmxHost(),
                    config.jmxPort(), config.jmxPasswordFile(), config.jmxAccessFile(), config.jmxInsecure(),
                    config.jmxTls()), JmxPolicy.of(config.jmxJvmDiagnostics()));
            AgentConfig.Prometheus p = config.prometheus();
            if (p != null) {
                agent.metrics = MetricsEndpoint.start(p.host(), p.port(), p.rules(),
                        List.copyOf(agent.connections), p.affinityPerCpu());
            }
            return agent;
        } catch (IOException | RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    /** Looks at every connection thoroughly now; the first failure is thrown after all have been tried. */
    public void refresh() {
        RuntimeException first = null;
        for (ConnectionOwner c : connections) {
            try {
                c.lookNow();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** The Prometheus endpoint's address, or null when prometheus.port is not set. */
    public String metricsAddress() {
        return metrics == null ? null : metrics.address();
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

    /** The status of the first connection. */
    public ConnectionStatus status() {
        return connections.get(0).status();
    }

    /** One line per connection: URI, state, and its domains. */
    public List<String> describeConnections() {
        List<String> out = new ArrayList<>();
        for (ConnectionOwner c : connections) {
            ConnectionStatus s = c.status();
            out.add(s.uri() + (s.connected() ? " (libvirt " + s.libvirtVersion() + "), domains: "
                    + String.join(", ", c.domainNames()) : " (not connected: " + s.lastError() + ")"));
        }
        return out;
    }

    public List<String> domainNames() {
        return connections.stream().flatMap(c -> c.domainNames().stream()).toList();
    }

    /** Stops the connector, then every connection: their beans are unregistered and connections closed. */
    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
        if (jmx != null) {
            jmx.close();
        }
        for (ConnectionOwner c : connections) {
            c.close();
        }
        LOG.info("agent stopped");
    }
}
