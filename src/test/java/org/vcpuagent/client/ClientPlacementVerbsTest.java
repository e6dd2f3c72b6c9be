package org.vcpuagent.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.client.Harness.Result;
import org.vcpuagent.common.ObjectNames;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.model.CpuMap;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vcpuagent.client.Harness.failsWith;
import static org.vcpuagent.client.Harness.json;
import static org.vcpuagent.client.Harness.ok;
import static org.vcpuagent.client.Harness.usageError;

/**
 * The placement verbs of {@code vcpu-agent client} (iothreadinfo, iothreadpin, numatune, placement,
 * placement-restore, and vcpupin / emulatorpin with --config) against a real agent on libvirt's test driver. What a verb changed is
 * read back through a libvirt connection of the test's own (test:///default is one host for the whole JVM).
 * Domain {@code io} is started from XML with two IOThreads and its memory bound strictly to node 0.
 */
class ClientPlacementVerbsTest {

    static final String IO_XML = "<domain type='test'><name>io</name><memory>65536</memory><vcpu>2</vcpu>"
            + "<iothreads>2</iothreads><numatune><memory mode='strict' nodeset='0'/></numatune>"
            + "<os><type>hvm</type></os></domain>";

    private static Harness h;
    private static Connection outside;

    @BeforeAll
    static void start() throws IOException {
        h = Harness.start();
        outside = h.agent.outside(false);
    }

    @AfterAll
    static void stop() throws IOException {
        h.close();
    }

    @AfterEach
    void restore() throws IOException {
        try (Domain left = TestLibvirt.lookupByName(outside, "io")) {
            TestLibvirt.destroy(left);
        } catch (LibvirtException gone) {
            // not started by this test
        }
        h.restore();
    }

