package org.vcpuagent.domain;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.HostInfo;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Change detection without JMX and without a hypervisor that times out: the pending-unplug and stale-libvirt
 * paths, which a real libvirt produces only with a real guest that is slow to release a vCPU (the qemu-tagged
 * tests do that end to end). Here libvirt's and QEMU's answers are scripted and time is moved by hand.
 */
class VcpuWatchTest {

    private static final HostInfo HOST = new HostInfo("x86_64", 1 << 20, 8, 2000, 1, 1, 4, 2, 8, CpuMap.all(8));

    private final ScriptedDomain domain = new ScriptedDomain(4, 4);
    private final RecordedChanges changes = new RecordedChanges();
    private final MovableClock clock = new MovableClock();
    private VcpuWatch watch;

    @BeforeEach
    void firstLook() {
        watch = new VcpuWatch(domain, () -> HOST, new StatsCache(), changes, clock);
        watch.look(Look.THOROUGH);
        assertEquals(List.of(), changes.take(), "the first look only sets the baseline");
        assertEquals(4, watch.view().count());
    }

    @Test
    void countChangesMadeOutsideAreReportedOnceEach() {
        domain.libvirtCount = 2;
        watch.look(Look.QUICK);
        assertEquals(List.of("count 4 -> 2"), changes.take());
        watch.look(Look.QUICK);
        assertEquals(List.of(), changes.take(), "no change, no notification");
        domain.libvirtCount = 3;
        watch.look(Look.THOROUGH);
        assertEquals(List.of("count 2 -> 3"), changes.take());
    }

    @Test
    void aShrinkTheAgentMadeAndLibvirtConfirmedIsReportedWithTheNewCount() {
        domain.libvirtCount = 2;
        assertEquals(2, watch.countChangeMade(System.nanoTime()));
        assertEquals(List.of("count 4 -> 2"), changes.take());
        assertFalse(watch.needsFollowing());
    }

    @Test
    void aPinChangeSeenByAThoroughLookNamesTheVcpuAndBothCpuLists() {
        domain.pins.set(1, CpuMap.parse("2-3", 8));
        watch.look(Look.QUICK);
        assertEquals(List.of(), changes.take(), "a quick look reads no pinning once it has a baseline");
        watch.look(Look.THOROUGH);
        assertEquals(List.of("pin 1 0-7 -> 2-3"), changes.take());
    }

    @Test
    void aPendingUnplugThatReachesItsTargetSettlesAtOnce() {
        CountChange c = timedOutShrinkTo(2, 3);
        assertTrue(c.pending());
        assertEquals(3, c.count());
        assertEquals(List.of("pending", "count 4 -> 3"), changes.take());
        domain.qemuCount = 2;
        watch.look(Look.QUICK);
        assertEquals(List.of("settled at 2", "count 3 -> 2"), changes.take());
        Settlement s = changes.settlements().get(0);
        assertTrue(s.reachedTarget());
        assertEquals(4, s.libvirtCount(), "libvirt still counts the vCPU QEMU removed");
        assertTrue(s.message().contains("libvirt still reports 4"), s.message());
        assertNull(watch.view().pending());
    }

    @Test
    void aPendingUnplugThatStopsAboveItsTargetSettlesAfterTheQuietTime() {
        timedOutShrinkTo(2, 3);
        changes.take();
        watch.look(Look.QUICK);
        assertEquals(List.of(), changes.take(), "still moving: not settled yet");
        clock.advance(VcpuWatch.SETTLE_QUIET);
        watch.look(Look.QUICK);
        assertEquals(List.of("settled at 3"), changes.take());
        assertTrue(changes.settlements().get(0).message().contains("released fewer vCPUs than asked"));
    }

    @Test
    void aPendingUnplugThatGoesBelowItsTargetSettlesWhereTheGuestStopped() {
        timedOutShrinkTo(2, 3);
        changes.take();
        domain.qemuCount = 1;
        watch.look(Look.QUICK);
        assertEquals(List.of("count 3 -> 1"), changes.take());
        clock.advance(VcpuWatch.SETTLE_QUIET);
        watch.look(Look.QUICK);
        assertEquals(List.of("settled at 1"), changes.take());
        assertFalse(changes.settlements().get(0).reachedTarget());
    }

