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

    private record Snapshot(Map<String, DomainVcpuStats> byUuid, Instant readAt, long readAtNanos) {
    }

    /** One domain's statistics and when they were asked for ({@link System#nanoTime()}). */
    public record Reading(DomainVcpuStats stats, long askedAtNanos) {
    }

    private volatile Snapshot snapshot = new Snapshot(Map.of(), Instant.EPOCH, 0);

    /** @param askedAtNanos {@link System#nanoTime()} just before libvirt was asked */
    public void update(Map<String, DomainVcpuStats> byUuid, long askedAtNanos) {
        snapshot = new Snapshot(Map.copyOf(byUuid), Instant.now(), askedAtNanos);
    }

    public Optional<DomainVcpuStats> get(String uuid) {
        return Optional.ofNullable(snapshot.byUuid().get(uuid));
    }

    public Optional<Reading> reading(String uuid) {
        Snapshot s = snapshot;
        return Optional.ofNullable(s.byUuid().get(uuid)).map(d -> new Reading(d, s.readAtNanos()));
    }

    /** Milliseconds since the statistics were read; -1 before the first read. */
    public long ageMillis() {
        Instant t = snapshot.readAt();
        return t.equals(Instant.EPOCH) ? -1 : Math.max(0, System.currentTimeMillis() - t.toEpochMilli());
    }
}
