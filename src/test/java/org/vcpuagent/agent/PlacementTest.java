package org.vcpuagent.agent;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.testsupport.JmxNames;
import org.vcpuagent.testsupport.NotificationRecorder;
import org.vcpuagent.testsupport.TestDomain;

import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Placement on libvirt's test driver, through a real JMX connection: the topology from its capabilities (2 NUMA
 * cells of 8 CPUs, though its CPU maps cover only CPUs 0-7 and only 0, 2 and 4 are online), allocation and
 * conflicts for pins made through the agent and through a libvirt connection of the test's own, the conflict
 * notification, and plans. Every pin is checked through that outside connection.
 */
class PlacementTest {

    static final ObjectName TEST = TestDomain.BEAN;
    static final ObjectName HOST = JmxNames.parse("libvirt.vcpu:type=Host");
    static final ObjectName RIVAL = JmxNames.parse("libvirt.vcpu:type=Domain,name=rival");
    private static final String[] PIN = {"int", String.class.getName()};

    private static TestAgent agent;
    private static MBeanServerConnection admin;
    private static Connection outside;

    @BeforeAll
    static void start() throws Exception {
        agent = TestAgent.start();
        admin = agent.admin();
        outside = agent.outside(false);
    }

    @AfterAll
    static void stop() throws Exception {
        agent.close();
    }

    /** test:///default is shared by every test class in this JVM: leave no domain of ours behind, even on failure. */
    @AfterEach
    void restore() throws Exception {
        for (String name : List.of("rival", "io", "numa")) {
            try (Domain left = TestLibvirt.lookupByName(outside, name)) {
                TestLibvirt.destroy(left);
            } catch (org.vcpuagent.libvirt.LibvirtException gone) {
                // destroyed by the test itself, as it should be
            }
        }
        TestDomain.restore(admin);
        admin.invoke(HOST, "refresh", null, null);
    }

    private static CompositeData cpuRow(String table, int cpu) throws Exception {
        return ((TabularData) admin.getAttribute(HOST, table)).get(new Object[] {cpu});
    }

    private static List<CpuMap> pinsSeenOutside(String domain) {
        try (Domain d = TestLibvirt.lookupByName(outside, domain)) {
            return d.vcpuPinInfo(d.maxVcpus(), outside.hostInfo().mapLength());
        }
    }

    @Test
    void topologyFollowsTheCapabilitiesAndMarksWhatTheCpuMapCannotPin() throws Exception {
        TabularData t = (TabularData) admin.getAttribute(HOST, "Topology");
        assertEquals(16, t.size());
        CompositeData c0 = cpuRow("Topology", 0);
        assertEquals(0, c0.get("numaNode"));
        assertEquals(0, c0.get("socket"));
        assertEquals("0", c0.get("siblings"));
        assertEquals(true, c0.get("online"));
        assertEquals(true, c0.get("pinnable"));
        assertEquals(false, c0.get("reserved"));
        assertEquals(false, c0.get("isolated"), "the test driver's host is simulated: no isolcpus of this machine");
        CompositeData c1 = cpuRow("Topology", 1);
        assertEquals(false, c1.get("online"), "virNodeGetCPUMap of the test driver has only CPUs 0, 2 and 4 online");
        assertEquals(false, c1.get("pinnable"));
        CompositeData c9 = cpuRow("Topology", 9);
        assertEquals(1, c9.get("numaNode"));
        assertEquals(1, c9.get("socket"));
        assertEquals(1, c9.get("core"));
        assertEquals(false, c9.get("pinnable"), "CPU 9 is beyond the test driver's CPU maps (PresentCpus 8)");
    }

    @Test
    void aDedicatedPlanKeepsBothVcpusInOneCellItCanPinAndChangesNothing() throws Exception {
        List<CpuMap> before = pinsSeenOutside("test");
        String plan = (String) admin.invoke(TEST, "planPlacement", new Object[] {"dedicated"},
                new String[] {String.class.getName()});
        assertTrue(plan.contains("vcpu 0 -> cpu 0\nvcpu 1 -> cpu 2\nemulator -> cpus 0,2"), plan);
        assertEquals(before, pinsSeenOutside("test"));
    }

    @Test
    void applyingADedicatedPlacementPinsEachVcpuAloneAndRestorePutsItBack() throws Exception {
        List<CpuMap> before = pinsSeenOutside("test");
        String applied = (String) admin.invoke(TEST, "applyPlacement", new Object[] {"dedicated", false},
                new String[] {String.class.getName(), "boolean"});
        assertTrue(applied.startsWith("applied placement of domain 'test'"), applied);
        assertEquals(List.of(CpuMap.of(0), CpuMap.of(2)), pinsSeenOutside("test"));
        admin.invoke(HOST, "refresh", null, null);
        assertEquals(1, cpuRow("Allocation", 0).get("exclusive"));
        assertEquals(((TabularData) admin.getAttribute(HOST, "Conflicts")).size(), 0);
        admin.invoke(TEST, "restorePlacement", null, null);
        assertEquals(before, pinsSeenOutside("test"));
    }