    @Test
    void anOutsideGrowDuringAPendingUnplugIsReportedAndTheUnplugSettlesOnTheNewCount() {
        timedOutShrinkTo(2, 3);
        changes.take();
        clock.advance(Duration.ofSeconds(2));
        domain.qemuCount = 4;
        watch.look(Look.QUICK);
        assertEquals(List.of("count 3 -> 4"), changes.take());
        clock.advance(Duration.ofSeconds(2));
        watch.look(Look.QUICK);
        assertEquals(List.of(), changes.take(), "the grow restarted the quiet time");
        clock.advance(Duration.ofSeconds(1));
        watch.look(Look.QUICK);
        assertEquals(List.of("settled at 4"), changes.take());
    }

    @Test
    void libvirtFoundStaleByAThoroughLookIsTrustedAgainOnceItAgreesWithQemu() {
        domain.getVcpusFails = true;
        domain.qemuCount = 3;
        watch.look(Look.THOROUGH);
        assertNotNull(watch.view().staleReason());
        assertTrue(watch.view().staleReason().contains("cannot get CPU affinity"), watch.view().staleReason());
        assertEquals(List.of("count 4 -> 3"), changes.take(), "while stale the count is QEMU's");
        assertTrue(watch.needsFollowing());

        domain.getVcpusFails = false;
        domain.libvirtCount = 3;
        watch.look(Look.QUICK);
        assertNull(watch.view().staleReason(), "libvirt agrees with QEMU again");
        assertFalse(watch.needsFollowing());
        assertEquals(List.of(), changes.take());
    }

    @Test
    void aStaleLibvirtThatStillDisagreesWithQemuStaysDistrusted() {
        domain.getVcpusFails = true;
        domain.qemuCount = 3;
        watch.look(Look.THOROUGH);
        domain.getVcpusFails = false;
        watch.look(Look.QUICK);
        assertNotNull(watch.view().staleReason(), "libvirt says 4, QEMU 3");
    }

    @Test
    void aLookFollowingAnUnplugAsksQemuOnce() {
        timedOutShrinkTo(2, 3);
        int before = domain.qemuQuestions;
        watch.look(Look.QUICK);
        assertEquals(1, domain.qemuQuestions - before);
    }

    @Test
    void whileQemuDoesNotAnswerAPendingUnplugNeitherSettlesNorMovesTheCountAndResumesOnceItAnswers() {
        timedOutShrinkTo(2, 3);
        changes.take();
        domain.qemuLate = "QEMU has not answered query-cpus-fast for 3 s";
        clock.advance(VcpuWatch.SETTLE_QUIET.plusSeconds(1));
        watch.look(Look.QUICK);
        watch.look(Look.THOROUGH);
        assertEquals(List.of(), changes.take(), "nothing is concluded from an unanswered question");
        assertEquals(3, watch.view().count(), "the count stays as QEMU last gave it");
        assertNotNull(watch.view().pending(), "the unplug is still followed");
        assertEquals(java.util.Set.of(0, 1, 2), watch.view().qemuVcpus(), "QEMU's vCPUs as it last gave them");

        domain.qemuLate = null;
        domain.qemuCount = 2;
        watch.look(Look.QUICK);
        assertEquals(List.of("settled at 2", "count 3 -> 2"), changes.take());
    }

    @Test
    void aStaleLibvirtWhoseQemuDoesNotAnswerKeepsTheCountQemuLastGave() {
        domain.getVcpusFails = true;
        domain.qemuCount = 3;
        watch.look(Look.THOROUGH);
        changes.take();
        domain.qemuLate = "QEMU has not answered query-cpus-fast for 3 s";
        domain.libvirtCount = 4;
        watch.look(Look.QUICK);
        watch.look(Look.THOROUGH);
        assertEquals(List.of(), changes.take(), "libvirt's stale count is not taken for QEMU's");
        assertEquals(3, watch.view().count());
        assertNotNull(watch.view().staleReason());
    }

    /** libvirt timed out on a shrink from 4 to {@code target}; QEMU has removed vCPUs down to {@code qemuNow}. */
    private CountChange timedOutShrinkTo(int target, int qemuNow) {
        domain.qemuCount = qemuNow;
        domain.getVcpusFails = true;
        return watch.unplugTimedOut(4, target, "vcpu unplug request timed out", System.nanoTime());
    }

    private static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-12-01T12:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