    /** Starts domain {@code io} and waits until the agent has its bean. */
    private static Domain startIo() throws Exception {
        Domain d = TestLibvirt.createXml(outside, IO_XML);
        try (VcpuAgentClient c = h.adminClient()) {
            c.connection().invoke(ObjectNames.host(null), RemoteDomain.REFRESH, null, null);
        }
        long until = System.nanoTime() + 10_000_000_000L;
        while (h.admin("vcpucount", "io").code() != 0 && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        return d;
    }

    private static List<CpuMap> pinsSeenOutside(String domain) {
        try (Domain d = TestLibvirt.lookupByName(outside, domain)) {
            return d.vcpuPinInfo(d.maxVcpus(), outside.hostInfo().mapLength());
        }
    }

    private static CpuMap emulatorSeenOutside(String domain) {
        try (Domain d = TestLibvirt.lookupByName(outside, domain)) {
            return d.emulatorPinInfo(outside.hostInfo().mapLength());
        }
    }

    // --- IOThreads ---

    @Test
    void iothreadinfoShowsEachIoThreadLikeVirshAndIothreadpinPinsOne() throws Exception {
        try (Domain io = startIo()) {
            assertEquals("""
                     IOThread ID   CPU Affinity
                    -----------------------------
                     1             0-1
                     2             0-1
                    """, ok(h.admin("iothreadinfo", "io")).out());
            assertEquals("", ok(h.admin("iothreadpin", "io", "1", "2")).out());
            assertEquals(Map.of(1, CpuMap.of(2), 2, CpuMap.of(0, 1)), io.ioThreads(), "as libvirt sees it");
            assertEquals("""
                     IOThread ID   CPU Affinity
                    -----------------------------
                     1             2
                     2             0-1
                    """, ok(h.monitor("iothreadinfo", "io")).out(), "a read-only user reads it too");
            assertEquals(Map.of("domain", "io", "ioThreads", List.of(Map.of("id", 2L, "cpulist", "4"))),
                    json(h.admin("--json", "iothreadpin", "io", "2", "4")));
            assertEquals(Map.of(1, CpuMap.of(2), 2, CpuMap.of(4)), io.ioThreads());
            assertEquals(Map.of("domain", "io", "ioThreads", List.of(Map.of("id", 1L, "cpulist", "2"),
                    Map.of("id", 2L, "cpulist", "4"))), json(h.admin("--json", "iothreadinfo", "io")));
        }
    }

    @Test
    void aDomainWithoutIoThreadsSaysSoAndABadIoThreadPinChangesNothing() throws Exception {
        assertEquals("No IOThreads found for the domain\n", ok(h.admin("iothreadinfo", "test")).out());
        assertEquals(Map.of("domain", "test", "ioThreads", List.of()), json(h.admin("--json", "iothreadinfo", "test")));
        failsWith(h.admin("iothreadpin", "test", "1", "2"), "IOThread 1 does not exist in domain 'test': it has no "
                + "IOThreads (<iothreads> in its XML)");
        try (Domain io = startIo()) {
            failsWith(h.admin("iothreadpin", "io", "7", "2"), "IOThread 7 does not exist in domain 'io': give one of "
                    + "its IOThread ids [1, 2]");
            Result beyond = h.admin("iothreadpin", "io", "1", "9");
            assertEquals(1, beyond.code(), beyond::toString);
            assertTrue(beyond.err().startsWith("error: cannot pin IOThread 1 of domain 'io': CPU 9"), beyond::toString);
            assertEquals(1, h.monitor("iothreadpin", "io", "1", "2").code(), "a read-only user may not pin");
            assertEquals(Map.of(1, CpuMap.of(0, 1), 2, CpuMap.of(0, 1)), io.ioThreads(), "nothing changed");
        }
        usageError(Harness.run("iothreadpin", "io", "one", "2"), "ID 'one' is not a whole number");
        usageError(Harness.run("iothreadpin", "io", "1"), "iothreadpin: CPULIST is missing (usage: iothreadpin "
                + "DOMAIN ID CPULIST)");
    }

    // --- NUMA tuning ---

    @Test
    void numatuneShowsModeAndNodesetLikeVirsh() throws Exception {
        try (Domain io = startIo()) {
            assertEquals("numa_mode      : strict\nnuma_nodeset   : 0\n", ok(h.monitor("numatune", "io")).out());
            assertEquals(Map.of("domain", "io", "mode", "strict", "nodeset", "0"),
                    json(h.admin("--json", "numatune", "io")));
        }
        assertEquals("numa_mode      : strict\nnuma_nodeset   : \n", ok(h.admin("numatune", "test")).out(),
                "the test driver's default, as virsh -c test:///default numatune test shows it");
    }

    // --- persistent pins ---

    @Test
    void vcpupinAndEmulatorpinWithConfigAskForTheLiveAndPersistentPin() throws Exception {
        List<CpuMap> before = pinsSeenOutside("test");
        // The test driver takes no flags for vCPU pinning: its refusal of live|config (0x3) shows the client asked
        // for both; a persistent pin that works needs a real hypervisor (PlacementOnRealGuestsTest, tag qemu).
        failsWith(h.admin("vcpupin", "test", "0", "2", "--config"), "virDomainPinVcpuFlags(test, vcpu 0, LIVE|CONFIG) "
                + "failed: unsupported flags (0x3) in function testDomainPinVcpuFlags (libvirt error code 8, domain 12)");
        Result emulator = h.admin("emulatorpin", "test", "2", "--config");
        assertEquals(1, emulator.code(), emulator::toString);
        assertTrue(emulator.err().contains("VIR_DOMAIN_AFFECT_CONFIG"), emulator::toString);
        assertEquals(before, pinsSeenOutside("test"), "nothing changed");
        assertEquals(CpuMap.parse("0-7", 8), emulatorSeenOutside("test"));
        try (Domain io = startIo()) {
            Result transientOne = h.admin("vcpupin", "io", "0", "2", "--config");
            assertEquals(1, transientOne.code(), transientOne::toString);
            assertTrue(transientOne.err().contains("it is transient"), transientOne::toString);
            assertEquals(List.of(CpuMap.parse("0-7", 8), CpuMap.parse("0-7", 8)), pinsSeenOutside("io"));
        }
        usageError(Harness.run("vcpupin", "test", "0", "--config"), "vcpupin: --config pins in the persistent "
                + "configuration too: give VCPU and CPULIST (the agent shows the running domain's pinning only)");
        usageError(Harness.run("emulatorpin", "test", "--config"), "emulatorpin: --config pins in the persistent "
                + "configuration too: give CPULIST (the agent shows the running domain's pinning only)");
    }

    // --- placement ---

    @Test
    void placementPrintsThePlanAndChangesNothing() {
        List<CpuMap> before = pinsSeenOutside("test");
        assertEquals("""
                placement of domain 'test' by policy dedicated,prefer,emulator=share:
                vcpu 0 -> cpu 0
                vcpu 1 -> cpu 2
                emulator -> cpus 0,2
                """, ok(h.admin("placement", "test", "dedicated")).out());
        assertEquals(Map.of("domain", "test", "applied", false, "persistent", false,
                "policy", "dedicated,prefer,emulator=share",
                "vcpus", List.of(Map.of("vcpu", 0L, "cpulist", "0"), Map.of("vcpu", 1L, "cpulist", "2")),
                "emulator", "0,2", "ioThreads", List.of(), "warnings", List.of(), "plan", "placement of domain 'test' by policy "
                        + "dedicated,prefer,emulator=share:\nvcpu 0 -> cpu 0\nvcpu 1 -> cpu 2\nemulator -> cpus 0,2"),
                json(h.admin("--json", "placement", "test", "dedicated")));
        assertEquals(before, pinsSeenOutside("test"));
    }

    @Test
    void placementApplyPinsAsPlanned() throws IOException {
        assertEquals("""
                applied placement of domain 'test' by policy dedicated,prefer,emulator=share:
                vcpu 0 -> cpu 0
                vcpu 1 -> cpu 2
                emulator -> cpus 0,2
                """, ok(h.admin("placement", "test", "dedicated", "--apply")).out());
        assertEquals(List.of(CpuMap.of(0), CpuMap.of(2)), pinsSeenOutside("test"));
        assertEquals(CpuMap.of(0, 2), emulatorSeenOutside("test"));
        try (VcpuAgentClient c = h.adminClient()) {
            c.domain("test").restorePlacement();
        }
        assertEquals(List.of(CpuMap.parse("0-7", 8), CpuMap.parse("0-7", 8)), pinsSeenOutside("test"));
    }

    @Test
    void placementPlacesIoThreadsWithTheEmulatorAndPlacementRestorePutsEveryPinBack() throws Exception {
        try (Domain io = startIo()) {
            // Pins of its own first, so that restoring them is not mistaken for libvirt's defaults.
            ok(h.admin("iothreadpin", "io", "2", "4"));
            assertEquals(Map.of(1, CpuMap.of(0, 1), 2, CpuMap.of(4)), io.ioThreads());
            String plan = """
                    placement of domain 'io' by policy dedicated,prefer,emulator=isolate:
                    vcpu 0 -> cpu 0
                    vcpu 1 -> cpu 2
                    emulator -> cpu 4
                    iothread 1 -> cpu 4
                    iothread 2 -> cpu 4
                    warning: 1 floating domain may still run here; confine it with `shared`
                    """;
            assertEquals(plan, ok(h.admin("placement", "io", "dedicated,emulator=isolate")).out());
            assertEquals(Map.of(1, CpuMap.of(0, 1), 2, CpuMap.of(4)), io.ioThreads(), "a plan changes nothing");
            assertEquals("applied " + plan, ok(h.admin("placement", "io", "dedicated,emulator=isolate", "--apply")).out());
            assertEquals(List.of(CpuMap.of(0), CpuMap.of(2)), pinsSeenOutside("io"));
            assertEquals(CpuMap.of(4), emulatorSeenOutside("io"));
            assertEquals(Map.of(1, CpuMap.of(4), 2, CpuMap.of(4)), io.ioThreads(), "as libvirt sees it");

            assertEquals("""
                    restored the pinning of domain 'io':
                    vcpu 0 -> cpus 0-7
                    vcpu 1 -> cpus 0-7
                    emulator -> cpus 0-7
                    iothread 1 -> cpus 0-1
                    iothread 2 -> cpus 4
                    """, ok(h.admin("placement-restore", "io")).out());
            assertEquals(List.of(CpuMap.parse("0-7", 8), CpuMap.parse("0-7", 8)), pinsSeenOutside("io"));
            assertEquals(CpuMap.parse("0-7", 8), emulatorSeenOutside("io"));
            assertEquals(Map.of(1, CpuMap.of(0, 1), 2, CpuMap.of(4)), io.ioThreads(), "the previous pins back");

            failsWith(h.admin("placement-restore", "io"), "domain 'io' has no placement to restore: restorePlacement "
                    + "puts back the pinning an applyPlacement replaced, and none was applied");
            ok(h.admin("placement", "io", "shared", "--apply"));
            Map<String, Object> restored = json(h.admin("--json", "placement-restore", "io"));
            assertEquals(List.of(Map.of("vcpu", 0L, "cpulist", "0-7"), Map.of("vcpu", 1L, "cpulist", "0-7")),
                    restored.get("vcpus"));
            assertEquals("0-7", restored.get("emulator"));
            assertEquals(List.of(Map.of("id", 1L, "cpulist", "0-1"), Map.of("id", 2L, "cpulist", "4")),
                    restored.get("ioThreads"));
            assertEquals(Map.of(1, CpuMap.of(0, 1), 2, CpuMap.of(4)), io.ioThreads());
            ok(h.admin("placement", "io", "shared", "--apply"));
            assertEquals(1, h.monitor("placement-restore", "io").code(), "a restore is a change: read-write only");
            assertEquals(Map.of(1, CpuMap.of(0, 2, 4), 2, CpuMap.of(0, 2, 4)), io.ioThreads(), "nothing changed");
        }
        usageError(Harness.run("placement-restore"), "placement-restore: DOMAIN is missing (usage: placement-restore "
                + "DOMAIN)");
        usageError(Harness.run("placement-restore", "test", "--apply"), "placement-restore: --apply is only for "
                + "placement");
    }

    @Test
    void placementApplyConfigIsAllOrNothingAndBadInputIsRefused() throws Exception {
        List<CpuMap> before = pinsSeenOutside("test");
        Result persistent = h.admin("--json", "placement", "test", "dedicated", "--apply", "--config");
        assertEquals(1, persistent.code(), persistent::toString);
        assertTrue(persistent.err().startsWith("error: pinning vCPU 0 of domain 'test' failed: "), persistent::toString);
        assertTrue(persistent.err().contains("nothing had been changed"), persistent::toString);
        assertEquals("", persistent.out());
        assertEquals(before, pinsSeenOutside("test"));
        try (Domain io = startIo()) {
            Result transientOne = h.admin("placement", "io", "dedicated", "--apply", "--config");
            assertEquals(1, transientOne.code(), transientOne::toString);
            assertTrue(transientOne.err().contains("it is transient"), transientOne::toString);
        }
        Result word = h.admin("placement", "test", "dedicated,fast");
        assertEquals(1, word.code(), word::toString);
        assertTrue(word.err().contains("'fast': it is not a word of the grammar; give 'dedicated' or 'shared'"),
                word::toString);
        assertEquals(1, h.monitor("placement", "test", "dedicated").code(), "a plan is an operation: read-write only");
        assertEquals(before, pinsSeenOutside("test"));
        usageError(Harness.run("placement", "test", "dedicated", "--config"), "placement: --config needs --apply (a "
                + "plan alone changes nothing)");
        usageError(Harness.run("placement", "test"), "placement: POLICY is missing (usage: placement DOMAIN POLICY "
                + "[--apply [--config]])");
        usageError(Harness.run("vcpupin", "test", "--apply"), "vcpupin: --apply is only for placement");
        usageError(Harness.run("numatune", "test", "--config"), "numatune: --config is only for setvcpus, vcpupin and "
                + "emulatorpin with a CPULIST, and placement --apply");
    }
}
