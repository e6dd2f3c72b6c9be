package org.vcpuagent.jmx;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.common.LoginFiles;

import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.remote.JMXConnectionNotification;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;
import javax.management.remote.rmi.RMIJRMPServerImpl;
import javax.net.ssl.SSLContext;
import javax.rmi.ssl.SslRMIClientSocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.rmi.NoSuchObjectException;
import java.rmi.registry.Registry;
import java.rmi.server.RMIClientSocketFactory;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The JMX RMI connector: registry and connector on one fixed port, bound to one address, with the
 * JDK's standard password and access files, optionally over TLS (registry included), and with every
 * change written to the audit log ({@link AuditForwarder}).
 */
public final class JmxRemoteServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JmxRemoteServer.class);

    /** The JNDI environment key that makes a client reach an RMI registry over TLS. */
    public static final String JNDI_SOCKET_FACTORY = "com.sun.jndi.rmi.factory.socket";

    /** The name the connector's stub is bound to in the registry, as JConsole expects. */
    static final String BINDING = "jmxrmi";

    /** The JDK's environment keys for its password and access files (as its own agent sets them). */
    private static final String PASSWORD_FILE = "jmx.remote.x.password.file";
    private static final String ACCESS_FILE = "jmx.remote.x.access.file";
    /**
     * "false": the JDK keeps the password file as it is. Clients read the generated one in clear text, and the
     * JDK's rewrite would also reformat a file its administrator edits.
     */
    private static final String HASH_PASSWORDS = "jmx.remote.x.password.toHashes";

    /** Only a user name and a password (a String[]) may be deserialized before authentication. */
    private static final String CREDENTIALS_FILTER = String.class.getName() + ";!*";

    private final Registry registry;
    private final JMXConnectorServer server;
    private final String host;
    private final int port;
    private final boolean authenticated;
    private final boolean loopback;
    private final TlsSettings tls;

    private JmxRemoteServer(Registry registry, JMXConnectorServer server, String host, int port, boolean authenticated,
                            boolean loopback, TlsSettings tls) {
        this.registry = registry;
        this.server = server;
        this.host = host;
        this.port = port;
        this.authenticated = authenticated;
        this.loopback = loopback;
        this.tls = tls;
    }

    /**
     * What the connector needs to know; port 0 picks a free port.
     *
     * @param tls null for clear-text JMX; otherwise TLS for the registry and the connector
     */
    public record Settings(String host, int port, Path passwordFile, Path accessFile, boolean insecure,
                           TlsSettings tls) {

        /** Without TLS. */
        public Settings(String host, int port, Path passwordFile, Path accessFile, boolean insecure) {
            this(host, port, passwordFile, accessFile, insecure, null);
        }
    }

    /**
     * The environment a JMX client passes to {@code JMXConnectorFactory.connect} to reach a TLS
     * connector by its {@link #address()}: the registry lookup goes over TLS too. The client's
     * {@code javax.net.ssl.trustStore} (and {@code keyStore}, for client certificates) system
     * properties say whom it trusts and who it is.
     */
    public static Map<String, Object> tlsClientEnvironment() {
        Map<String, Object> env = new HashMap<>();
        env.put(JNDI_SOCKET_FACTORY, new SslRMIClientSocketFactory());
        return env;
    }

    /** {@link #start(MBeanServer, Settings, JmxPolicy)} with the {@linkplain JmxPolicy#standard() standard policy}. */
    public static JmxRemoteServer start(MBeanServer mbeanServer, Settings s) throws IOException {
        return start(mbeanServer, s, JmxPolicy.standard());
    }

    /**
     * Starts the connector in the steps of the JDK's own agent: check the settings, make the sockets,
     * build the connector's environment, start the connector with its policy and audit in front, then
     * serve its stub from a read-only registry on the same port. Every refusal comes before anything listens.
     *
     * @param policy what logged-in users may change beyond what the access file says
     * @throws IllegalArgumentException naming the unsafe or broken setting and the fix, or the JVM option the
     *         read-only registry needs
     * @throws IOException when the port cannot be had
     */
    public static JmxRemoteServer start(MBeanServer mbeanServer, Settings s, JmxPolicy policy) throws IOException {
        InetAddress address = InetAddress.getByName(s.host());
        checkSecurity(s);
        ReadOnlyRegistry.constructor();
        Sockets sockets = Sockets.of(address, s.tls());
        int port = s.port() == 0 ? freePort(address) : s.port();
        advertise(s.host(), address);
        Map<String, Object> env = environment(s, sockets);
        env.put(RMIConnectorServer.SERIAL_FILTER_PATTERN, CallFilter.PATTERN);
        Bound bound = bind(new JMXServiceURL("rmi", s.host(), port), env, sockets, mbeanServer, policy);
        JmxRemoteServer started = new JmxRemoteServer(bound.registry(), bound.server(), s.host(), port,
                s.passwordFile() != null, address.isLoopbackAddress(), s.tls());
        started.logSecurity();
        return started;
    }

    /**
     * The sockets of the registry and the connector: one server socket factory for both, so that RMI
     * shares one listening socket between them (and every client connection object it exports), and the
     * client socket factory that goes into the stubs (null for clear text).
     */
    private record Sockets(RMIServerSocketFactory server, RMIClientSocketFactory client) {

        /** Every TLS mistake is refused here, before anything listens. */
        static Sockets of(InetAddress address, TlsSettings tls) {
            if (tls == null) {
                return new Sockets(new BoundServerSocketFactory(address), null);
            }
            SSLContext ssl = TlsContexts.build(tls);
            // Clients connect with TLS, using their own javax.net.ssl.* settings.
            return new Sockets(new SslBoundServerSocketFactory(address, ssl, tls.needClientAuth()),
                    new SslRMIClientSocketFactory());
        }
    }

    /** The stub a client downloads names this host: it must be the address we listen on. */
    private static void advertise(String host, InetAddress address) {
        if (System.getProperty("java.rmi.server.hostname") == null && !address.isAnyLocalAddress()) {
            System.setProperty("java.rmi.server.hostname", host);
        }
    }

    /** The connector's environment: its sockets, what may be deserialized before login, and who may log in. */
    private static Map<String, Object> environment(Settings s, Sockets sockets) {
        Map<String, Object> env = new HashMap<>();
        env.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, sockets.server());
        if (sockets.client() != null) {
            env.put(RMIConnectorServer.RMI_CLIENT_SOCKET_FACTORY_ATTRIBUTE, sockets.client());
        }
        env.put(RMIConnectorServer.CREDENTIALS_FILTER_PATTERN, CREDENTIALS_FILTER);
        if (s.passwordFile() != null) {
            env.put(PASSWORD_FILE, s.passwordFile().toString());
            env.put(ACCESS_FILE, s.accessFile().toString());
            env.put(HASH_PASSWORDS, "false");
        }
        return env;
    }

    /** A started connector and the registry that serves its stub. */
    private record Bound(RMIConnectorServer server, Registry registry) {
    }

    /**
     * Starts the connector on the port, puts the policy and then the audit in front of the MBean server,
     * and only then serves its stub from a read-only registry on the same port (one listening socket, as
     * the socket factories are equal): no client can reach the connector without them. Stops the connector
     * again when anything fails.
     */
    private static Bound bind(JMXServiceURL url, Map<String, Object> env, Sockets sockets, MBeanServer mbeanServer,
                              JmxPolicy policy) throws IOException {
        RMIJRMPServerImpl rmiServer = new RMIJRMPServerImpl(url.getPort(), sockets.client(), sockets.server(), env);
        RMIConnectorServer server = new RMIConnectorServer(url, env, rmiServer, mbeanServer);
        try {
            server.start();
        } catch (IOException e) {
            throw new IOException("cannot listen for JMX on " + url.getHost() + ":" + url.getPort() + ": "
                    + e.getMessage() + " (is another agent or program using that port? choose another with "
                    + "--jmx-port)", e);
        }
        try {
            // start() put the access-file controller in front of the MBean server; each forwarder set later
            // goes in front of what is there: the policy, then the audit, which so sees every refusal.
            server.setMBeanServerForwarder(PolicyForwarder.create(policy, mbeanServer));
            server.setMBeanServerForwarder(AuditForwarder.create());
            server.addNotificationListener(JmxRemoteServer::logConnection, null, null);
            Registry registry = ReadOnlyRegistry.create(url.getPort(), sockets.client(), sockets.server(), BINDING,
                    rmiServer.toStub());
            return new Bound(server, registry);
        } catch (IOException | RuntimeException e) {
            try {
                server.stop();
            } catch (IOException | RuntimeException stop) {
                e.addSuppressed(stop);
            }
            throw e;
        }
    }

    private void logSecurity() {
        if (tls != null) {
            LOG.info("JMX over TLS on {}:{} (registry and connector){}", host, port,
                    tls.needClientAuth() ? ", client certificates required" : "");
        }
        if (authenticated) {
            return;
        }
        if (isClientCertificateRequired()) {
            LOG.warn("JMX clients are authenticated by their TLS certificate only: every client the truststore "
                    + "trusts can change domains, and the audit log names it anonymous (add a password and an "
                    + "access file for roles and named users)");
        } else {
            LOG.warn("JMX authentication is off (jmx.insecure): anyone who can reach {}:{} can change every domain, "
                    + "and through the JVM's own MBeans act as the agent's user", host, port);
        }
    }

    /** Who connects and leaves: the connection id names the client's address and user. */
    private static void logConnection(Notification n, Object handback) {
        if (n instanceof JMXConnectionNotification c) {
            switch (c.getType()) {
                case JMXConnectionNotification.OPENED -> LOG.info("JMX client connected: {}", c.getConnectionId());
                case JMXConnectionNotification.CLOSED -> LOG.info("JMX client disconnected: {}", c.getConnectionId());
                case JMXConnectionNotification.FAILED -> LOG.info("JMX client connection failed: {}: {}",
                        c.getConnectionId(), c.getMessage());
                default -> LOG.debug("JMX connection {}: {}", c.getType(), c.getConnectionId());
            }
        }
    }

    /**
     * No connector without authentication unless asked for by name ({@code insecure}), or unless TLS client
     * certificates are the authentication; login files are checked as a pair ({@link LoginFiles}).
     */
    private static void checkSecurity(Settings s) {
        if (s.passwordFile() == null && s.accessFile() != null) {
            throw new IllegalArgumentException("an access file (" + s.accessFile() + ") was given without a password "
                    + "file: give --jmx-password-file too, or neither");
        }
        boolean clientCertificates = s.tls() != null && s.tls().needClientAuth();
        if (s.passwordFile() != null) {
            LoginFiles.load(s.passwordFile(), s.accessFile(), "JMX");
        } else if (!s.insecure() && !clientCertificates) {
            throw new IllegalArgumentException("refusing to serve JMX on " + s.host() + " without authentication: "
                    + "give --jmx-password-file and --jmx-access-file (or neither, and the agent generates logins in "
                    + "its state directory), require TLS client certificates (--jmx-ssl-need-client-auth), or set "
                    + "jmx.insecure=true (--jmx-insecure true) to let everyone who reaches the port in");
        }
    }

    private static int freePort(InetAddress address) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, address)) {
            return s.getLocalPort();
        }
    }

    /**
     * {@code service:jmx:rmi:///jndi/rmi://HOST:PORT/jmxrmi}, what JMX clients take; with TLS they
     * also need {@link #tlsClientEnvironment()}.
     */
    public JMXServiceURL address() {
        try {
            return new JMXServiceURL("service:jmx:rmi:///jndi/rmi://" + host + ":" + port + "/jmxrmi");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    /** Whether the registry and the connector speak TLS. */
    public boolean isTls() {
        return tls != null;
    }

    /** Whether TLS clients must present a certificate the truststore trusts. */
    public boolean isClientCertificateRequired() {
        return tls != null && tls.needClientAuth();
    }

    /**
     * How clients are kept out, for the start-up message: {@code password and access files in force},
     * {@code no authentication (jmx.insecure): every local user may connect}, {@code TLS, client certificates
     * required, ...}.
     */
    public String securitySummary() {
        List<String> parts = new ArrayList<>();
        if (tls != null) {
            parts.add("TLS");
        }
        if (isClientCertificateRequired()) {
            parts.add("client certificates required");
        }
        if (authenticated) {
            parts.add("password and access files in force");
        } else if (!isClientCertificateRequired()) {
            parts.add(loopback ? "no authentication (jmx.insecure): every local user may connect"
                    : "no authentication: open to the network (jmx.insecure)");
        }
        return String.join(", ", parts);
    }

    /**
     * The JConsole command for this connector. With TLS JConsole must be given {@code HOST:PORT},
     * not the service URL: only then does it look the registry up over TLS (it tries TLS first and
     * checks that the connector's stub is TLS too); with a service URL it would look it up in clear
     * text and fail. The truststore (and, with client certificates, the keystore) are the client's.
     */
    public String jconsoleCommand() {
        if (tls == null) {
            return "jconsole " + address();
        }
        String flags = "-J-Djavax.net.ssl.trustStore=CLIENT_TRUSTSTORE -J-Djavax.net.ssl.trustStorePassword=PASSWORD ";
        if (isClientCertificateRequired()) {
            flags += "-J-Djavax.net.ssl.keyStore=CLIENT_KEYSTORE -J-Djavax.net.ssl.keyStorePassword=PASSWORD ";
        }
        return "jconsole " + flags + hostPort();
    }

    private String hostPort() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (IOException e) {
            LOG.warn("stopping the JMX connector: {}", e.toString());
        }
        unexport(registry);
    }

    private static void unexport(Registry registry) {
        try {
            UnicastRemoteObject.unexportObject(registry, true);
        } catch (NoSuchObjectException e) {
            // already gone
        }
    }
}
