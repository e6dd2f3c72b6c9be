package org.vcpuagent.qemu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.common.ObjectNames;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.testsupport.AgentProcess;
import org.vcpuagent.testsupport.CloseAll;
import org.vcpuagent.testsupport.JmxAwait;

import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A domain whose libvirt calls are held delays nothing else: with one of two real guests held (see
 * {@link HeldDomain}), reads of both guests' vCPU beans over JMX answer while it is held, the other guest's
 * snapshot keeps being taken, a change to the other guest takes effect within seconds, and the held guest is marked
 * stale where its figures really are late; a change to the held guest is refused at once when the agent knows it is
 * held, and otherwise ends with libvirt's error said plainly; once released, the held guest's snapshot is taken
 * again and is no longer stale. The same holds when libvirt is stale for the held guest, so that the agent asks its
 * QEMU (query-cpus-fast) on every tick; and an agent process stopped while a call hangs exits within a bound and
 * logs what it left. What is held and what took effect is checked on the test's own libvirt connection (virsh), in
 * /proc, and from the agent process's exit and log.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HungDomainTest {

    private static final String HELD = "vcpu-agent-hung-held";
    private static final String OTHER = "vcpu-agent-hung-other";
    private static final Duration LIMIT = Duration.ofSeconds(20);
    /** A change to the domain that is not held must take effect within this, whatever the held one does. */
    private static final Duration OTHER_CHANGE_WITHIN = Duration.ofSeconds(10);
    /** A change to a domain the agent knows is held must be refused within this. */
    private static final Duration REFUSED_WITHIN = Duration.ofSeconds(5);

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
    @Order(1)
    void aSaveIntoAnUnreadFifoHoldsTheJobAndDelaysNothingElse(@TempDir Path dir) throws Exception {
        try (HeldDomain job = HeldDomain.savingToUnreadFifo(held, dir)) {
            long heldAt = System.currentTimeMillis();
            String pinsBefore = RealGuest.virsh("vcpupin", HELD, "0", "--live");
            // The agent cannot know of the save job (QEMU answers): the pin waits libvirt's 30 s for the job.
            CompletableFuture<Object> heldPin = CompletableFuture.supplyAsync(() -> invokeForOutcome(HELD,
                    "pinVcpu", new Object[] {0, "0"}, new String[] {"int", String.class.getName()}));
            Thread.sleep(1000);
            assertFalse(heldPin.isDone(), "the pin of the saving domain did not wait for its job: " + heldPin.getNow(null));
            othersGoOn(heldAt, "1");
            // libvirt answers reads while it holds the save job, so the held domain's snapshot moves too.
            awaitSnapshotAfter(HELD, heldAt);
            assertTrue(job.jobHeld(), "the save job ended while the reads ran");
            assertEquals(Boolean.FALSE, jmx.getAttribute(vcpu(HELD), "StatsStale"));
            System.out.println("save job held: " + RealGuest.virsh("domstate", HELD, "--reason").trim());

            Object outcome = heldPin.get(45, TimeUnit.SECONDS);
            String message = refusal(outcome);
            System.out.println("pin of the saving domain: " + message);
            assertTrue(message.contains("cannot pin vCPU 0 of domain '" + HELD + "'"), message);
            assertTrue(message.contains("libvirt waited 30 s for the domain's job"), message);
            assertTrue(message.contains("nothing was changed"), message);
            assertTrue(message.contains("virsh domjobinfo " + HELD), message);
            assertTrue(message.contains("cannot acquire state change lock"), "libvirt's own words: " + message);
            assertEquals(pinsBefore, RealGuest.virsh("vcpupin", HELD, "0", "--live"));
        }
        awaitRunning(HELD);
    }

    @Test
    @Order(2)
    void aStoppedQemuMarksItsDomainStaleAndDelaysNothingElse() throws Exception {
        String pinsBefore = RealGuest.virsh("vcpupin", HELD, "--live");
        try (HeldDomain qemu = HeldDomain.withQemuStopped(held)) {
            long stoppedAt = System.currentTimeMillis();
            long[] worstAgeOfOther = {0};
            try {
                JmxAwait.until(HELD + " was not marked stale", Duration.ofSeconds(60), () -> {
                    worstAgeOfOther[0] = Math.max(worstAgeOfOther[0],
                            (Long) jmx.getAttribute(vcpu(OTHER), "StatsAgeMillis"));
                    return (Boolean) jmx.getAttribute(vcpu(HELD), "StatsStale");
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; virsh domcontrol " + HELD + ": "
                        + RealGuest.virsh("domcontrol", HELD).trim(), e);
            }
            // Whatever the owner asked of the stopped QEMU first (statistics, IOThreads), it did not wait for it.
            assertTrue(worstAgeOfOther[0] < 15_000, OTHER + "'s snapshot was " + worstAgeOfOther[0] + " ms old "
                    + "before " + HELD + " was marked stale: the owner was held");
            String reason = (String) jmx.getAttribute(vcpu(HELD), "StatsStaleReason");
            System.out.println(HELD + " stale: " + reason);
            assertTrue(reason.contains("QEMU"), reason);
            othersGoOn(stoppedAt, "0");
            assertNotNull(jmx.getAttribute(vcpu(HELD), "CpuTimeNanos"));
            // The agent knows the domain is held: its changes are refused at once, naming why and what to do.
            heldChangeIsRefusedAtOnce("pinVcpu", new Object[] {0, "1"}, new String[] {"int", String.class.getName()},
                    "cannot pin vCPU 0 of domain '" + HELD + "'");
            heldChangeIsRefusedAtOnce("setVcpus", new Object[] {2}, new String[] {"int"},
                    "cannot set the vCPU count of domain '" + HELD + "' to 2");
            assertEquals(pinsBefore, RealGuest.virsh("vcpupin", HELD, "--live"), "a refused change changed the pins");
            assertEquals("1", RealGuest.virsh("vcpucount", HELD, "--live", "--active").trim());
            assertTrue(qemu.qemuStopped(), "QEMU of " + HELD + " was resumed while the reads ran");
        }
        long resumedAt = System.currentTimeMillis();
        JmxAwait.until(HELD + " stayed stale after QEMU resumed", Duration.ofSeconds(40),
                () -> !(Boolean) jmx.getAttribute(vcpu(HELD), "StatsStale"));
        awaitSnapshotAfter(HELD, resumedAt);
        assertNull(jmx.getAttribute(vcpu(HELD), "StatsStaleReason"));
    }

    @Test
    @Order(3)
    void aStaleDomainWhoseQemuIsStoppedHoldsNoOtherDomainsRefresh() throws Exception {
        // libvirt 9.0 times out on a running guest's unplug and stays stale: the agent then asks QEMU every tick.
        jmx.setAttribute(DomainVcpuBean.objectName(HELD), new Attribute("VcpuCount", 4));
        held.waitForOnline("0-3", Duration.ofSeconds(60));
        Object outcome = jmx.invoke(DomainVcpuBean.objectName(HELD), "setVcpus", new Object[] {2}, new String[] {"int"});
        System.out.println(HELD + " setVcpus(2): " + outcome);
        assertTrue(String.valueOf(outcome).startsWith("unplug pending"), "libvirt did not time out the unplug, so "
                + "it is not stale and the agent would not ask QEMU: " + outcome);
        JmxAwait.until(HELD + " was not followed from QEMU", LIMIT, () -> isAskingQemu(HELD));
        System.out.println("the snapshot of " + OTHER + " was at most " + worstAgeOfOther(Duration.ofSeconds(10))
                + " ms old while nothing was held");
        try (HeldDomain qemu = HeldDomain.withQemuStopped(held)) {
            long stoppedAt = System.currentTimeMillis();
            // Measured from outside: the other domain's snapshot keeps being taken, at least every 10 s as always,
            // so collectors scraping every 15 s never see it late. A held owner would wait libvirt's 30 s or forever.
            long worstAge = worstAgeOfOther(Duration.ofSeconds(25));
            System.out.println("the snapshot of " + OTHER + " was at most " + worstAge + " ms old while the QEMU of "
                    + "stale " + HELD + " was stopped");
            assertTrue(worstAge < 15_000, OTHER + "'s snapshot was " + worstAge + " ms old: the owner was held");
            awaitSnapshotAfter(OTHER, stoppedAt + 20_000);
            assertEquals(Boolean.FALSE, jmx.getAttribute(vcpu(OTHER), "StatsStale"));
            assertTrue(isAskingQemu(HELD), "libvirt stopped being stale for " + HELD + " meanwhile: "
                    + jmx.getAttribute(DomainVcpuBean.objectName(HELD), "DataSource"));
            assertEquals(Boolean.TRUE, jmx.getAttribute(vcpu(HELD), "StatsStale"));
            String reason = (String) jmx.getAttribute(vcpu(HELD), "StatsStaleReason");
            System.out.println(HELD + " stale: " + reason);
            assertTrue(reason.contains("QEMU"), reason);
            timedPinOfOther("1");
            assertTrue(qemu.qemuStopped(), "QEMU of " + HELD + " was resumed while the reads ran");
        }
        JmxAwait.until(HELD + " stayed stale after QEMU resumed", Duration.ofSeconds(40),
                () -> !(Boolean) jmx.getAttribute(vcpu(HELD), "StatsStale"));
    }

    @Test
    @Order(4)
    void anAgentStoppedWhileACallHangsExitsWithinABoundAndLogsWhatItLeft(@TempDir Path dir) throws Exception {
        // A guest unplugged from by the last test: restarted, so that it is a plain running guest again.
        held.restart();
        // The in-process agent goes first: with two clients, the other one's call may be the one that waits on the
        // stopped QEMU, and the agent process would then have none of its own to leave.
        CloseAll.inOrder(agent);
        agent = null;
        jmx = null;
        Path log = dir.resolve("agent.log");
        AgentProcess process = AgentProcess.fromClassPath(List.of(), log, "--uri", RealGuest.URI,
                "--refresh-interval", "2s");
        try {
            MBeanServerConnection own = process.jmx();
            JmxAwait.registered(own, vcpu(HELD), true, LIMIT);
            try (HeldDomain qemu = HeldDomain.withQemuStopped(held)) {
                JmxAwait.until("the agent process did not mark " + HELD + " stale", Duration.ofSeconds(60),
                        () -> (Boolean) own.getAttribute(vcpu(HELD), "StatsStale"));
                process.disconnect();
                long stopped = System.nanoTime();
                process.process.destroy();
                boolean exited = process.process.waitFor(30, TimeUnit.SECONDS);
                long tookMs = (System.nanoTime() - stopped) / 1_000_000;
                String text = Files.readString(log);
                System.out.println("the agent exited " + tookMs + " ms after SIGTERM (" + exited + "); its last lines:\n"
                        + text.lines().skip(Math.max(0, text.lines().count() - 5)).collect(Collectors.joining("\n")));
                assertTrue(exited, "the agent did not exit within 30 s of SIGTERM while a call hung; log:\n" + text);
                assertTrue(text.contains("are abandoned"), text);
                assertTrue(text.contains("virConnectGetAllDomainStats") || text.contains("query-cpus-fast of domain '" + HELD + "'"),
                        "the log does not name the abandoned call: " + text);
                assertTrue(text.contains("domains whose QEMU keeps libvirt's calls waiting: " + HELD), text);
                assertTrue(text.contains("agent stopped"), "the agent did not finish stopping: " + text);
                assertTrue(qemu.qemuStopped(), "QEMU of " + HELD + " was resumed while the agent stopped");
            }
        } finally {
            process.close();
        }
        awaitRunning(HELD);
    }

    /** The oldest the other domain's snapshot was over {@code span}, read over JMX every 250 ms. */
    private static long worstAgeOfOther(Duration span) throws Exception {
        long worst = 0;
        long end = System.nanoTime() + span.toNanos();
        while (System.nanoTime() < end) {
            worst = Math.max(worst, (Long) jmx.getAttribute(vcpu(OTHER), "StatsAgeMillis"));
            Thread.sleep(250);
        }
        return worst;
    }

    /** Whether libvirt is stale for {@code domain} in the agent's eyes, so that the agent takes its count from QEMU. */
    private static boolean isAskingQemu(String domain) throws Exception {
        return String.valueOf(jmx.getAttribute(DomainVcpuBean.objectName(domain), "DataSource"))
                .contains("QEMU (query-cpus-fast)");
    }

    /** A change to the held domain, refused within {@link #REFUSED_WITHIN} with what is wrong and what to do. */
    private static void heldChangeIsRefusedAtOnce(String operation, Object[] args, String[] signature, String what) {
        long t = System.nanoTime();
        String message = refusal(invokeForOutcome(HELD, operation, args, signature));
        long ms = (System.nanoTime() - t) / 1_000_000;
        System.out.println(operation + " of held " + HELD + " refused after " + ms + " ms: " + message);
        assertTrue(ms < REFUSED_WITHIN.toMillis(), operation + " took " + ms + " ms to be refused");
        assertTrue(message.startsWith(what + ": the domain is held, nothing was changed."), message);
        assertTrue(message.contains("QEMU"), message);
        assertTrue(message.contains("virsh domcontrol " + HELD), message);
        assertTrue(message.contains("StatsStale false"), message);
    }

    /** What a JMX invocation gave: its result, or the exception it ended with. */
    private static Object invokeForOutcome(String domain, String operation, Object[] args, String[] signature) {
        try {
            return jmx.invoke(DomainVcpuBean.objectName(domain), operation, args, signature);
        } catch (Exception e) {
            return e;
        }
    }

    /** The message of the IllegalStateException a refused operation ends with; fails on anything else. */
    private static String refusal(Object outcome) {
        if (outcome instanceof RuntimeMBeanException e && e.getCause() instanceof IllegalStateException ise) {
            return ise.getMessage();
        }
        throw new AssertionError("expected a refusal (IllegalStateException), got " + outcome);
    }

    /** A pin of the other domain through JMX, which must take effect in libvirt within {@link #OTHER_CHANGE_WITHIN}. */
    private static void timedPinOfOther(String cpu) throws Exception {
        long t = System.nanoTime();
        jmx.invoke(DomainVcpuBean.objectName(OTHER), "pinVcpu", new Object[] {0, cpu},
                new String[] {"int", String.class.getName()});
        long ms = (System.nanoTime() - t) / 1_000_000;
        System.out.println("pinVcpu(0, " + cpu + ") of " + OTHER + " took " + ms + " ms while " + HELD + " was held");
        assertTrue(ms < OTHER_CHANGE_WITHIN.toMillis(), "the pin of " + OTHER + " took " + ms + " ms");
    }

    /**
     * With the held domain held: the other domain's snapshot is taken after {@code heldAt}, is not stale, and a pin
     * made through JMX takes effect in libvirt within {@link #OTHER_CHANGE_WITHIN}; the held domain's beans answer.
     */
    private static void othersGoOn(long heldAt, String cpu) throws Exception {
        awaitSnapshotAfter(OTHER, heldAt);
        assertEquals(Boolean.FALSE, jmx.getAttribute(vcpu(OTHER), "StatsStale"));
        assertNotNull(jmx.getAttribute(vcpu(HELD), "StatsAgeMillis"));
        timedPinOfOther(cpu);
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
