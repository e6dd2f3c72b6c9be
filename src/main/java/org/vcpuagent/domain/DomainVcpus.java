package org.vcpuagent.domain;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.DomainStatsReader;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.libvirt.QemuMonitor;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.DomainVcpuStats;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.model.QemuVcpu;
import org.vcpuagent.model.VcpuInfo;
import org.vcpuagent.model.VcpuReading;
import org.vcpuagent.model.VcpuStats;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One domain's vCPUs as they really are: libvirt's answer while it can be trusted, and QEMU's own
 * answer plus libvirt's domain statistics when it cannot.
 *
 * <p>libvirt 9.0 gives up on a vCPU unplug after 5 s ("vcpu unplug request timed out") although the
 * guest and QEMU go on to remove the vCPU. From then on libvirt keeps the removed vCPU in its count
 * and in {@code domstats}, and {@code virDomainGetVcpus} fails ("cannot get CPU affinity of process
 * N: No such process") until libvirtd restarts or the domain restarts. This class notices that
 * ("libvirt is stale"), answers from QEMU ({@code query-cpus-fast}) and the domain statistics
 * instead, follows the unplug until the count stops moving, and returns to libvirt's answers once
 * libvirt agrees with QEMU again.
 */
public final class DomainVcpus {

    private static final Logger LOG = LoggerFactory.getLogger(DomainVcpus.class);

    /** An unplug has settled when the count has not moved for this long. */
    static final Duration SETTLE_QUIET = Duration.ofSeconds(3);
    /** ... or when it has been pending this long, whatever the count does. */
    static final Duration SETTLE_LIMIT = Duration.ofMinutes(2);

    private final Domain domain;
    private final Supplier<HostInfo> host;
    private final StatsCache stats;
    private volatile int maxVcpus = -1;
    /** Why libvirt's own vCPU answers are not trusted now; null while they are. */
    private volatile String staleReason;
    private volatile PendingUnplug pending;

    public DomainVcpus(Domain domain, Supplier<HostInfo> host) {
        this(domain, host, null);
    }

    /** @param stats the connection's statistics cache; null to read the statistics on every read */
    public DomainVcpus(Domain domain, Supplier<HostInfo> host, StatsCache stats) {
        this.domain = domain;
        this.host = host;
        this.stats = stats;
    }

    /** How old the wait, delay and halted figures are, in ms; 0 when read with the vCPUs. */
    public long statsAgeMillis() {
        return stats == null ? 0 : stats.ageMillis();
    }

    public Domain domain() {
        return domain;
    }

    /** The live maximum cannot change while the domain runs, so one read is enough. */
    public int maxVcpus() {
        int max = maxVcpus;
        if (max < 0) {
            max = domain.maxVcpus();
            maxVcpus = max;
        }
        return max;
    }

    /** The vCPU count: libvirt's, or QEMU's while libvirt is stale and QEMU can be asked. */
    public int count() {
        if (staleReason != null) {
            Optional<List<QemuVcpu>> qemu = qemuVcpus();
            if (qemu.isPresent()) {
                return qemu.get().size();
            }
        }
        return domain.vcpuCount();
    }

    /** {@code libvirt}, or which other sources answer and why. */
    public String dataSource() {
        String reason = staleReason;
        return reason == null ? "libvirt" : "QEMU (query-cpus-fast) and libvirt's domain statistics, because " + reason;
    }

    public boolean isLibvirtStale() {
        return staleReason != null;
    }

    public Optional<PendingUnplug> pending() {
        return Optional.ofNullable(pending);
    }

    /** One row per vCPU; from virDomainGetVcpus, or from the statistics when that call fails. */
    public List<VcpuReading> vcpus() {
        HostInfo h = host.get();
        int max = maxVcpus();
        List<VcpuInfo> infos = getVcpusOrMarkStale(h, max);
        if (infos == null) {
            return fromStatistics(h, max);
        }
        Map<Integer, VcpuStats> stats = statisticsByNumber();
        List<VcpuReading> rows = new ArrayList<>(infos.size());
        for (VcpuInfo v : infos) {
            VcpuStats s = stats.get(v.number());
            rows.add(new VcpuReading(v.number(), v.state(), v.cpuTime(), v.cpu(), v.affinity(),
                    s == null ? null : s.waitNs(), s == null ? null : s.delayNs(), s == null ? null : s.halted(),
                    VcpuReading.FROM_GET_VCPUS));
        }
        return rows;
    }

    /** A vCPU count and when it was asked for ({@link System#nanoTime()}), so an older answer cannot undo a newer one. */
    public record TimedCount(int count, long askedAtNanos) {
    }

    /**
     * The count for a look at the domain, checking on the way whether libvirt's view has gone stale
     * (for instance after an unplug someone else started timed out).
     *
     * <p>A thorough look asks libvirt: virDomainGetVcpus (which fails once libvirt is stale), then the
     * count. A quick look, the periodic refresh's, takes {@code vcpu.current} from the connection's
     * last bulk statistics and asks virDomainGetVcpus only when they show a vCPU without CPU time, the
     * mark of a vCPU thread libvirt lost: so a healthy domain costs the refresh no call of its own.
     * Without vCPU statistics (libvirt's test driver) a quick look asks the count alone.
     */
    public TimedCount lookAtCount(boolean thorough) {
        StatsCache.Reading cached = thorough || this.stats == null ? null
                : this.stats.reading(domain.uuid()).filter(r -> r.stats().hasVcpuGroup()).orElse(null);
        if (thorough || (cached != null && cached.stats().showsVcpuWithoutTime())) {
            probe();
        }
        if (cached != null && staleReason == null) {
            return new TimedCount(cached.stats().current(), cached.askedAtNanos());
        }
        long askedAt = System.nanoTime();
        return new TimedCount(count(), askedAt);
    }

    private void probe() {
        if (staleReason == null) {
            getVcpusOrMarkStale(host.get(), maxVcpus());
        }
    }

    /** virDomainGetVcpus; null, with libvirt marked stale, when it fails for any reason but a gone domain or connection. */
    private List<VcpuInfo> getVcpusOrMarkStale(HostInfo h, int max) {
        try {
            return domain.vcpus(max, h.mapLength());
        } catch (LibvirtException e) {
            if (e.isDomainGone() || e.isConnectionLost()) {
                throw e;
            }
            markStale("virDomainGetVcpus failed at " + Instant.now() + ": " + e.getLibvirtMessage());
            return null;
        }
    }

    /** The statistics enrich a reading; a driver without them (or a failure) must not spoil it. */
    private Map<Integer, VcpuStats> statisticsByNumber() {
        if (stats != null) {
            return stats.get(domain.uuid()).map(s -> s.vcpus().stream()
                    .collect(Collectors.toMap(VcpuStats::number, v -> v, (a, b) -> a))).orElse(Map.of());
        }
        try {
            return DomainStatsReader.of(domain).vcpus().stream()
                    .collect(Collectors.toMap(VcpuStats::number, s -> s, (a, b) -> a));
        } catch (LibvirtException | IllegalStateException e) {
            LOG.debug("no domain statistics for {}: {}", domain.name(), e.getMessage());
            return Map.of();
        }
    }

    private List<VcpuReading> fromStatistics(HostInfo h, int max) {
        DomainVcpuStats stats = DomainStatsReader.of(domain);
        Optional<Set<Integer>> inQemu = qemuVcpus().map(l -> l.stream().map(QemuVcpu::cpuIndex).collect(Collectors.toSet()));
        int libvirtCurrent = stats.current() == null ? max : stats.current();
        List<CpuMap> pins = pinsOrEmpty(h, max);
        List<VcpuReading> rows = new ArrayList<>();
        for (VcpuStats s : stats.vcpus()) {
            boolean exists = inQemu.map(set -> set.contains(s.number())).orElse(s.number() < libvirtCurrent);
            if (!exists) {
                continue;
            }
            CpuMap affinity = s.number() < pins.size() ? pins.get(s.number()) : h.onlineCpus();
            String state = s.stateWord() == null ? "unknown" : s.stateWord();
            rows.add(new VcpuReading(s.number(), state, s.timeNs() == null ? 0 : s.timeNs(), -1, affinity,
                    s.waitNs(), s.delayNs(), s.halted(), VcpuReading.FROM_STATS));
        }
        return rows;
    }

    private List<CpuMap> pinsOrEmpty(HostInfo h, int max) {
        try {
            return domain.vcpuPinInfo(max, h.mapLength());
        } catch (LibvirtException e) {
            return List.of();
        }
    }

    /** The configured pinning of each vCPU, up to the maximum. */
    public List<CpuMap> pins() {
        return domain.vcpuPinInfo(maxVcpus(), host.get().mapLength());
    }

    /**
     * Changes the count. A shrink that libvirt times out on is reported as pending, not as a
     * failure: the guest usually completes it, and {@link #recheck()} follows it to the end.
     *
     * @throws IllegalArgumentException when {@code count} is outside 1..MaxVcpus
     * @throws IllegalStateException    while libvirt is stale: it then refuses or silently ignores
     *                                  count changes, so none is attempted
     */
    public CountChange setCount(int count, boolean persistent) {
        int max = maxVcpus();
        if (count < 1 || count > max) {
            throw new IllegalArgumentException("vCPU count " + count + " is not allowed for domain '" + domain.name()
                    + "': give a number from 1 to " + max + " (MaxVcpus)");
        }
        String stale = staleReason;
        if (stale != null) {
            throw new IllegalStateException("the vCPU count of domain '" + domain.name() + "' cannot be changed "
                    + "now: libvirt's view of its vCPUs is stale (" + stale + "); libvirt rejects or ignores "
                    + "count changes until libvirtd or the domain is restarted. The count QEMU reports is "
                    + count());
        }
        int before = domain.vcpuCount();
        try {
            domain.setVcpus(count, persistent);
        } catch (LibvirtException e) {
            if (e.getCode() != LibvirtException.ERR_OPERATION_TIMEOUT || count >= before) {
                throw e;
            }
            Instant now = Instant.now();
            markStale("the unplug from " + before + " to " + count + " vCPUs timed out in libvirt at " + now
                    + " (" + e.getLibvirtMessage() + ")");
            int seen = count();
            PendingUnplug p = new PendingUnplug(before, count, now, seen, now);
            pending = p;
            return new CountChange(true, seen, "unplug pending, not failed: libvirt stopped waiting for domain '"
                    + domain.name() + "' to release vCPUs (" + e.getLibvirtMessage() + "). The count is " + seen
                    + " now; the agent follows it and announces the outcome (libvirt.vcpu.unplug.settled).");
        }
        int after = count();
        return new CountChange(false, after, "domain '" + domain.name() + "' has " + after
                + (after == 1 ? " vCPU" : " vCPUs"));
    }

    /**
     * Follows a pending unplug and checks whether libvirt agrees with QEMU again. Call it
     * regularly; it returns the settlement once, when the count has stopped moving.
     */
    public Optional<Settlement> recheck() {
        PendingUnplug p = pending;
        if (p == null) {
            if (staleReason != null) {
                clearStaleIfLibvirtAgrees();
            }
            return Optional.empty();
        }
        Instant now = Instant.now();
        int seen = count();
        p = p.seen(seen, now);
        pending = p;
        boolean quiet = Duration.between(p.stableSince(), now).compareTo(SETTLE_QUIET) >= 0;
        boolean tooLong = Duration.between(p.requestedAt(), now).compareTo(SETTLE_LIMIT) >= 0;
        if (seen != p.target() && !quiet && !tooLong) {
            return Optional.empty();
        }
        pending = null;
        int libvirtCount = domain.vcpuCount();
        clearStaleIfLibvirtAgrees();
        String message = "the unplug of domain '" + domain.name() + "' from " + p.from() + " to " + p.target()
                + " vCPUs settled at " + seen + (seen == p.target() ? "" : " (the guest released fewer vCPUs than asked)")
                + (libvirtCount == seen ? "" : "; libvirt still reports " + libvirtCount
                    + " and stays wrong until libvirtd or the domain is restarted");
        LOG.info(message);
        return Optional.of(new Settlement(p, seen, libvirtCount, message));
    }

    private void clearStaleIfLibvirtAgrees() {
        Optional<List<QemuVcpu>> qemu = qemuVcpus();
        int libvirtCount = domain.vcpuCount();
        if (qemu.isPresent() && qemu.get().size() != libvirtCount) {
            return;
        }
        try {
            domain.vcpus(maxVcpus(), host.get().mapLength());
        } catch (LibvirtException e) {
            return;
        }
        if (staleReason != null) {
            LOG.info("libvirt's view of domain {} agrees with QEMU again ({} vCPUs)", domain.name(), libvirtCount);
        }
        staleReason = null;
    }

    /** Keeps the first reason: it says what made libvirt stale; later failures are its consequences. */
    private void markStale(String reason) {
        if (staleReason == null) {
            LOG.warn("domain {}: libvirt's vCPU information is stale: {}", domain.name(), reason);
            staleReason = reason;
        }
    }

    /** QEMU's vCPUs, when this is a QEMU domain and the monitor answers. */
    private Optional<List<QemuVcpu>> qemuVcpus() {
        if (!QemuMonitor.isAvailable()) {
            return Optional.empty();
        }
        try {
            return Optional.of(QemuMonitor.queryCpusFast(domain));
        } catch (RuntimeException e) {
            LOG.debug("QEMU monitor of {} not usable: {}", domain.name(), e.getMessage());
            return Optional.empty();
        }
    }
}
