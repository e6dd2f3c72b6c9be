package org.vcpuagent.client;

import org.vcpuagent.common.ObjectNames;

import javax.management.MBeanServerConnection;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A connection to a running vcpu-agent over JMX, for Java programs and for the {@code client}
 * command:
 *
 * <pre>{@code
 * try (VcpuAgentClient agent = VcpuAgentClient.connect(VcpuAgentClient.DEFAULT_URL, "admin", password)) {
 *     RemoteDomain test = agent.domain("test");
 *     System.out.println(test.setVcpus(1));
 *     for (VcpuReading v : test.vcpus()) {
 *         System.out.println(v.number() + " " + v.state() + " on CPU " + v.cpu());
 *     }
 * }
 * }</pre>
 *
 * Methods throw unchecked exceptions: the agent's refusals as it sent them
 * ({@code IllegalArgumentException}, {@code IllegalStateException}), {@link DomainNotFoundException},
 * {@link SecurityException} when the user may not do that, and {@link java.io.UncheckedIOException}
 * when the connection breaks. Not thread-safe beyond what the JMX connection itself allows.
 */
public final class VcpuAgentClient implements AutoCloseable {

    /** Where the agent listens by default (config/agent.properties: jmx.host 127.0.0.1, jmx.port 9875). */
    public static final String DEFAULT_URL = "service:jmx:rmi:///jndi/rmi://127.0.0.1:9875/jmxrmi";

    static final String BEAN_DOMAIN = ObjectNames.DOMAIN;
    private static final ObjectName HOST = ObjectNames.host(null);
    private static final ObjectName ALL_DOMAINS = name(BEAN_DOMAIN + ":type=Domain,*");

    private final JMXConnector connector;
    private final MBeanServerConnection connection;
    private final String url;

    private VcpuAgentClient(JMXConnector connector, MBeanServerConnection connection, String url) {
        this.connector = connector;
        this.connection = connection;
        this.url = url;
    }

    /**
     * Connects and logs in.
     *
     * @param url      a JMX service URL such as {@link #DEFAULT_URL}
     * @param user     null when the agent runs without authentication
     * @param password ignored when {@code user} is null
     * @throws java.net.MalformedURLException when {@code url} is not a JMX service URL
     * @throws IOException                    when the agent cannot be reached
     * @throws SecurityException              when the agent refuses the login
     */
    public static VcpuAgentClient connect(String url, String user, String password) throws IOException {
        JMXServiceURL address = new JMXServiceURL(url);
        Map<String, Object> env = new HashMap<>();
        if (user != null) {
            env.put(JMXConnector.CREDENTIALS, new String[] {user, password == null ? "" : password});
        }
        JMXConnector connector = RmiRegistryAddress.connect(address, env);
        try {
            return new VcpuAgentClient(connector, connector.getMBeanServerConnection(), url);
        } catch (IOException | RuntimeException e) {
            try {
                connector.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * A client over a connection someone else manages, e.g. the platform MBean server inside the
     * agent's own JVM; {@link #close()} leaves it open.
     */
    public static VcpuAgentClient over(MBeanServerConnection connection) {
        return new VcpuAgentClient(null, connection, null);
    }

    /** The names of the domains the agent has a bean for (running or paused), sorted. */
    public List<String> domains() {
        Set<ObjectName> names = RemoteCall.run(null, "the domain list", () -> connection.queryNames(ALL_DOMAINS, null));
        List<String> out = new ArrayList<>(names.size());
        for (ObjectName n : names) {
            String value = n.getKeyProperty("name");
            if (value != null) {
                out.add(value.startsWith("\"") ? ObjectName.unquote(value) : value);
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * The domain's vCPUs, checked to exist now.
     *
     * @throws DomainNotFoundException when the agent has no bean for it
     */
    public RemoteDomain domain(String name) {
        ObjectName bean = domainObjectName(name);
        boolean known = RemoteCall.run(name, "the domain lookup", () -> connection.isRegistered(bean));
        if (!known) {
            throw new DomainNotFoundException(name);
        }
        return new RemoteDomain(connection, bean, name);
    }

    /**
     * The domain's vCPUs without asking the agent first: a domain it has no bean for shows as
     * {@link DomainNotFoundException} on the first call. One round trip less, for the command line.
     */
    RemoteDomain domainUnchecked(String name) {
        return new RemoteDomain(connection, domainObjectName(name), name);
    }

    /**
     * The host CPUs libvirt's CPU maps cover (Host attribute {@code PresentCpus}): cpulists may name
     * CPUs 0 to this - 1, and {@code virsh vcpuinfo} prints affinity over this many positions.
     */
    public int presentCpus() {
        return (Integer) RemoteCall.run(null, "PresentCpus", () -> connection.getAttribute(HOST, "PresentCpus"));
    }

    /** The underlying JMX connection, for attributes and notifications this class does not cover. */
    public MBeanServerConnection connection() {
        return connection;
    }

    /** The URL given to {@link #connect}, or null for {@link #over}. */
    public String url() {
        return url;
    }

    /**
     * {@code libvirt.vcpu:type=Domain,name=<name>}, with the name quoted exactly when the agent
     * quotes it (characters outside letters, digits and {@code -_.+@#%^~/}).
     */
    public static ObjectName domainObjectName(String domainName) {
        return ObjectNames.domain(null, domainName);
    }

    private static ObjectName name(String text) {
        try {
            return new ObjectName(text);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("'" + text + "' cannot form an ObjectName: " + e.getMessage(), e);
        }
    }

    /** Closes the JMX connection this client opened. */
    @Override
    public void close() throws IOException {
        if (connector != null) {
            connector.close();
        }
    }
}
