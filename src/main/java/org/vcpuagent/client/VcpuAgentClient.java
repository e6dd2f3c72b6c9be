package org.vcpuagent.client;

import org.vcpuagent.common.ObjectNames;

import javax.management.InstanceNotFoundException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
 * An agent with several libvirt connections names each bean with its connection's alias
 * ({@code libvirt.vcpu:type=Domain,connection=<alias>,name=<domain>}): {@link #listDomains()} shows
 * them, {@link #domain(String, String)} addresses one, and {@link #domain(String)} finds a name that
 * only one connection has.
 *
 * <p>Methods throw unchecked exceptions: the agent's refusals as it sent them
 * ({@code IllegalArgumentException}, {@code IllegalStateException}), {@link DomainNotFoundException},
 * {@link AmbiguousDomainException}, {@link UnknownConnectionException}, {@link SecurityException} when
 * the user may not do that, and {@link java.io.UncheckedIOException} when the connection breaks. Not
 * thread-safe beyond what the JMX connection itself allows.
 */
public final class VcpuAgentClient implements AutoCloseable {

    /** Where the agent listens by default (config/agent.properties: jmx.host 127.0.0.1, jmx.port 9875). */
    public static final String DEFAULT_URL = "service:jmx:rmi:///jndi/rmi://127.0.0.1:9875/jmxrmi";

    static final String BEAN_DOMAIN = ObjectNames.DOMAIN;

    private final JMXConnector connector;
    private final MBeanServerConnection connection;
    private final DomainLookup lookup;
    private final String url;

    private VcpuAgentClient(JMXConnector connector, MBeanServerConnection connection, String url) {
        this.connector = connector;
        this.connection = connection;
        this.lookup = new DomainLookup(connection);
        this.url = url;
    }

    /**
     * Connects and logs in, in clear text.
     *
     * @param url      a JMX service URL such as {@link #DEFAULT_URL}
     * @param user     null when the agent runs without authentication
     * @param password ignored when {@code user} is null
     * @throws java.net.MalformedURLException when {@code url} is not a JMX service URL
     * @throws IOException                    when the agent cannot be reached
     * @throws SecurityException              when the agent refuses the login
     */
    public static VcpuAgentClient connect(String url, String user, String password) throws IOException {
        return connect(url, user, password, null);
    }

    /**
     * Connects and logs in, over TLS when {@code tls} is not null (an agent with {@code jmx.ssl.*}).
     *
     * @throws IllegalStateException when this JVM already reaches TLS agents with other stores (see {@link ClientTls})
     * @see #connect(String, String, String)
     */
    public static VcpuAgentClient connect(String url, String user, String password, ClientTls tls)
            throws IOException {
        JMXServiceURL address = new JMXServiceURL(url);
        Map<String, Object> env = new HashMap<>();
        if (user != null) {
            env.put(JMXConnector.CREDENTIALS, new String[] {user, password == null ? "" : password});
        }
        if (tls != null) {
            tls.install();
        }
        JMXConnector connector = RmiRegistryAddress.connect(address, env, tls == null ? null : tls.socketFactory());
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

    /**
     * The names of the domains the agent has a bean for (running or paused), sorted; a name that
     * several connections have appears once ({@link #listDomains()} tells them apart).
     */
    public List<String> domains() {
        return listDomains().stream().map(ListedDomain::name).distinct().sorted().toList();
    }

    /** Every domain bean with its connection's alias and full ObjectName, sorted by alias, then name. */
    public List<ListedDomain> listDomains() {
        return lookup.all();
    }

    /** The aliases of the agent's libvirt connections, sorted; empty when it has a single one (its names carry none). */
    public List<String> connections() {
        return lookup.connections();
    }

    /**
     * The domain's vCPUs, checked to exist now, on whichever connection has a domain of that name.
     *
     * @throws DomainNotFoundException  when no connection has it
     * @throws AmbiguousDomainException when several have it: use {@link #domain(String, String)}
     */
    public RemoteDomain domain(String name) {
        return domain(null, name);
    }

    /**
     * The domain's vCPUs on the connection with alias {@code connection}, checked to exist now.
     *
     * @param connection an alias from {@link #connections()}; null to find the domain on whichever
     *                   connection has it, as {@link #domain(String)}
     * @throws UnknownConnectionException when the agent has no such connection
     * @throws DomainNotFoundException    when that connection has no such domain
     */
    public RemoteDomain domain(String connection, String name) {
        return new RemoteDomain(this.connection, lookup.resolve(connection, name), name);
    }

    /** The domain of one entry of {@link #listDomains()}, without asking the agent again. */
    public RemoteDomain domain(ListedDomain listed) {
        return new RemoteDomain(connection, listed.objectName(), listed.name());
    }

    /**
     * The domain's vCPUs without asking the agent first: a domain it has no bean for shows as
     * {@link DomainNotFoundException} on the first call. One round trip less, for the command line.
     *
     * @param connection the alias, or null for the name an agent with a single connection gives it
     */
    RemoteDomain domainUnchecked(String connection, String name) {
        return new RemoteDomain(this.connection, ObjectNames.domain(connection, name), name);
    }

    /**
     * The host CPUs libvirt's CPU maps cover (Host attribute {@code PresentCpus}) on an agent with a
     * single connection: cpulists may name CPUs 0 to this - 1, and {@code virsh vcpuinfo} prints
     * affinity over this many positions.
     *
     * @throws IllegalStateException when the agent has several connections: use {@link #presentCpus(String)}
     */
    public int presentCpus() {
        try {
            return presentCpus(null);
        } catch (IllegalStateException e) {
            List<String> aliases = e.getCause() instanceof InstanceNotFoundException ? connections() : List.of();
            if (aliases.isEmpty()) {
                throw e;
            }
            throw new IllegalStateException("the agent has several connections (" + String.join(", ", aliases)
                    + "): ask for one with presentCpus(alias)", e);
        }
    }

    /** {@link #presentCpus()} of the connection with alias {@code connection} (null: the single one). */
    public int presentCpus(String connection) {
        return RemoteDomain.presentCpus(this.connection, ObjectNames.host(connection));
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
     * {@code libvirt.vcpu:type=Domain,name=<name>}, the name on an agent with a single connection,
     * with the name quoted exactly when the agent quotes it (characters outside letters, digits and
     * {@code -_.+@#%^~/}).
     */
    public static ObjectName domainObjectName(String domainName) {
        return ObjectNames.domain(null, domainName);
    }

    /** {@code libvirt.vcpu:type=Domain,connection=<alias>,name=<name>}; as {@link #domainObjectName(String)} for a null alias. */
    public static ObjectName domainObjectName(String connection, String domainName) {
        return ObjectNames.domain(connection, domainName);
    }

    /** Closes the JMX connection this client opened. */
    @Override
    public void close() throws IOException {
        if (connector != null) {
            connector.close();
        }
    }
}
