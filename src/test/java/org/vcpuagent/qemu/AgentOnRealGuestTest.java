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
import javax.management.AttributeChangeNotification;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent on qemu:///system with a real booted Linux guest (TCG), driven over JMX, and every
 * result checked from outside the agent too: the guest's serial console, QEMU's own answer through
 * virsh qemu-monitor-command, and /proc for the vCPU threads.
 *
 * <p>The order matters: an unplug leaves libvirt 9.0 stale and QEMU 7.2 unable to hot-plug again
 * until the domain restarts, so the shrink comes after the restart test, and the libvirtd restart,
 * which brings libvirt's view back, comes last.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentOnRealGuestTest {

    private static final String NAME = "vcpu-agent-it";
    private static final ObjectName BEAN = DomainVcpuBean.objectName(NAME);
    private static final ObjectName HOST = JmxNames.parse("libvirt.vcpu:type=Host");
    private static final String STRING = String.class.getName();

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
        CloseAll.inOrder(setup);
    }

    static long awaitRegistered(ObjectName name, boolean registered, Duration limit) throws Exception {
        return JmxAwait.registered(jmx, name, registered, limit);
    }

    static boolean countChange(Notification n, int from, int to) {
        return n instanceof AttributeChangeNotification c && c.getAttributeName().equals("VcpuCount")
                && c.getOldValue().equals(from) && c.getNewValue().equals(to);
    }

    static TabularData vcpus() throws Exception {
        return (TabularData) jmx.getAttribute(BEAN, "Vcpus");
    }

    static CompositeData row(int vcpu) throws Exception {
        return vcpus().get(new Object[] {vcpu});
    }

    @Test
    @Order(1)
    void theGuestHasABeanWithOneOfFourVcpus() throws Exception {
        assertEquals(1, jmx.getAttribute(BEAN, "VcpuCount"));
        assertEquals(4, jmx.getAttribute(BEAN, "MaxVcpus"));
        assertEquals("running", jmx.getAttribute(BEAN, "State"));
        assertEquals(1, vcpus().size());
        assertEquals("proc", row(0).get("source"), "a local QEMU guest is read from the kernel");
        assertNotNull(row(0).get("delay"), "libvirt's QEMU driver reports vcpu.N.delay");
        assertEquals(true, jmx.getAttribute(HOST, "Connected"));
    }

    @Test
    @Order(2)
    void setvcpusRunOutsideTheAgentIsAnnounced() throws Exception {
        notifications.clear();
        guest.virsh("setvcpus", NAME, "2", "--live");
        notifications.await("VcpuCount 1 -> 2", n -> countChange(n, 1, 2), Duration.ofSeconds(5));
        guest.waitForOnline("0-1", Duration.ofSeconds(30));
    }

    @Test
    @Order(3)
    void growingToFourOnlinesFourCpusInTheGuestAndInQemu() throws Exception {
        notifications.clear();
        jmx.setAttribute(BEAN, new Attribute("VcpuCount", 4));
        guest.waitForOnline("0-3", Duration.ofSeconds(30));
        assertEquals(4, guest.vcpuThreadIds().size(), "query-cpus-fast through virsh");
        assertEquals(4, jmx.getAttribute(BEAN, "VcpuCount"));
        assertEquals(4, vcpus().size());
        notifications.await("VcpuCount 2 -> 4", n -> countChange(n, 2, 4), Duration.ofSeconds(5));
    }

    @Test
    @Order(4)
    void pinningShowsInTheVcpuThreadsAffinity() throws Exception {
        notifications.clear();
        jmx.invoke(BEAN, "pinVcpu", new Object[] {1, "1"}, new String[] {"int", STRING});
        long tid = guest.vcpuThreadIds().get(1);
        assertEquals("1", guest.cpusAllowedList(tid));
        assertEquals("1", row(1).get("affinity"));
        Notification n = notifications.awaitType(Notifications.PIN_CHANGED, Duration.ofSeconds(5));
        assertEquals("1", ((CompositeData) n.getUserData()).get("current"));
        jmx.invoke(BEAN, "pinVcpu", new Object[] {1, "r"}, new String[] {"int", STRING});
        assertEquals(guest.cpusAllowedList(guest.vcpuThreadIds().get(0)), guest.cpusAllowedList(tid));
    }

    @Test
    @Order(5)
    void cpuTimeGrowsAndAgreesWithTheThreadsSchedstat() throws Exception {
        long tid = guest.vcpuThreadIds().get(0);
        long first = (Long) row(0).get("cpuTime");
        Thread.sleep(1500);
        long jmxTime = (Long) row(0).get("cpuTime");
        long procTime = guest.schedstatNs(tid);
        assertTrue(jmxTime > first, "cpuTime did not grow: " + first + " -> " + jmxTime);
        // libvirt counts in clock ticks (10 ms) from /proc/.../stat; schedstat counts nanoseconds.
        double diff = Math.abs(procTime - jmxTime);
        assertTrue(diff <= 0.03 * procTime + 50_000_000L,
                "cpuTime " + jmxTime + " ns vs schedstat " + procTime + " ns differ by " + diff);
    }

    @Test
    @Order(6)
    void emulatorPinningIsReadAndChanged() throws Exception {
        String before = (String) jmx.getAttribute(BEAN, "EmulatorPin");
        jmx.invoke(BEAN, "pinEmulator", new Object[] {"0"}, new String[] {STRING});
        assertEquals("0", jmx.getAttribute(BEAN, "EmulatorPin"));
        assertEquals("0", guest.cpusAllowedList(guest.qemuPid()), "QEMU's main thread follows the emulator pin");
        jmx.invoke(BEAN, "pinEmulator", new Object[] {before}, new String[] {STRING});
        assertEquals(before, jmx.getAttribute(BEAN, "EmulatorPin"));
    }

    @Test
    @Order(7)
    void destroyRemovesTheBeanAndStartBringsItBackWithinOneSecond() throws Exception {
        guest.virsh("destroy", NAME);
        long gone = awaitRegistered(BEAN, false, Duration.ofSeconds(1));
        guest.virsh("start", NAME);
        long back = awaitRegistered(BEAN, true, Duration.ofSeconds(1));
        System.out.printf("bean gone %d ms after destroy, back %d ms after start%n", gone, back);
        guest.waitForOnline("0", Duration.ofSeconds(60));
        notifications.listenAgain();
        assertEquals(1, jmx.getAttribute(BEAN, "VcpuCount"));
    }

    @Test
    @Order(8)
    void aShrinkLibvirtTimesOutOnIsPendingThenSettlesOnQemusCount() throws Exception {
        jmx.setAttribute(BEAN, new Attribute("VcpuCount", 4));
        guest.waitForOnline("0-3", Duration.ofSeconds(30));
        notifications.clear();

        String outcome = (String) jmx.invoke(BEAN, "setVcpus", new Object[] {2}, new String[] {"int"});
        List<Long> qemuAfter = guest.vcpuThreadIds();
        System.out.println("setVcpus(2) answered: " + outcome + "; QEMU has " + qemuAfter.size() + " vCPUs");
        if (outcome.startsWith("unplug pending")) {
            notifications.awaitType(Notifications.UNPLUG_PENDING, Duration.ofSeconds(1));
            assertTrue(((String) jmx.getAttribute(BEAN, "UnplugStatus")).startsWith("pending"));
            // Reads keep working while libvirt is stale, from QEMU and the domain statistics.
            assertEquals(guest.vcpuThreadIds().size(), vcpus().size());
            Notification settled = notifications.awaitType(Notifications.UNPLUG_SETTLED, Duration.ofSeconds(20));
            CompositeData s = (CompositeData) settled.getUserData();
            System.out.println("settled: " + settled.getMessage());
            assertEquals(guest.vcpuThreadIds().size(), s.get("count"));
            assertEquals("none", jmx.getAttribute(BEAN, "UnplugStatus"));
        } else {
            assertEquals("domain '" + NAME + "' has 2 vCPUs", outcome);
        }
        int qemuCount = guest.vcpuThreadIds().size();
        assertTrue(qemuCount < 4, "QEMU removed no vCPU");
        assertEquals(qemuCount, jmx.getAttribute(BEAN, "VcpuCount"), "the JMX count is QEMU's");
        TabularData rows = vcpus();
        assertEquals(qemuCount, rows.size());
        guest.waitForOnline(qemuCount == 3 ? "0-2" : "0-1", Duration.ofSeconds(10));
        String source = (String) jmx.getAttribute(BEAN, "DataSource");
        System.out.println("DataSource after the shrink: " + source);
        if (!source.equals("libvirt")) {
            // The kernel shows which vCPU threads QEMU kept: the rows come from it.
            assertTrue(source.startsWith("the kernel (/proc) for the vCPU rows and QEMU (query-cpus-fast) for the "
                    + "count, because"), source);
            assertEquals("proc", row(0).get("source"));
        }
    }

    @Test
    @Order(9)
    void killingLibvirtdShowsDisconnectedWithoutHangingAndARestartBringsEverythingBack() throws Exception {
        int qemuCount = guest.vcpuThreadIds().size();
        LibvirtDaemon.kill();
        long disconnected = JmxAwait.until("the host did not turn Connected=false", Duration.ofSeconds(15),
                () -> !(Boolean) jmx.getAttribute(HOST, "Connected"));
        System.out.println("disconnected after " + disconnected + " ms: "
                + jmx.getAttribute(HOST, "LastError"));
        assertTrue(!((String) jmx.getAttribute(HOST, "LastError")).isEmpty());
        awaitRegistered(BEAN, false, Duration.ofSeconds(1));
        long read = System.nanoTime();
        jmx.getAttribute(HOST, "DomainCount");
        assertTrue(System.nanoTime() - read < Duration.ofSeconds(1).toNanos(), "a read hung while disconnected");

        LibvirtDaemon.start();
        awaitRegistered(BEAN, true, Duration.ofSeconds(30));
        assertEquals(true, jmx.getAttribute(HOST, "Connected"));
        // A restarted libvirtd re-reads QEMU, so libvirt's own view is right again.
        assertEquals(qemuCount, jmx.getAttribute(BEAN, "VcpuCount"));
        assertEquals("libvirt", jmx.getAttribute(BEAN, "DataSource"));
        assertEquals("proc", row(0).get("source"), "the map is built again after the reconnect");
        assertEquals(qemuCount, vcpus().size());
    }
}
