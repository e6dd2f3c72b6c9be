package org.vcpuagent.client;

import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnector;
import javax.management.remote.rmi.RMIServer;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.rmi.NotBoundException;
import java.rmi.registry.LocateRegistry;
import java.rmi.server.RMIClientSocketFactory;
import java.util.Map;

/**
 * The usual JMX address, {@code service:jmx:rmi:///jndi/rmi://HOST:PORT/NAME}, reached without
 * JNDI: the RMI registry at HOST:PORT is asked for NAME directly, which is what JNDI's rmi
 * provider does too, without the naming machinery and the connector-provider search that
 * {@link JMXConnectorFactory} starts with. This takes a noticeable part off the client's start-up.
 * Any other address goes through {@link JMXConnectorFactory} as usual.
 */
final class RmiRegistryAddress {

    private static final String JNDI_RMI = "/jndi/rmi://";
    /** The JNDI environment key that makes the rmi provider reach the registry with these sockets. */
    private static final String JNDI_SOCKET_FACTORY = "com.sun.jndi.rmi.factory.socket";
    /** RMIConnector's check that the connector's stub uses {@code SslRMIClientSocketFactory}. */
    private static final String CHECK_STUB = "jmx.remote.x.check.stub";

    final String host;
    final int port;
    final String name;

    private RmiRegistryAddress(String host, int port, String name) {
        this.host = host;
        this.port = port;
        this.name = name;
    }

    /**
     * Connects to {@code address} with {@code env}, as {@link JMXConnectorFactory#connect} does.
     *
     * @param sockets null for clear text; otherwise what the registry lookup connects with (the
     *                connector's stub brings its own from the agent)
     */
    static JMXConnector connect(JMXServiceURL address, Map<String, Object> env, RMIClientSocketFactory sockets)
            throws IOException {
        if (sockets != null) {
            // The JNDI route reaches the registry through this key; both routes check that the
            // connector's stub is TLS too, so that no login goes out in clear text.
            env.put(JNDI_SOCKET_FACTORY, sockets);
            env.put(CHECK_STUB, "true");
        }
        RmiRegistryAddress registry = of(address);
        if (registry == null) {
            return JMXConnectorFactory.connect(address, env);
        }
        RMIServer server;
        try {
            server = (RMIServer) LocateRegistry.getRegistry(registry.host, registry.port, sockets).lookup(registry.name);
        } catch (NotBoundException e) {
            throw new IOException("the RMI registry at " + registry.host + ":" + registry.port + " has no '"
                    + registry.name + "'", e);
        } catch (ClassCastException e) {
            throw new IOException("'" + registry.name + "' in the RMI registry at " + registry.host + ":"
                    + registry.port + " is not a JMX connector", e);
        }
        RMIConnector connector = new RMIConnector(server, env);
        connector.connect(env);
        return connector;
    }

    /** The registry named by a plain {@code service:jmx:rmi:///jndi/rmi://HOST:PORT/NAME}, else null. */
    static RmiRegistryAddress of(JMXServiceURL address) {
        String path = address.getURLPath();
        if (!"rmi".equals(address.getProtocol()) || !address.getHost().isEmpty() || address.getPort() != 0
                || !path.startsWith(JNDI_RMI)) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(path.substring("/jndi/".length()));
        } catch (URISyntaxException e) {
            return null;
        }
        String name = uri.getPath() == null ? "" : uri.getPath();
        name = name.startsWith("/") ? name.substring(1) : name;
        if (uri.getHost() == null || uri.getPort() < 0 || name.isEmpty() || name.contains("/")
                || uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null) {
            return null;
        }
        return new RmiRegistryAddress(uri.getHost(), uri.getPort(), name);
    }
}
