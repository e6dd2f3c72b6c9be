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
import org.vcpuagent.testsupport.NotificationRecorder;

import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
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
    private static final ObjectName BEAN = DomainVcpuBean.objectName(NAME);

    private static GuestUnderAgent setup;
    private static RealGuest guest;
    private static MBeanServerConnection jmx;
    private static NotificationRecorder notifications;

    @BeforeAll
    static void start() throws Exception {
        setup = GuestUnderAgent.start(NAME);
        guest = setup.guest();
        jmx = setup.jmx();
        notifications = NotificationRecorder.listen(jmx, BEAN);
    }

    @AfterAll
    static void stop() throws Exception {
        CloseAll.inOrder(notifications, setup);
    }

    @Test
    @Order(1)
    void anOutsidePinIsAnnouncedAtOnce() throws Exception {
        RealGuest.virsh("vcpupin", NAME, "0", "0", "--live");
        RealGuest.virsh("vcpupin", NAME, "0", "1", "--live");
        long returned = System.nanoTime();
        // The periodic refresh reads no pinning for 30 s: only libvirt's tunable event can be this quick.
        Notification n = notifications.await("pin of vCPU 0 to CPU 1", p -> p.getType().equals(Notifications.PIN_CHANGED)
                && p.getMessage().contains("pinned to 1 "), Duration.ofSeconds(1));
        System.out.printf("outside vcpupin announced %d ms after virsh returned: %s%n",
                (System.nanoTime() - returned) / 1_000_000, n.getMessage());
        // The host kernel agrees: vCPU 0's thread may run on CPU 1 only, as the agent now says.
        assertEquals("1", guest.cpusAllowedList(guest.vcpuThreadIdsByIndex().get(0)));
        assertEquals("1", ((TabularData) jmx.getAttribute(BEAN, "PinInfo")).get(new Object[] {0}).get("value"));
        assertEquals("1", ((TabularData) jmx.getAttribute(BEAN, "Vcpus")).get(new Object[] {0}).get("affinity"));
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
        assumeTrue(outcome.contains("timed out"), "libvirt did not time out this unplug (" + outcome
                + "); nothing stale to find");
        assertTrue(guest.vcpuThreadIds().size() < 4, "QEMU removed no vCPU");

        long found = JmxAwait.until("the agent still trusts libvirt after it timed out", Duration.ofSeconds(10),
                () -> !jmx.getAttribute(BEAN, "DataSource").equals("libvirt"));
        String source = (String) jmx.getAttribute(BEAN, "DataSource");
        System.out.printf("stale libvirt noticed %d ms after virsh returned: %s%n", found, source);
        // The agent holds a proven vCPU → thread map of this local guest: the kernel shows which threads remain.
        assertTrue(source.startsWith("the kernel (/proc) for the vCPU rows and QEMU (query-cpus-fast) for the count,"
                + " because virDomainGetVcpus failed"), source);
        // The guest may still be releasing a vCPU: follow QEMU until the agent agrees with it.
        awaitCount(guest.vcpuThreadIds().size(), Duration.ofSeconds(10));
        TabularData rows = (TabularData) jmx.getAttribute(BEAN, "Vcpus");
        assertEquals(guest.vcpuThreadIds().size(), rows.size());
        for (Object row : rows.values()) {
            assertEquals("proc", ((javax.management.openmbean.CompositeData) row).get("source"));
        }
    }

    private static void awaitCount(int expected, Duration limit) throws Exception {
        JmxAwait.until("VcpuCount is not " + expected, limit, () -> jmx.getAttribute(BEAN, "VcpuCount").equals(expected));
    }
}
