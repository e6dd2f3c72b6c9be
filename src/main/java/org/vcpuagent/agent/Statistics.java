package org.vcpuagent.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.domain.OwnerThread;
import org.vcpuagent.domain.StatsCache;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.DomainStatsReader;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.model.DomainVcpuStats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The bulk vCPU statistics of one connection ({@code virConnectGetAllDomainStats}): when to read them, and
 * which domains' {@code vcpu.current} moved since the last read (libvirt sends no event for a count change).
 * Owned by the connection's owner thread; the cache it fills is read by any thread.
 */
final class Statistics {

    private static final Logger LOG = LoggerFactory.getLogger(Statistics.class);

    /**
     * The tick reads again only after this many times the last read's duration: the bulk call costs libvirtd
     * and the agent CPU per domain, so with many domains the tick gives way (the reads then take at most a
     * quarter of a percent of the owner's time), while with a few dozen the tick reads every time.
     */
    static final int DUTY_FACTOR = 400;
    /**
     * How long the owner waits for the bulk call. Longer than the call takes at thousands of domains, far shorter
     * than libvirt's own wait for a domain's job (30 s), which a call stuck on one domain's QEMU holds.
     */
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(2);
    /** The bulk call, as the log names it when it is still unanswered as the agent stops. */
    static final String CALL = "virConnectGetAllDomainStats (the vCPU statistics of every domain)";
    /** Statistics younger than one tick serve a look as they are. */
    private static final long FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(ConnectionOwner.TICK.toMillis());

    private final String uri;
    private final StatsCache cache = new StatsCache();
    private final Map<String, Integer> lastCurrent = new HashMap<>();
    /** When the statistics were last read (never: a day ago), and how long that took; System.nanoTime. */
    private long readAt = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
    private long readNanos;
    /** The UUIDs of the active domains the last read listed; null when the last read failed or before the first. */
    private Set<String> domainsRead;
    private boolean failureLogged;

    Statistics(String uri) {
        this.uri = uri;
    }

    StatsCache cache() {
        return cache;
    }

    /** Whether the tick may read again, given what the last read cost. */
    boolean dueForTick() {
        return System.nanoTime() - readAt >= readNanos * DUTY_FACTOR;
    }

    boolean olderThanOneTick() {
        return System.nanoTime() - readAt > FRESH_NANOS;
    }

    /**
     * The UUIDs of every active domain as the last read found them (the bulk call answers for each running or
     * paused domain), or null when the last read failed or did not answer in time: then only a listing of the
     * domains can tell.
     */
    Set<String> domainsRead() {
        return domainsRead;
    }

    /**
     * Reads every domain's statistics into the cache; returns the domains whose vcpu.current changed. A read that
     * does not answer within {@link #ANSWER_WITHIN} is left to {@code late} (a domain's QEMU does not answer):
     * the next tick reads again, and that read skips the domain, whose job the first one holds.
     */
    List<String> read(Connection c, LateCalls late, OwnerThread owner) {
        Map<String, DomainVcpuStats> all;
        long askedAt = System.nanoTime();
        try {
            Optional<Map<String, DomainVcpuStats>> answer = late.call(CALL,
                    () -> DomainStatsReader.allActiveWithoutWaiting(c), ANSWER_WITHIN,
                    a -> a.ifPresent(stats -> owner.post(() -> lateAnswer(stats, askedAt))));
            if (answer.isEmpty()) {
                domainsRead = null;
                return List.of();
            }
            all = answer.get();
            readAt = askedAt;
            readNanos = System.nanoTime() - askedAt;
        } catch (LibvirtException e) {
            domainsRead = null;
            if (e.isConnectionLost()) {
                throw e;
            }
            if (!failureLogged) {
                failureLogged = true;
                LOG.warn("vCPU statistics from {} cannot be read ({}): vCPU count changes made outside the agent "
                        + "show only at the next periodic look, and the wait, delay and halted columns stay empty",
                        uri, e.getMessage());
            }
            return List.of();
        }
        cache.update(all, askedAt);
        domainsRead = all.keySet();
        List<String> changed = new ArrayList<>();
        all.forEach((uuid, s) -> {
            Integer before = lastCurrent.put(uuid, s.current());
            if (before != null && s.current() != null && !before.equals(s.current())) {
                changed.add(uuid);
            }
        });
        lastCurrent.keySet().retainAll(all.keySet());
        return changed;
    }

    /** A read that answered after the owner stopped waiting: kept if nothing newer came meanwhile. */
    private void lateAnswer(Map<String, DomainVcpuStats> all, long askedAt) {
        if (askedAt - readAt > 0) {
            readAt = askedAt;
            cache.update(all, askedAt);
        }
    }
}
