package org.vcpuagent.jmx;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.MBeanServer;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.rmi.NoSuchObjectException;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.UnicastRemoteObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The JMX RMI connector: registry and connector on one fixed port, bound to one address, with the
 * JDK's standard password and access files.
 */
public final class JmxRemoteServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JmxRemoteServer.class);

    private final Registry registry;
    private final JMXConnectorServer server;
    private final String host;
    private final int port;
    private final boolean authenticated;

    private JmxRemoteServer(Registry registry, JMXConnectorServer server, String host, int port, boolean authenticated) {
        this.registry = registry;
        this.server = server;
        this.host = host;
        this.port = port;
        this.authenticated = authenticated;
    }

    /** What the connector needs to know; port 0 picks a free port. */
    public record Settings(String host, int port, Path passwordFile, Path accessFile, boolean insecure) {
    }

    public static JmxRemoteServer start(MBeanServer mbeanServer, Settings s) throws IOException {
        InetAddress address = InetAddress.getByName(s.host());
        boolean loopback = address.isLoopbackAddress();
        checkSecurity(s, address, loopback);

        int port = s.port() == 0 ? freePort(address) : s.port();
        if (System.getProperty("java.rmi.server.hostname") == null && !address.isAnyLocalAddress()) {
            // The stub a client downloads names this host; it must be the address we listen on.
            System.setProperty("java.rmi.server.hostname", s.host());
        }
        BoundServerSocketFactory sockets = new BoundServerSocketFactory(address);
        Registry registry;
        try {
            registry = LocateRegistry.createRegistry(port, null, sockets);
        } catch (IOException e) {
            throw new IOException("cannot listen for JMX on " + s.host() + ":" + port + ": " + e.getMessage()
                    + " (is another agent or program using that port? choose another with --jmx-port)", e);
        }
        Map<String, Object> env = new HashMap<>();
        env.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, sockets);
        // Only user name and password may be deserialized before authentication.
        env.put("jmx.remote.rmi.server.credential.types", new String[] {String[].class.getName(), String.class.getName()});
        boolean auth = s.passwordFile() != null;
        if (auth) {
            env.put("jmx.remote.x.password.file", s.passwordFile().toString());
            env.put("jmx.remote.x.access.file", s.accessFile().toString());
        }
        JMXConnectorServer server;
        try {
            // The connector exports itself on the registry's port and binds its stub there by name.
            JMXServiceURL url = new JMXServiceURL("service:jmx:rmi://" + s.host() + ":" + port
                    + "/jndi/rmi://" + s.host() + ":" + port + "/jmxrmi");
            server = JMXConnectorServerFactory.newJMXConnectorServer(url, env, mbeanServer);
            server.start();
        } catch (IOException | RuntimeException e) {
            UnicastRemoteObject.unexportObject(registry, true);
            throw e instanceof IOException io ? io : new IOException("cannot start the JMX connector: " + e.getMessage(), e);
        }
        JmxRemoteServer started = new JmxRemoteServer(registry, server, s.host(), port, auth);
        if (!auth) {
            LOG.warn("JMX authentication is off: anyone who can reach {}:{} can change domains", s.host(), port);
        }
        return started;
    }

    private static void checkSecurity(Settings s, InetAddress address, boolean loopback) throws IOException {
        if (s.passwordFile() == null && s.accessFile() != null) {
            throw new IllegalArgumentException("an access file (" + s.accessFile() + ") was given without a password "
                    + "file: give --jmx-password-file too, or neither");
        }
        if (s.passwordFile() != null) {
            if (s.accessFile() == null) {
                throw new IllegalArgumentException("a password file was given without an access file: give "
                        + "--jmx-access-file too, or every authenticated user could change domains");
            }
            checkReadable(s.accessFile(), "access file");
            checkOwnerOnly(s.passwordFile());
        } else if (!loopback && !s.insecure()) {
            throw new IllegalArgumentException("refusing to serve JMX on " + s.host() + " without authentication: "
                    + "give --jmx-password-file and --jmx-access-file, bind to 127.0.0.1, or set jmx.insecure=true "
                    + "if the network is trusted");
        }
    }

    private static void checkReadable(Path file, String what) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("the JMX " + what + " " + file + " does not exist or cannot be read");
        }
    }

    /** The JDK's own agent refuses a password file others can read; so do we. */
    private static void checkOwnerOnly(Path file) throws IOException {
        checkReadable(file, "password file");
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new IllegalArgumentException("the JMX password file " + file + " can be read by others ("
                        + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "): run chmod 600 " + file);
            }
        } catch (UnsupportedOperationException e) {
            LOG.warn("cannot check the permissions of {} on this file system", file);
        }
    }

    private static int freePort(InetAddress address) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, address)) {
            return s.getLocalPort();
        }
    }

    /** {@code service:jmx:rmi:///jndi/rmi://HOST:PORT/jmxrmi}, what JConsole and clients take. */
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

    public boolean isAuthenticated() {
        return authenticated;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (IOException e) {
            LOG.warn("stopping the JMX connector: {}", e.toString());
        }
        try {
            UnicastRemoteObject.unexportObject(registry, true);
        } catch (NoSuchObjectException e) {
            // already gone
        }
    }
}
