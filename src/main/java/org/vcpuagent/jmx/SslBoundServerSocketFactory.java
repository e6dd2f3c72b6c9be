package org.vcpuagent.jmx;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.rmi.server.RMIServerSocketFactory;
import java.util.Objects;

/**
 * {@link BoundServerSocketFactory} with TLS: RMI's listening sockets are TLS server sockets from
 * the agent's own {@link SSLContext} (never the JVM-wide {@code javax.net.ssl.*} properties), bound
 * to one address, optionally requiring a client certificate. Factories are equal when address,
 * context and client-certificate rule are, so the registry and the connector share one port.
 */
final class SslBoundServerSocketFactory implements RMIServerSocketFactory {

    private final InetAddress address;
    private final SSLContext context;
    private final boolean needClientAuth;

    SslBoundServerSocketFactory(InetAddress address, SSLContext context, boolean needClientAuth) {
        this.address = Objects.requireNonNull(address);
        this.context = Objects.requireNonNull(context);
        this.needClientAuth = needClientAuth;
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
        SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.setNeedClientAuth(needClientAuth);
            socket.bind(new InetSocketAddress(address, port), 50);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    boolean needClientAuth() {
        return needClientAuth;
    }

    @Override
    public boolean equals(Object o) {
        // One SSLContext instance is one key and trust configuration: compared by identity.
        return o instanceof SslBoundServerSocketFactory other && address.equals(other.address)
                && context == other.context && needClientAuth == other.needClientAuth;
    }

    @Override
    public int hashCode() {
        return Objects.hash(address, System.identityHashCode(context), needClientAuth);
    }
}
