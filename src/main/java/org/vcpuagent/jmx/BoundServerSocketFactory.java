package org.vcpuagent.jmx;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.server.RMIServerSocketFactory;
import java.util.Objects;

/**
 * Binds RMI's listening sockets to one address. Equal factories let RMI put the registry and the
 * connector on the same port, which is what makes one firewall rule enough.
 */
final class BoundServerSocketFactory implements RMIServerSocketFactory {

    private final InetAddress address;

    BoundServerSocketFactory(InetAddress address) {
        this.address = address;
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new java.net.InetSocketAddress(address, port), 50);
        return socket;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BoundServerSocketFactory other && Objects.equals(address, other.address);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(address);
    }
}
