package org.vcpuagent.domain;

import org.vcpuagent.libvirt.DomainControl;

/**
 * When a domain's figures count as late (the snapshot's {@code staleReason} of statistics, {@code StatsStale} on
 * the vCPU beans), and the words that say why.
 */
public final class Lateness {

    /**
     * A monitor call taking longer than this is taken as a QEMU that does not answer: QEMU answers a query in far
     * less, and libvirt's own wait for a domain's job is 30 s.
     */
    public static final long QEMU_BUSY_MILLIS = 5_000;
    /**
     * Figures older than this are late: twice the scrape interval the snapshots are kept within (15 s), so a
     * snapshot round that gives way to thousands of domains is not taken for a hang.
     */
    public static final long STALE_AFTER_MILLIS = 30_000;
    /**
     * How often each domain is asked whether its QEMU keeps a call waiting when nothing points at it: as often as
     * the thorough look reads everything, one call per domain.
     */
    static final long ASK_QEMU_EVERY_NANOS = 30_000_000_000L;

    private Lateness() {
    }

    /** Why the domain's QEMU is taken not to answer, from libvirt's control info; null when it answers. */
    static String ofQemu(DomainControl c) {
        if (c.state() == DomainControl.OCCUPIED && c.stateTimeMillis() >= QEMU_BUSY_MILLIS) {
            return "QEMU has kept a libvirt call waiting for " + c.stateTimeMillis() / 1000 + " s (virsh domcontrol: "
                    + "occupied): figures that need QEMU are missing and changes wait for libvirt's 30 s";
        }
        if (c.state() == DomainControl.ERROR) {
            return "libvirt cannot talk to the domain's QEMU (virsh domcontrol: error, reason " + c.details() + ")";
        }
        return null;
    }

    /**
     * Why a change would wait libvirt's 30 s for the domain's job: a call has held it waiting for QEMU that long (see
     * {@link #ofQemu}); null otherwise. The control info's error state does not count: libvirt shows it for a moment
     * while a domain is being destroyed, and a change then gets libvirt's own answer at once.
     */
    static String ofQemuForChanges(DomainControl c) {
        return c.state() == DomainControl.OCCUPIED ? ofQemu(c) : null;
    }

    /** Why the bulk statistics are late; null while they are younger than {@link #STALE_AFTER_MILLIS}. */
    static String ofStatistics(long ageMillis) {
        return ageMillis > STALE_AFTER_MILLIS ? "libvirt's bulk statistics have not answered for " + ageMillis / 1000
                + " s: the wait, delay and halted figures are that old" : null;
    }

    /** Why a snapshot of this age is late; null while it is not. */
    public static String ofSnapshot(long ageMillis) {
        return ageMillis > STALE_AFTER_MILLIS ? "the agent has not taken this domain's snapshot for " + ageMillis / 1000
                + " s: its connection's owner is held by libvirt" : null;
    }
}
