package org.vcpuagent.xen;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.testsupport.CloseAll;
import org.vcpuagent.testsupport.JmxAwait;
import org.vcpuagent.testsupport.JmxNames;

import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The agent, unchanged, on a real Xen host through libvirt's libxl driver and libvirt's remote transport
 * ({@code xen+tcp://127.0.0.1:PORT/system}): Xen 4.17 nested in QEMU, built and booted by
 * {@code scripts/xen/xen-test-host.sh}. Every change made over JMX is checked from outside the agent too:
 * Xen's own {@code xl vcpu-list} in dom0, and the domU's {@code /sys/devices/system/cpu/online} as it
 * reports it on its console.
 *
 * <p>Skipped, with the reason, where the host cannot be built (not root, too little memory, no Debian
 * package source); a host that can be built but fails to start fails the test.
 */
@Tag("xen")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XenDomainTest {

    private static final ObjectName HOST = JmxNames.parse("libvirt.vcpu:type=Host");
    private static final String STRING = String.class.getName();
    private static final Set<String> ONLINE_STATES = Set.of("running", "blocked");

    private static XenHost xen;
    private static ObjectName bean;
    private static TestAgent agent;
    private static MBeanServerConnection jmx;

    @BeforeAll
    static void start() throws Exception {
        String why = XenHost.whyNot();
        assumeTrue(why == null, () -> "Xen test host not available, Xen tests skipped: " + why);
        xen = XenHost.start();
        System.out.println("Xen test host: " + xen.info());
        bean = DomainVcpuBean.objectName(xen.domain());
        agent = TestAgent.start(xen.uri(), "2s");
        jmx = agent.admin();
        JmxAwait.registered(jmx, bean, true, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws Exception {
        CloseAll.inOrder(agent, xen);
    }

    /** The {@code Vcpus} table, by vCPU number; printed, as the record of what JMX showed. */
    static Map<Integer, CompositeData> vcpus() throws Exception {
        TabularData table = (TabularData) jmx.getAttribute(bean, "Vcpus");
        Map<Integer, CompositeData> rows = new TreeMap<>();
        for (Object o : table.values()) {
            CompositeData row = (CompositeData) o;
            rows.put((Integer) row.get("number"), row);
        }
        return rows;
    }

    static String format(Map<Integer, CompositeData> rows) {
        StringBuilder b = new StringBuilder();
        for (CompositeData r : rows.values()) {
            b.append(String.format("  vCPU %d: state=%-7s cpu=%2d cpuTime=%.2fs affinity=%s source=%s%n",
                    r.get("number"), r.get("state"), r.get("cpu"), (Long) r.get("cpuTime") / 1e9, r.get("affinity"),
                    r.get("source")));
        }
        return b.toString();
    }

    static int count() throws Exception {
        return (Integer) jmx.getAttribute(bean, "VcpuCount");
    }

    /** JMX, Xen and the guest agree that exactly vCPUs 0..n-1 are online. */
    static void assertOnlineEverywhere(int n) throws Exception {
        String cpulist = n == 1 ? "0" : "0-" + (n - 1);
        xen.waitForOnline(cpulist, Duration.ofSeconds(60));
        assertEquals(n, count(), "VcpuCount over JMX");

        List<XenHost.XlVcpu> xl = xen.xlVcpuList();
        assertEquals(4, xl.size(), "xl vcpu-list lists every vCPU up to the maximum");
        for (XenHost.XlVcpu v : xl) {
            assertEquals(v.vcpu() < n, v.online(), "xl vcpu-list, vCPU " + v.vcpu() + ": " + v);
        }

        // libvirt's libxl driver says "offline" for a vCPU that is neither running nor blocked, which
        // includes an online vCPU that is runnable but waiting for a physical CPU (xl: "---"). On a busy
        // nested host that happens now and then, so a reading with such a vCPU is taken again.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Map<Integer, CompositeData> rows;
        while (true) {
            rows = vcpus();
            boolean onlineOnesAre = rows.values().stream().filter(r -> (Integer) r.get("number") < n)
                    .allMatch(r -> ONLINE_STATES.contains((String) r.get("state")));
            if (onlineOnesAre || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(300);
        }
        System.out.print("Vcpus over JMX with VcpuCount " + n + ":\n" + format(rows));
        assertEquals(4, rows.size(), "Vcpus lists every vCPU up to MaxVcpus, the offline ones too");
        for (CompositeData r : rows.values()) {
            int number = (Integer) r.get("number");
            String state = (String) r.get("state");
            if (number < n) {
                assertTrue(ONLINE_STATES.contains(state), "vCPU " + number + " is online but its state is " + state);
            } else {
                assertEquals("offline", state, "vCPU " + number + " is beyond VcpuCount " + n);
            }
        }
    }

    static String pinInfo(int vcpu) throws Exception {
        TabularData pins = (TabularData) jmx.getAttribute(bean, "PinInfo");
        return (String) pins.get(new Object[] {vcpu}).get("value");
    }

    @Test
    @Order(1)
    void theDomUHasABeanWithOneOfFourVcpus() throws Exception {
        assertEquals(xen.domain(), jmx.getAttribute(bean, "Name"));
        assertEquals("running", jmx.getAttribute(bean, "State"));
        assertEquals(4, jmx.getAttribute(bean, "MaxVcpus"));
        assertEquals(true, jmx.getAttribute(HOST, "Connected"));
        assertEquals(4, jmx.getAttribute(HOST, "Cpus"), "Xen's 4 physical CPUs (QEMU -smp 4)");
        System.out.println("Host: Uri=" + jmx.getAttribute(HOST, "Uri") + " LibvirtVersion="
                + jmx.getAttribute(HOST, "LibvirtVersion") + " Cpus=" + jmx.getAttribute(HOST, "Cpus")
                + " OnlineCpus=" + jmx.getAttribute(HOST, "OnlineCpus"));
        assertOnlineEverywhere(1);
    }

    @Test
    @Order(2)
    void growingToThreeOnlinesThreeVcpusInXenAndInTheGuest() throws Exception {
        jmx.setAttribute(bean, new Attribute("VcpuCount", 3));
        assertOnlineEverywhere(3);
    }

    @Test
    @Order(3)
    void shrinkingToTwoOfflinesOneInXenAndInTheGuest() throws Exception {
        String outcome = (String) jmx.invoke(bean, "setVcpus", new Object[] {2}, new String[] {"int"});
        assertEquals("domain '" + xen.domain() + "' has 2 vCPUs", outcome);
        assertOnlineEverywhere(2);
        assertEquals("libvirt", jmx.getAttribute(bean, "DataSource"));
    }

    @Test
    @Order(4)
    void pinningIsXensHardAffinity() throws Exception {
        jmx.invoke(bean, "pinVcpu", new Object[] {1, "2"}, new String[] {"int", STRING});
        XenHost.XlVcpu one = xen.xlVcpuList().get(1);
        assertEquals("2", one.hardAffinity(), "xl vcpu-list hard affinity of vCPU 1");
        assertEquals("all", xen.xlVcpuList().get(0).hardAffinity(), "vCPU 0 is not pinned");
        assertEquals("2", vcpus().get(1).get("affinity"));
        assertEquals("2", pinInfo(1));

        jmx.invoke(bean, "pinVcpu", new Object[] {1, "0-3"}, new String[] {"int", STRING});
        assertEquals("all", xen.xlVcpuList().get(1).hardAffinity(), "unpinned again: all 4 CPUs");
        assertEquals("0-3", vcpus().get(1).get("affinity"));
    }

    /**
     * The request's struct in full: offline vCPUs beyond the count, a busy vCPU running and an idle one
     * blocked, each as Xen itself reports it.
     */
    @Test
    @Order(5)
    void vcpuStatesAreRunningBlockedAndOffline() throws Exception {
        xen.burn(1, 40);
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        Map<Integer, CompositeData> rows;
        List<String> seen = new ArrayList<>();
        while (true) {
            rows = vcpus();
            String states = rows.get(0).get("state") + "/" + rows.get(1).get("state");
            seen.add(states);
            if (states.equals("blocked/running")) {
                break;
            }
            if (System.nanoTime() > deadline) {
                fail("never saw vCPU 0 blocked and vCPU 1 (busy) running at once; vCPU 0/1 states seen: " + seen);
            }
            Thread.sleep(500);
        }
        System.out.print("Vcpus over JMX, vCPU 1 busy, vCPU 0 idle, VcpuCount 2 of 4:\n" + format(rows));
        assertEquals("offline", rows.get(2).get("state"));
        assertEquals("offline", rows.get(3).get("state"));
        List<XenHost.XlVcpu> xl = xen.xlVcpuList();
        // Busy means not blocked: running, or runnable and waiting for a physical CPU ("---") on a busy host.
        assertTrue(xl.get(1).online() && !xl.get(1).state().contains("b"), "xl shows the busy vCPU 1 not blocked: "
                + xl.get(1));
        assertFalse(xl.get(2).online(), "xl shows vCPU 2 offline: " + xl.get(2));
    }
}
