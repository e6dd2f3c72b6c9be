package org.vcpuagent.prometheus;

import org.vcpuagent.domain.DomainVcpus;

import java.util.List;

/**
 * What {@link VcpuMetrics} reads of one libvirt connection: what its owner thread last published. Every
 * method is called on the HTTP server's threads and must neither block nor ask libvirt.
 */
public interface SnapshotSource {

    /** The connection's alias, the {@code connection} label; null when the agent has only this connection. */
    String alias();

    /** Whether the agent holds a working connection to libvirt now ({@code libvirt_up}). */
    boolean connected();

    /** How many host CPUs libvirt's CPU maps cover; 0 before the connection's first look. */
    int presentCpus();

    /** The registered domains, in the order they were registered. */
    List<DomainVcpus> domains();
}