    @Test
    void exclusivePinsOfTwoDomainsOnOneCpuAreAConflictAnnouncedWhenItAppearsAndClears() throws Exception {
        try (NotificationRecorder host = NotificationRecorder.listen(admin, HOST);
             Domain rival = TestLibvirt.createXml(outside, DomainLifecycleTest.domainXml("rival", 1))) {
            admin.invoke(HOST, "refresh", null, null);
            admin.invoke(TEST, "pinVcpu", new Object[] {0, "2"}, PIN);
            rival.pinVcpu(0, CpuMap.of(2).toBytes(1));
            admin.invoke(HOST, "refresh", null, null);

            Notification n = host.awaitType("libvirt.vcpu.placement.conflict", Duration.ofSeconds(5));
            assertTrue(n.getMessage().startsWith("placement conflict: exclusive-overlap: rival:0, test:0 on CPU(s) 2"),
                    n.getMessage());
            CompositeData data = (CompositeData) n.getUserData();
            assertEquals("rival,test", data.get("domains"));
            assertEquals(false, data.get("cleared"));
            TabularData conflicts = (TabularData) admin.getAttribute(HOST, "Conflicts");
            assertEquals(1, conflicts.size());
            CompositeData row = (CompositeData) conflicts.values().iterator().next();
            assertEquals("exclusive-overlap", row.get("kind"));
            assertEquals("rival:0,test:0", row.get("threads"));
            assertEquals("2", row.get("cpus"));
            CompositeData cpu2 = cpuRow("Allocation", 2);
            assertEquals(2, cpu2.get("exclusive"));
            assertTrue(((String) cpu2.get("threads")).contains("rival:0"), cpu2.toString());

            String refused = assertThrows(Exception.class, () -> admin.invoke(RIVAL, "planPlacement",
                    new Object[] {"dedicated,require"}, new String[] {String.class.getName()})).getCause().getMessage();
            assertTrue(refused.contains("'require' pairs vCPUs on SMT siblings and this host has one thread per core"),
                    refused);

            TestLibvirt.destroy(rival);
            admin.invoke(HOST, "refresh", null, null);
            Notification cleared = host.await("the conflict cleared", x -> x.getMessage().startsWith(
                    "placement conflict cleared:"), Duration.ofSeconds(5));
            assertEquals(true, ((CompositeData) cleared.getUserData()).get("cleared"));
            assertEquals(0, ((TabularData) admin.getAttribute(HOST, "Conflicts")).size());
        }
    }

    @Test
    void ioThreadsAndNumaTuneAreShownAndAnIoThreadIsPinnedAndCounted() throws Exception {
        ObjectName io = JmxNames.parse("libvirt.vcpu:type=Domain,name=io");
        String xml = "<domain type='test'><name>io</name><memory>65536</memory><vcpu>2</vcpu><iothreads>1</iothreads>"
                + "<numatune><memory mode='strict' nodeset='0'/></numatune><os><type>hvm</type></os></domain>";
        // Listening first: the domain's lifecycle event makes a look that may find the conflict at once.
        NotificationRecorder hostEvents = NotificationRecorder.listen(admin, HOST);
        Domain d = TestLibvirt.createXml(outside, xml);
        try (hostEvents) {
            admin.invoke(HOST, "refresh", null, null);
            TabularData threads = (TabularData) admin.getAttribute(io, "IoThreads");
            assertEquals("0-1", threads.get(new Object[] {1}).get("affinity"), "the test driver's initial IOThread pin");
            assertEquals("mode=strict nodeset=0", admin.getAttribute(io, "NumaTune"));
            Notification offline = hostEvents.await("an offline conflict", n -> n.getMessage().startsWith(
                    "placement conflict: offline: io:iothread1 on CPU(s) 1"), Duration.ofSeconds(5));
            assertEquals("io", ((CompositeData) offline.getUserData()).get("domains"));

            try (NotificationRecorder domainEvents = NotificationRecorder.listen(admin, io)) {
                admin.invoke(io, "pinIoThread", new Object[] {1, "2"}, PIN);
                Notification pinned = domainEvents.awaitType("libvirt.vcpu.iothread.pin.changed", Duration.ofSeconds(5));
                assertEquals("IOThread 1 of domain 'io' pinned to 2 (was 0-1)", pinned.getMessage());
            }
            assertEquals(java.util.Map.of(1, CpuMap.of(2)), d.ioThreads(), "as the test's own connection sees it");
            admin.invoke(HOST, "refresh", null, null);
            assertTrue(((String) cpuRow("Allocation", 2).get("threads")).contains("io:iothread1"));
            hostEvents.await("the offline conflict cleared", n -> n.getMessage().startsWith(
                    "placement conflict cleared: offline: io:iothread1"), Duration.ofSeconds(5));

            // By policy: the IOThread goes with the emulator, here on its isolated CPU; restore puts back 2.
            String applied = (String) admin.invoke(io, "applyPlacement", new Object[] {"dedicated,emulator=isolate",
                false}, new String[] {String.class.getName(), "boolean"});
            assertEquals("applied placement of domain 'io' by policy dedicated,prefer,emulator=isolate:\nvcpu 0 -> cpu 0\n"
                    + "vcpu 1 -> cpu 2\nemulator -> cpu 4\niothread 1 -> cpu 4\nwarning: 1 floating domain may still "
                    + "run here; confine it with `shared`", applied, "as placement.md shows it");
            assertEquals(java.util.Map.of(1, CpuMap.of(4)), d.ioThreads());
            admin.invoke(HOST, "refresh", null, null);
            assertTrue(((String) cpuRow("Allocation", 4).get("threads")).contains("io:iothread1"));
            admin.invoke(io, "restorePlacement", null, null);
            assertEquals(java.util.Map.of(1, CpuMap.of(2)), d.ioThreads(), "the previous pin back");
            // The persistent variant asks libvirt for both; the test driver takes only one of them.
            LibvirtException both = assertThrows(LibvirtException.class,
                    () -> d.pinIoThread(1, CpuMap.of(0).toBytes(outside.hostInfo().mapLength()), true));
            assertTrue(both.getMessage().startsWith("virDomainPinIOThread(io, iothread 1, LIVE|CONFIG) failed"),
                    both.getMessage());
            assertEquals(java.util.Map.of(1, CpuMap.of(2)), d.ioThreads(), "nothing changed");
        } finally {
            TestLibvirt.destroy(d);
            d.close();
        }
    }

