package org.vcpuagent.qemu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.jmx.DomainVcpuBean;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A shrink run by someone else ({@code virsh setvcpus --live}) that libvirt times out on. The agent
 * did not make the call, so only its periodic refresh can notice that libvirt has gone stale. The
 * refresh glances at libvirt's bulk statistics rather than asking every domain, so this shows that
 * the glance still catches it: the removed vCPU keeps its place in the statistics with no CPU time,
 * and that sends the agent to virDomainGetVcpus, which fails, and from then on to QEMU.
 */
@Tag("qemu")
class OutsideUnplugTest {

    private static final String NAME = "vcpu-agent-outside";
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
