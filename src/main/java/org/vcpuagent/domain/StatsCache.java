package org.vcpuagent.domain;

import org.vcpuagent.model.DomainVcpuStats;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * libvirt's vCPU statistics of every domain of one connection, from one bulk call
 * ({@code virConnectGetAllDomainStats}) every half second, with the time they were read.
 *
 * <p>Reading them per {@code Vcpus} read cost a second libvirtd round trip, half of the read's time;
 * one call for all domains every 500 ms costs far less, and the age is shown ({@code StatsAgeMillis}).
 */
public final class StatsCache {

    private record Snapshot(Map<String, DomainVcpuStats> byUuid, Instant readAt) {
    }

    private volatile Snapshot snapshot = new Snapshot(Map.of(), Instant.EPOCH);

    public void update(Map<String, DomainVcpuStats> byUuid) {
        snapshot = new Snapshot(Map.copyOf(byUuid), Instant.now());
    }

    public Optional<DomainVcpuStats> get(String uuid) {
        return Optional.ofNullable(snapshot.byUuid().get(uuid));
    }

    /** Milliseconds since the statistics were read; -1 before the first read. */
    public long ageMillis() {
        Instant t = snapshot.readAt();
        return t.equals(Instant.EPOCH) ? -1 : Math.max(0, System.currentTimeMillis() - t.toEpochMilli());
    }
}