    @Test
    void aVcpuPinnedAwayFromItsGuestCellsMemoryIsANumaConflict() throws Exception {
        String xml = "<domain type='test'><name>numa</name><memory>131072</memory><vcpu>2</vcpu><numatune>"
                + "<memory mode='strict' nodeset='0'/><memnode cellid='1' mode='strict' nodeset='1'/></numatune>"
                + "<cpu><numa><cell id='0' cpus='0' memory='65536'/><cell id='1' cpus='1' memory='65536'/></numa></cpu>"
                + "<os><type>hvm</type></os></domain>";
        try (Domain d = TestLibvirt.createXml(outside, xml)) {
            d.pinVcpu(0, CpuMap.of(4).toBytes(1));
            d.pinVcpu(1, CpuMap.of(2).toBytes(1));
            admin.invoke(HOST, "refresh", null, null);
            TabularData conflicts = (TabularData) admin.getAttribute(HOST, "Conflicts");
            assertEquals(1, conflicts.size(), conflicts.toString());
            CompositeData row = (CompositeData) conflicts.values().iterator().next();
            assertEquals("numa", row.get("kind"));
            assertEquals("numa:1", row.get("threads"), "vCPU 0's memory is on node 0, where CPU 4 is");
            assertEquals("2", row.get("cpus"));
            TestLibvirt.destroy(d);
        }
    }

    @Test
    void badInputIsRefusedClearlyAndChangesNothing() throws Exception {
        List<CpuMap> before = pinsSeenOutside("test");
        String policy = assertThrows(Exception.class, () -> admin.invoke(TEST, "applyPlacement",
                new Object[] {"dedicated,fast", false}, new String[] {String.class.getName(), "boolean"}))
                .getCause().getMessage();
        assertTrue(policy.contains("'fast': it is not a word of the grammar; give 'dedicated' or 'shared'"), policy);
        String io = assertThrows(Exception.class, () -> admin.invoke(TEST, "pinIoThread", new Object[] {7, "1"}, PIN))
                .getCause().getMessage();
        assertTrue(io.startsWith("IOThread 7 does not exist in domain 'test'"), io);
        try (Domain rival = TestLibvirt.createXml(outside, DomainLifecycleTest.domainXml("rival", 1))) {
            admin.invoke(HOST, "refresh", null, null);
            List<CpuMap> rivalBefore = pinsSeenOutside("rival");
            String transientOne = assertThrows(Exception.class, () -> admin.invoke(RIVAL, "applyPlacement",
                    new Object[] {"dedicated", true}, new String[] {String.class.getName(), "boolean"}))
                    .getCause().getMessage();
            assertTrue(transientOne.contains("it is transient"), transientOne);
            assertEquals(rivalBefore, pinsSeenOutside("rival"));
            TestLibvirt.destroy(rival);
        }
        assertEquals(before, pinsSeenOutside("test"));
    }
}
