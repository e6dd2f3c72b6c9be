package org.vcpuagent.qemu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.common.ObjectNames;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.testsupport.CloseAll;
import org.vcpuagent.testsupport.JmxAwait;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A domain whose libvirt calls are held delays nothing else: with one of two real guests held (see
 * {@link HeldDomain}), reads of both guests' vCPU beans over JMX answer while it is held, the other guest's
 * snapshot keeps being taken, a change to the other guest takes effect, and the held guest is marked stale where
 * its figures really are late; once released, the held guest's snapshot is taken again and is no longer stale.
 * What is held and what took effect is checked on the test's own libvirt connection (virsh) and in /proc.
 */
@Tag("qemu")
class HungDomainTest {

    private static final String HELD = "vcpu-agent-hung-held";
    private static final String OTHER = "vcpu-agent-hung-other";
    private static final Duration LIMIT = Duration.ofSeconds(20);

    private static RealGuest held;
    private static RealGuest other;
    private static TestAgent agent;
    private static MBeanServerConnection jmx;

    @BeforeAll
    static void start() throws Exception {
        RealGuest.assumeAvailable();
        try {
            held = RealGuest.start(HELD);
            other = RealGuest.start(OTHER);
            agent = TestAgent.start(RealGuest.URI, "2s");
            jmx = agent.admin();
            JmxAwait.registered(jmx, vcpu(HELD), true, LIMIT);
            JmxAwait.registered(jmx, vcpu(OTHER), true, LIMIT);
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        CloseAll.inOrder(agent, held, other);
    }

    private static ObjectName vcpu(String domain) {
        return ObjectNames.vcpu(null, domain, 0);
    }

    @Test
    void aSaveIntoAnUnreadFifoHoldsTheJobAndDelaysNothingElse(@TempDir Path dir) throws Exception {
        try (HeldDomain job = HeldDomain.savingToUnreadFifo(held, dir)) {
            long heldAt = System.currentTimeMillis();
            othersGoOn(heldAt, "1");
            // libvirt answers reads while it holds the save job, so the held domain's snapshot moves too.
            awaitSnapshotAfter(HELD, heldAt);
            assertTrue(job.jobHeld(), "the save job ended while the reads ran");
            assertEquals(Boolean.FALSE, jmx.getAttribute(vcpu(HELD), "StatsStale"));
            System.out.println("save job held: " + RealGuest.virsh("domstate", HELD, "--reason").trim());
        }
        awaitRunning(HELD);
    }

    @Test
    void aStoppedQemuMarksItsDomainStaleAndDelaysNothingElse() throws Exception {
        try (HeldDomain qemu = HeldDomain.withQemuStopped(held)) {
            long stoppedAt = System.currentTimeMillis();
            try {
                JmxAwait.until(HELD + " was not marked stale", Duration.ofSeconds(60),
                        () -> (Boolean) jmx.getAttribute(vcpu(HELD), "StatsStale"));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; virsh domcontrol " + HELD + ": "
                        + RealGuest.virsh("domcontrol", HELD).trim(), e);
            }
            String reason = (String) jmx.getAttribute(vcpu(HELD), "StatsStaleReason");
            System.out.println(HELD + " stale: " + reason);
            assertTrue(reason.contains("QEMU"), reason);
            othersGoOn(stoppedAt, "0");
            assertNotNull(jmx.getAttribute(vcpu(HELD), "CpuTimeNanos"));
            assertTrue(qemu.qemuStopped(), "QEMU of " + HELD + " was resumed while the reads ran");
        }
        long resumedAt = System.currentTimeMillis();
        JmxAwait.until(HELD + " stayed stale after QEMU resumed", Duration.ofSeconds(40),
                () -> !(Boolean) jmx.getAttribute(vcpu(HELD), "StatsStale"));
        awaitSnapshotAfter(HELD, resumedAt);
        assertNull(jmx.getAttribute(vcpu(HELD), "StatsStaleReason"));
    }

    /**
     * With the held domain held: the other domain's snapshot is taken after {@code heldAt}, is not stale, and a pin
     * made through JMX shows in libvirt; the held domain's beans answer.
     */
    private static void othersGoOn(long heldAt, String cpu) throws Exception {
        awaitSnapshotAfter(OTHER, heldAt);
        assertEquals(Boolean.FALSE, jmx.getAttribute(vcpu(OTHER), "StatsStale"));
        assertNotNull(jmx.getAttribute(vcpu(HELD), "StatsAgeMillis"));
        jmx.invoke(DomainVcpuBean.objectName(OTHER), "pinVcpu", new Object[] {0, cpu},
                new String[] {"int", String.class.getName()});
        String pins = RealGuest.virsh("vcpupin", OTHER, "0", "--live");
        assertTrue(pins.matches("(?s).*\\b0\\s+" + cpu + "\\s.*"), "virsh vcpupin after pinVcpu(0, " + cpu + "): " + pins);
        JmxAwait.until("the vCPU bean of " + OTHER + " did not follow the pin", LIMIT,
                () -> cpu.equals(jmx.getAttribute(vcpu(OTHER), "Affinity")));
        awaitSnapshotAfter(OTHER, System.currentTimeMillis());
    }

    /** Waits until {@code domain}'s snapshot was taken after {@code epochMillis}, from its age as JMX reads it. */
    private static void awaitSnapshotAfter(String domain, long epochMillis) throws Exception {
        JmxAwait.until("no snapshot of " + domain + " was taken after " + epochMillis, LIMIT, () -> {
            long age = (Long) jmx.getAttribute(vcpu(domain), "StatsAgeMillis");
            return System.currentTimeMillis() - age > epochMillis;
        });
    }

    private static void awaitRunning(String domain) throws Exception {
        JmxAwait.until(domain + " did not run again", LIMIT,
                () -> RealGuest.virsh("domstate", domain).trim().equals("running"));
        assertFalse(RealGuest.virsh("domjobinfo", domain).contains("Save"));
    }
}
