package org.vcpuagent.model;

import java.time.Instant;

/**
 * What the agent last learned about one libvirt connection, published whole by the connection's owner thread.
 *
 * @param uri            the URI as libvirt resolved it (the configured one before the first connection)
 * @param libvirtVersion libvirt's version on the other end; empty before the first connection
 * @param connected      whether the agent holds a working connection
 * @param host           the host's CPUs as last read; null before the first read
 * @param lastRefresh    when the last look at the whole connection finished; null before the first
 * @param lastError      the last error met, with its time; empty after a good look
 */
public record ConnectionStatus(String uri, String libvirtVersion, boolean connected, HostInfo host,
                               Instant lastRefresh, String lastError) {

    public static ConnectionStatus configured(String uri) {
        return new ConnectionStatus(uri, "", false, null, null, "");
    }

    public ConnectionStatus connectedTo(String resolvedUri, String version) {
        return new ConnectionStatus(resolvedUri, version, true, host, lastRefresh, lastError);
    }

    public ConnectionStatus disconnected(String error) {
        return new ConnectionStatus(uri, libvirtVersion, false, host, lastRefresh, stamp(error));
    }

    public ConnectionStatus failed(String error) {
        return new ConnectionStatus(uri, libvirtVersion, connected, host, lastRefresh, stamp(error));
    }

    public ConnectionStatus refreshed(HostInfo h) {
        return new ConnectionStatus(uri, libvirtVersion, connected, h, Instant.now(), "");
    }

    private static String stamp(String error) {
        return Instant.now() + " " + error;
    }
}
