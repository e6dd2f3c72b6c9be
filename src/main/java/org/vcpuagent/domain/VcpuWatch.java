package org.vcpuagent.domain;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.model.QemuVcpu;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Change detection for one domain: what the last look saw, a pending unplug, and whether libvirt's own
 * answers can be trusted. Owned by the connection's owner thread: every method here runs on it, and other
 * threads see only the {@link VcpuView} it publishes.
 *
 * <p>libvirt 9.0 gives up on a vCPU unplug after 5 s ("vcpu unplug request timed out") although the guest
 * and QEMU go on to remove the vCPU. From then on libvirt keeps the removed vCPU in its count and in
 * {@code domstats}, and {@code virDomainGetVcpus} fails until libvirtd or the domain restarts. The watch
 * notices that ("libvirt is stale"), takes the count from QEMU ({@code query-cpus-fast}) instead, follows the
 * unplug until the count stops moving, and trusts libvirt again once it agrees with QEMU.
 */
final class VcpuWatch {

    private static final Logger LOG = LoggerFactory.getLogger(VcpuWatch.class);

    /** An unplug has settled when the count has not moved for this long ... */
    static final Duration SETTLE_QUIET = Duration.ofSeconds(3);
    /** ... or when it has been pending this long, whatever the count does. */
    static final Duration SETTLE_LIMIT = Duration.ofMinutes(2);
    /** What {@link #qemuCountOrLibvirt()} gives while QEMU does not answer in time. */
    private static final int QEMU_LATE = -1;

    private final DomainCalls domain;
    private final Supplier<HostInfo> host;
    private final StatsCache stats;
    private final VcpuChangeListener listener;
    private final Clock clock;
    /** Written by the owner thread only; volatile so that readers on JMX threads see each whole view. */
    private volatile VcpuView view = VcpuView.FIRST;
    /** When the accepted count was asked for (System.nanoTime): an answer asked for earlier is out of date. */
    private long countAskedAt = Long.MIN_VALUE;

    /** @param clock what "3 s without a change" of a pending unplug is measured by */
    VcpuWatch(DomainCalls domain, Supplier<HostInfo> host, StatsCache stats, VcpuChangeListener listener,
              Clock clock) {
        this.clock = clock;
        this.domain = domain;
        this.host = host;
        this.stats = stats;
        this.listener = listener;
    }

    VcpuView view() {
        return view;
    }

    /**
     * Looks again: the count (from QEMU, following the unplug, while libvirt is stale or an unplug is
     * pending), then the pinning when due. A look that asked libvirt while a change ran counts as older.
     */
    void look(Look depth) {
        if (needsFollowing()) {
            follow();
        } else {
            TimedCount seen = countFor(depth);
            if (seen != null) {
                observeCount(seen);
            }
        }
        if (depth == Look.THOROUGH || view.pins() == null) {
            observePins(domain.pins(host.get().mapLength()));
        }
    }

    /** After a count change libvirt made: the count it has now. */
    int countChangeMade(long answeredAt) {
        int seen = qemuCountOrLibvirtWhenLate();
        observeCount(new TimedCount(seen, answeredAt));
        return seen;
    }

    /**
     * After libvirt timed out on an unplug from {@code from} to {@code target}: the unplug is pending, not
     * failed; the guest usually completes it, and the following looks follow it to the end.
     */
    CountChange unplugTimedOut(int from, int target, String libvirtMessage, long answeredAt) {
        Instant now = clock.instant();
        markStale("the unplug from " + from + " to " + target + " vCPUs timed out in libvirt at " + now
                + " (" + libvirtMessage + ")");
        int seen = qemuCountOrLibvirtWhenLate();
        publish(view.withPending(new PendingUnplug(from, target, now, seen, now)));
        String message = "unplug pending, not failed: libvirt stopped waiting for domain '" + domain.name()
                + "' to release vCPUs (" + libvirtMessage + "). The count is " + seen
                + " now; the agent follows it and announces the outcome (libvirt.vcpu.unplug.settled).";
        listener.unplugPending(message);
        observeCount(new TimedCount(seen, answeredAt));
        return new CountChange(true, seen, message);
    }

    /** After a pin made through the agent. */
    void pinsChanged() {
        observePins(domain.pins(host.get().mapLength()));
    }

    /** Whether the periodic tick should follow this domain: an unplug is pending or libvirt is stale. */
    boolean needsFollowing() {
        VcpuView v = view;
        return v.pending() != null || v.isStale();
    }

    // --- the count ---

    private record TimedCount(int count, long askedAtNanos) {
    }

    /**
     * A thorough look asks virDomainGetVcpus (which fails once libvirt is stale), then the count. A quick
     * look takes vcpu.current from the connection's last bulk statistics and asks virDomainGetVcpus only when
     * they show a vCPU without CPU time, the mark of a vCPU thread libvirt lost. Without vCPU statistics
     * (libvirt's test driver) a quick look asks the count alone. Null while libvirt is stale and QEMU does not
     * answer in time: nothing is concluded from a question left unanswered.
     */
    private TimedCount countFor(Look depth) {
        StatsCache.Reading cached = depth == Look.THOROUGH ? null
                : stats.reading(domain.uuid()).filter(r -> r.stats().hasVcpuGroup()).orElse(null);
        if (depth == Look.THOROUGH || (cached != null && cached.stats().showsVcpuWithoutTime())) {
            probeLibvirt();
        }
        if (cached != null && !view.isStale()) {
            return new TimedCount(cached.stats().current(), cached.askedAtNanos());
        }
        long askedAt = System.nanoTime();
        int seen = qemuCountOrLibvirt();
        return seen == QEMU_LATE ? null : new TimedCount(seen, askedAt);
    }

