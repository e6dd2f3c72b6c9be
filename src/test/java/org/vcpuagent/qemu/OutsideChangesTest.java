package org.vcpuagent.qemu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.jmx.Notifications;

import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Changes made by someone else with virsh, which the agent must notice although its periodic refresh
 * only glances at libvirt's bulk statistics and reads no pinning.
 *
 * <p>A pin arrives through libvirt's tunable event. A shrink that libvirt times out on leaves libvirt
 * stale; the removed vCPU keeps its place in the statistics with no CPU time, which sends the agent
 * to virDomainGetVcpus, which fails, and from then on to QEMU.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OutsideChangesTest {

    private static final String NAME = "vcpu-agent-outside";
    private static final BlockingQueue<Notification> NOTIFICATIONS = new LinkedBlockingQueue<>();
    private static final ObjectName BEAN = DomainVcpuBean.objectName(NAME);

    private static RealGuest guest;
    private static TestAgent agent;
    private static JMXConnector connector;
    private static MBeanServerConnection jmx;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(RealGuest.available(), "qemu:///system does not answer: run scripts/install-libvirt-host.sh");
        guest = RealGuest.start(NAME);
        agent = TestAgent.start("qemu:///system", "2s");
        connector = agent.connect(TestAgent.ADMIN, TestAgent.ADMIN_PASSWORD);
        jmx = connector.getMBeanServerConnection();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!jmx.isRegistered(BEAN) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        jmx.addNotificationListener(BEAN, (n, hb) -> NOTIFICATIONS.add(n), null, null);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (connector != null) {
                connector.close();
            }
            if (agent != null) {
                agent.close();
            }
        } finally {
            if (guest != null) {
                guest.close();
            }
        }
    }

    @Test
    @Order(1)
    void anOutsidePinIsAnnouncedAtOnce() throws Exception {
        RealGuest.virsh("vcpupin", NAME, "0", "0", "--live");
        RealGuest.virsh("vcpupin", NAME, "0", "1", "--live");
        long returned = System.nanoTime();
        Notification n = NOTIFICATIONS.poll(1, TimeUnit.SECONDS);
        while (n != null && !(n.getType().equals(Notifications.PIN_CHANGED) && n.getMessage().contains("pinned to 1 "))) {
            n = NOTIFICATIONS.poll(1, TimeUnit.SECONDS);
        }
        assertNotNull(n, "no pin notification within 1 s of virsh vcpupin (the refresh reads no pinning for 30 s)");
        System.out.printf("outside vcpupin announced %d ms after virsh returned: %s%n",
                (System.nanoTime() - returned) / 1_000_000, n.getMessage());
        assertEquals("1", ((TabularData) jmx.getAttribute(BEAN, "PinInfo")).get(new Object[] {0}).get("value"));
    }

    @Test
    @Order(2)
    void anOutsideShrinkThatTimesOutIsFoundByThePeriodicRefreshAndAnsweredFromQemu() throws Exception {
        RealGuest.virsh("setvcpus", NAME, "4", "--live");
        guest.waitForOnline("0-3", Duration.ofSeconds(30));
        awaitCount(4, Duration.ofSeconds(5));
        assertEquals("libvirt", jmx.getAttribute(BEAN, "DataSource"));

        long start = System.nanoTime();
        String outcome;
        try {
            outcome = "exit 0: " + RealGuest.virsh("setvcpus", NAME, "2", "--live");
        } catch (RuntimeException e) {
            outcome = e.getMessage();
        }
        System.out.printf("outside virsh setvcpus 2 after %.1f s: %s%n", (System.nanoTime() - start) / 1e9, outcome);
        int qemu = guest.vcpuThreadIds().size();
        assumeTrue(outcome.contains("timed out"), "libvirt did not time out this unplug (" + outcome
                + "); nothing stale to find");
        assertTrue(qemu < 4, "QEMU removed no vCPU");

        long found = System.nanoTime();
        String source = (String) jmx.getAttribute(BEAN, "DataSource");
        while (source.equals("libvirt")) {
            if (System.nanoTime() - found > Duration.ofSeconds(10).toNanos()) {
                fail("10 s after libvirt timed out, the agent still trusts libvirt: VcpuCount "
                        + jmx.getAttribute(BEAN, "VcpuCount") + ", QEMU has " + guest.vcpuThreadIds().size());
            }
            Thread.sleep(100);
            source = (String) jmx.getAttribute(BEAN, "DataSource");
        }
        System.out.printf("stale libvirt noticed %d ms after virsh returned: %s%n",
                (System.nanoTime() - found) / 1_000_000, source);
        assertTrue(source.startsWith("QEMU (query-cpus-fast) and libvirt's domain statistics, because"
                + " virDomainGetVcpus failed"), source);
        // The guest may still be releasing a vCPU: follow QEMU until the agent agrees with it.
        awaitCount(guest.vcpuThreadIds().size(), Duration.ofSeconds(10));
        assertEquals(guest.vcpuThreadIds().size(), ((TabularData) jmx.getAttribute(BEAN, "Vcpus")).size());
    }

    private static void awaitCount(int expected, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        Object seen = jmx.getAttribute(BEAN, "VcpuCount");
        while (!seen.equals(expected)) {
            if (System.nanoTime() > deadline) {
                fail("VcpuCount is " + seen + ", expected " + expected + " within " + limit);
            }
            Thread.sleep(100);
            seen = jmx.getAttribute(BEAN, "VcpuCount");
        }
    }
}
