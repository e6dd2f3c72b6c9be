package org.vcpuagent.qemu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.jmx.Notifications;
import org.vcpuagent.testsupport.CloseAll;
import org.vcpuagent.testsupport.JmxAwait;
import org.vcpuagent.testsupport.JmxNames;
import org.vcpuagent.testsupport.NotificationRecorder;

import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.TabularData;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Faults a real host throws at the agent, on a real guest: libvirtd dying in the middle of a change,
 * the domain destroyed in the middle of a pin, and an unplug the guest cannot acknowledge.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultsTest {

    private static final String NAME = "vcpu-agent-faults";
    private static final ObjectName BEAN = DomainVcpuBean.objectName(NAME);
    private static final ObjectName HOST = JmxNames.parse("libvirt.vcpu:type=Host");

    private static GuestUnderAgent setup;
    private static RealGuest guest;
    private static MBeanServerConnection jmx;

    @BeforeAll
    static void start() throws Exception {
        setup = GuestUnderAgent.start(NAME);
        guest = setup.guest();
        jmx = setup.jmx();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (!RealGuest.available()) {
                LibvirtDaemon.start();
            }
        } finally {
            CloseAll.inOrder(setup);
        }
    }

    static void awaitRegistered(boolean registered, Duration limit) throws Exception {
        JmxAwait.registered(jmx, BEAN, registered, limit);
    }

    /** A guest with 4 vCPUs online; restarted first when an unplug has happened, as QEMU 7.2 requires. */
    static void fourVcpus() throws Exception {
        if (guest.vcpuThreadIds().size() != 1) {
            guest.restart();
            awaitRegistered(true, Duration.ofSeconds(5));
        }
        jmx.setAttribute(BEAN, new Attribute("VcpuCount", 4));
        guest.waitForOnline("0-3", Duration.ofSeconds(30));
    }

    @Test
    @Order(1)
    void libvirtdKilledInTheMiddleOfSetVcpusGivesAClearErrorAndTheTruthAfterTheRestart() throws Exception {
        fourVcpus();
        CompletableFuture<Object> shrink = CompletableFuture.supplyAsync(() -> {
            try {
                return jmx.invoke(BEAN, "setVcpus", new Object[] {2}, new String[] {"int"});
            } catch (Exception e) {
                return e;
            }
        });
        Thread.sleep(1000);
        LibvirtDaemon.kill();
        long killed = System.nanoTime();
        Object outcome = shrink.get(15, TimeUnit.SECONDS);
        long answeredMs = (System.nanoTime() - killed) / 1_000_000;
        System.out.println("setVcpus answered " + answeredMs + " ms after libvirtd was killed: " + outcome);
        assertTrue(outcome instanceof RuntimeMBeanException, "expected a clear error, got " + outcome);
        String message = ((RuntimeMBeanException) outcome).getCause().getMessage();
        assertTrue(message.contains("virDomainSetVcpusFlags"), message);

        JmxAwait.until("the host did not turn Connected=false", Duration.ofSeconds(15),
                () -> !(Boolean) jmx.getAttribute(HOST, "Connected"));
        LibvirtDaemon.start();
        awaitRegistered(true, Duration.ofSeconds(30));
        int qemu = guest.vcpuThreadIds().size();
        System.out.println("after the restart QEMU has " + qemu + " vCPUs; the agent says " + jmx.getAttribute(BEAN, "VcpuCount"));
        assertEquals(qemu, jmx.getAttribute(BEAN, "VcpuCount"));
        assertEquals(qemu, ((TabularData) jmx.getAttribute(BEAN, "Vcpus")).size());
    }

    @Test
    @Order(2)
    void anUnplugTheGuestCannotAcknowledgeIsPendingThenSettledWithReadsWorkingThroughout() throws Exception {
        fourVcpus();
        NotificationRecorder received = NotificationRecorder.listen(jmx, BEAN);
        RealGuest.virsh("suspend", NAME);
        try {
            CompletableFuture<Object> shrink = CompletableFuture.supplyAsync(() -> {
                try {
                    return jmx.invoke(BEAN, "setVcpus", new Object[] {3}, new String[] {"int"});
                } catch (Exception e) {
                    return e;
                }
            });
            // Reads keep answering while libvirt waits for the paused guest.
            AtomicInteger reads = new AtomicInteger();
            while (!shrink.isDone()) {
                long t = System.nanoTime();
                jmx.getAttribute(BEAN, "VcpuCount");
                jmx.getAttribute(HOST, "DomainCount");
                assertTrue(System.nanoTime() - t < Duration.ofSeconds(6).toNanos(), "a read hung during the unplug");
                reads.incrementAndGet();
                Thread.sleep(100);
            }
            Object outcome = shrink.get();
            System.out.println("paused guest, setVcpus(3): " + outcome + " (" + reads.get() + " reads meanwhile)");
            assertTrue(outcome instanceof String s && s.startsWith("unplug pending"), String.valueOf(outcome));
            assertEquals(Notifications.UNPLUG_PENDING,
                    received.awaitType(Notifications.UNPLUG_PENDING, Duration.ofSeconds(20)).getType());
            assertEquals(4, ((TabularData) jmx.getAttribute(BEAN, "Vcpus")).size(), "QEMU still has 4 while paused");
            Notification settled = received.awaitType(Notifications.UNPLUG_SETTLED, Duration.ofSeconds(20));
            System.out.println("settled while paused: " + settled.getMessage());
        } finally {
            RealGuest.virsh("resume", NAME);
        }
        // Once running, the guest finishes the unplug; the agent follows QEMU's count.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!jmx.getAttribute(BEAN, "VcpuCount").equals(guest.vcpuThreadIds().size())
                || guest.vcpuThreadIds().size() == 4) {
            if (System.nanoTime() > deadline) {
                fail("after resume: QEMU has " + guest.vcpuThreadIds().size() + ", the agent says "
                        + jmx.getAttribute(BEAN, "VcpuCount"));
            }
            Thread.sleep(200);
        }
        assertEquals(guest.vcpuThreadIds().size(), ((TabularData) jmx.getAttribute(BEAN, "Vcpus")).size());
    }

    @Test
    @Order(3)
    void aDomainDestroyedInTheMiddleOfPinningGivesCleanErrorsAndItsBeanGoesAway() throws Exception {
        if (guest.vcpuThreadIds().size() != 1) {
            guest.restart();
            awaitRegistered(true, Duration.ofSeconds(5));
        }
        AtomicInteger pinned = new AtomicInteger();
        CompletableFuture<String> pinner = CompletableFuture.supplyAsync(() -> {
            for (int i = 0; ; i++) {
                try {
                    jmx.invoke(BEAN, "pinVcpu", new Object[] {0, i % 2 == 0 ? "0" : "r"},
                            new String[] {"int", String.class.getName()});
                    pinned.incrementAndGet();
                } catch (RuntimeMBeanException e) {
                    return "error: " + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage();
                } catch (javax.management.InstanceNotFoundException e) {
                    return "gone: " + e.getMessage();
                } catch (Exception e) {
                    return "unexpected: " + e;
                }
            }
        });
        Thread.sleep(500);
        RealGuest.virsh("destroy", NAME);
        String end = pinner.get(10, TimeUnit.SECONDS);
        System.out.println(pinned.get() + " pins succeeded, then: " + end);
        // Which clean error depends on where the pin was when the domain went: libvirt's answer, or the
        // agent's withdrawal of the domain (its handle closed under the call).
        assertTrue(end.startsWith("gone: ") || end.startsWith("error: IllegalStateException: domain '" + NAME
                + "' is no longer running") || end.startsWith("error: IllegalStateException: domain '" + NAME
                + "' is no longer managed by this agent: it stopped or went away while the call ran"), end);
        awaitRegistered(false, Duration.ofSeconds(1));
        assertNotNull(jmx.getAttribute(HOST, "DomainCount"));
        RealGuest.virsh("start", NAME);
        awaitRegistered(true, Duration.ofSeconds(2));
    }
}