    private void observeCount(TimedCount seen) {
        VcpuView v = view;
        if (v.count() >= 0 && seen.askedAtNanos() - countAskedAt < 0) {
            return;
        }
        countAskedAt = seen.askedAtNanos();
        if (v.count() == seen.count()) {
            return;
        }
        publish(v.withCount(seen.count()));
        if (v.count() >= 0) {
            listener.countChanged(v.count(), seen.count());
        }
    }

    private void observePins(List<CpuMap> pins) {
        List<CpuMap> previous = view.pins();
        publish(view.withPins(pins));
        if (previous == null) {
            return;
        }
        for (int vcpu = 0; vcpu < Math.min(previous.size(), pins.size()); vcpu++) {
            if (!previous.get(vcpu).equals(pins.get(vcpu))) {
                listener.pinChanged(vcpu, previous.get(vcpu).toCpuList(), pins.get(vcpu).toCpuList());
            }
        }
    }

    /**
     * QEMU's count while libvirt is stale and QEMU answers (recorded in the view); libvirt's when QEMU cannot be
     * asked or libvirt is trusted; {@link #QEMU_LATE} while QEMU does not answer in time, the view left as it was.
     */
    private int qemuCountOrLibvirt() {
        if (view.isStale()) {
            QemuAnswer qemu = domain.qemuVcpus();
            if (qemu.isLate()) {
                return QEMU_LATE;
            }
            publish(view.withQemuVcpus(qemu.answered() ? qemu.vcpus().stream().map(QemuVcpu::cpuIndex)
                    .collect(Collectors.toSet()) : null));
            if (qemu.answered()) {
                return qemu.vcpus().size();
            }
        }
        return domain.vcpuCount();
    }

    /** As {@link #qemuCountOrLibvirt()}, with libvirt's count while QEMU does not answer: after a change libvirt made. */
    private int qemuCountOrLibvirtWhenLate() {
        int seen = qemuCountOrLibvirt();
        return seen == QEMU_LATE ? domain.vcpuCount() : seen;
    }

    // --- libvirt gone stale, and pending unplugs ---

    private void probeLibvirt() {
        if (view.isStale()) {
            return;
        }
        try {
            domain.vcpus(host.get().mapLength());
        } catch (DomainCallException e) {
            if (e.isDomainGone() || e.isConnectionLost() || e.kind() == DomainCallException.Kind.HANDLE_CLOSED) {
                throw e;
            }
            markStale("virDomainGetVcpus failed at " + clock.instant() + ": " + LibvirtDomain.libvirtMessage(e));
        }
    }

    /**
     * While an unplug is pending or libvirt is stale: the count from QEMU, the unplug advanced (and settled
     * once the count stopped moving), and libvirt trusted again once it agrees with QEMU.
     */
    private void follow() {
        int seen = qemuCountOrLibvirt();
        if (seen == QEMU_LATE) {
            // An unplug does not settle, nor libvirt regain trust, on a count nobody could read.
            return;
        }
        PendingUnplug p = view.pending();
        if (p == null) {
            trustLibvirtIfItAgrees(seen);
            observeCount(new TimedCount(seen, System.nanoTime()));
            return;
        }
        Instant now = clock.instant();
        p = p.seen(seen, now);
        publish(view.withPending(p));
        boolean quiet = Duration.between(p.stableSince(), now).compareTo(SETTLE_QUIET) >= 0;
        boolean tooLong = Duration.between(p.requestedAt(), now).compareTo(SETTLE_LIMIT) >= 0;
        if (seen == p.target() || quiet || tooLong) {
            settle(p, seen);
        } else {
            observeCount(new TimedCount(seen, System.nanoTime()));
        }
    }

    private void settle(PendingUnplug p, int seen) {
        publish(view.withPending(null));
        int libvirtCount = domain.vcpuCount();
        trustLibvirtIfItAgrees(seen);
        String message = "the unplug of domain '" + domain.name() + "' from " + p.from() + " to " + p.target()
                + " vCPUs settled at " + seen + (seen == p.target() ? "" : " (the guest released fewer vCPUs than asked)")
                + (libvirtCount == seen ? "" : "; libvirt still reports " + libvirtCount
                    + " and stays wrong until libvirtd or the domain is restarted");
        LOG.info(message);
        listener.unplugSettled(new Settlement(p, seen, libvirtCount, message));
        observeCount(new TimedCount(seen, System.nanoTime()));
    }

    /** @param seen the count just taken from QEMU (or libvirt, when QEMU cannot be asked) */
    private void trustLibvirtIfItAgrees(int seen) {
        int libvirtCount = domain.vcpuCount();
        if (view.qemuVcpus() != null && seen != libvirtCount) {
            return;
        }
        try {
            domain.vcpus(host.get().mapLength());
        } catch (DomainCallException e) {
            return;
        }
        if (view.isStale()) {
            LOG.info("libvirt's view of domain {} agrees with QEMU again ({} vCPUs)", domain.name(), libvirtCount);
        }
        publish(view.trusted());
    }

    /** Keeps the first reason: it says what made libvirt stale; later failures are its consequences. */
    private void markStale(String reason) {
        if (!view.isStale()) {
            LOG.warn("domain {}: libvirt's vCPU information is stale: {}", domain.name(), reason);
            publish(view.withStaleReason(reason));
        }
    }

    private void publish(VcpuView next) {
        view = next;
    }
}
