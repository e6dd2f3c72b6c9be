package org.vcpuagent.qemu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.DomainStatsReader;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.libvirt.QemuMonitor;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.model.DomainVcpuStats;
import org.vcpuagent.model.QemuVcpu;
import org.vcpuagent.model.VcpuStats;
import org.vcpuagent.testsupport.CloseAll;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bulk statistics and the QEMU monitor against a real guest, checked against virsh, /proc and the guest's
 * own serial console. The tests build on each other in order: grow 1 to 4 vCPUs, read, shrink 4 to 2 (which
 * times out, as QEMU 7.2 removes only some vCPUs), read the disagreement, stop the guest, boot it again.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QemuStatsTest {

    private static final String GUEST = "vcpu-agent-stats-test";
    private static final Duration GUEST_REACTION = Duration.ofSeconds(60);

    /** {@code VIR_FROM_QEMU}: the error was raised by libvirt's QEMU driver. */
    private static final int VIR_FROM_QEMU = 10;
    /** {@code VIR_FROM_NONE}. */
    private static final int VIR_FROM_NONE = 0;

    private static RealGuest guest;
    private static Connection conn;
    private static Domain domain;
    private static int maplen;
    /** QEMU's vCPU threads with 4 vCPUs, by cpu-index, as virsh reported them before the shrink. */
    private static SortedMap<Integer, Long> threadsAtFour;

    @BeforeAll
    static void boot() {
        RealGuest.assumeAvailable();
        guest = RealGuest.start(GUEST);
        conn = Connection.open(RealGuest.URI, false);
        domain = TestLibvirt.lookupByName(conn, GUEST);
        maplen = conn.hostInfo().mapLength();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try {
            CloseAll.inOrder(domain, conn);
        } finally {
            if (guest != null) {
                guest.close();
            } else if (RealGuest.available()) {
                RealGuest.undefine(GUEST); // start() failed half-way and left the domain for inspection
            }
        }
    }

    @Test
    @Order(1)
    void growsFromOneToFourVcpusThroughTheBinding() {
        assertEquals(List.of("0"), guest.onlineHistory(), "the guest boots with only vCPU 0");
        assertEquals(1, domain.vcpuCount());

        domain.setVcpus(4, false);

        guest.waitForOnline("0-3", GUEST_REACTION);
        assertEquals(4, domain.vcpuCount());
        threadsAtFour = guest.vcpuThreadIdsByIndex();
        assertEquals(List.of(0, 1, 2, 3), List.copyOf(threadsAtFour.keySet()));
    }

    @Test
    @Order(2)
    void statisticsReportFourVcpusWithTheCpuTimeTheHostMeasures() throws InterruptedException {
        DomainVcpuStats first = DomainStatsReader.of(domain);

        assertEquals(domain.uuid(), first.uuid());
        assertEquals(GUEST, first.name());
        assertEquals(4, first.current());
        assertEquals(4, first.maximum());
        assertEquals(List.of(0, 1, 2, 3), numbers(first));
        for (VcpuStats v : first.vcpus()) {
            assertEquals("running", v.stateWord(), v.toString());
            assertTrue(v.timeNs() > 0, v.toString());
            assertNotNull(v.waitNs(), "vcpu.N.wait is reported (0 on this kernel): " + v);
            assertNotNull(v.delayNs(), v.toString());
        }

        // Each vCPU thread keeps using CPU: the guest's /init polls every 0.2 s and the timer ticks everywhere.
        Map<Integer, Long> grown = new TreeMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (grown.size() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            for (VcpuStats v : DomainStatsReader.of(domain).vcpus()) {
                if (v.timeNs() > first.vcpus().get(v.number()).timeNs()) {
                    grown.put(v.number(), v.timeNs());
                }
            }
        }
        assertEquals(List.of(0, 1, 2, 3), List.copyOf(grown.keySet()), "vCPUs whose time grew: " + grown);

        // libvirt's vcpu.N.time is the thread's CPU time in clock ticks (10 ms here); /proc's schedstat has it in ns.
        for (int n = 0; n < 4; n++) {
            long tid = threadsAtFour.get(n);
            long before = guest.schedstatNs(tid);
            long libvirt = DomainStatsReader.of(domain).vcpus().get(n).timeNs();
            long after = guest.schedstatNs(tid);
            assertTrue(libvirt >= before - 50_000_000L && libvirt <= after + 50_000_000L,
                    "vCPU " + n + ": libvirt says " + libvirt + " ns, schedstat of thread " + tid + " says "
                            + before + ".." + after + " ns");
        }
    }

    @Test
    @Order(3)
    void qemuListsTheSameFourVcpuThreadsAsVirsh() {
        List<QemuVcpu> vcpus = QemuMonitor.queryCpusFast(domain);

        assertEquals(threadsAtFour, threadIds(vcpus), "QEMU through our binding vs. virsh qemu-monitor-command");
        assertEquals("/machine/unattached/device[0]", vcpus.get(0).qomPath(), "vCPU 0 is the boot CPU");
        for (QemuVcpu v : vcpus.subList(1, 4)) {
            assertEquals("/machine/peripheral/vcpu" + v.cpuIndex(), v.qomPath(), "libvirt's device alias vcpuN");
        }
        long pid = guest.qemuPid();
        for (QemuVcpu v : vcpus) {
            assertTrue(Files.isDirectory(Path.of("/proc", Long.toString(pid), "task", Long.toString(v.threadId()))),
                    v + " is a thread of QEMU " + pid);
            assertTrue(guest.cpusAllowedList(v.threadId()).matches("[0-9,-]+"), guest.cpusAllowedList(v.threadId()));
        }
    }

    @Test
    @Order(4)
    void theBulkCallIncludesTheGuest() {
        for (Map<String, DomainVcpuStats> all : List.of(TestLibvirt.allActive(conn),
                DomainStatsReader.allActiveWithoutWaiting(conn))) {
            DomainVcpuStats s = all.get(domain.uuid());
            assertNotNull(s, "guest " + domain.uuid() + " missing from " + all.keySet());
            assertEquals(GUEST, s.name());
            assertEquals(4, s.current());
            assertEquals(List.of(0, 1, 2, 3), numbers(s));
        }
    }

    @Test
    @Order(5)
    void qemuErrorsAndLibvirtRefusalsAreTold() {
        String reply = QemuMonitor.command(domain, "{\"execute\":\"no-such-command\"}");
        assertTrue(reply.contains("\"class\":\"CommandNotFound\""), reply);

        LibvirtException notJson = assertThrows(LibvirtException.class, () -> QemuMonitor.command(domain, "not json"));
        System.out.println("QMP command that is not JSON: " + notJson.getMessage());
        assertEquals("virDomainQemuMonitorCommand(" + GUEST + ")", notJson.getOperation());
        assertEquals(LibvirtException.ERR_INTERNAL_ERROR, notJson.getCode());
        assertTrue(notJson.getLibvirtMessage().startsWith("internal error: cannot parse json not json"),
                notJson.getLibvirtMessage());

        try (Connection ro = Connection.open(RealGuest.URI, true); Domain roDomain = TestLibvirt.lookupByName(ro, GUEST)) {
            LibvirtException e = assertThrows(LibvirtException.class, () -> QemuMonitor.queryCpusFast(roDomain));
            assertEquals(LibvirtException.ERR_OPERATION_DENIED, e.getCode(), e.getMessage());
            assertEquals("operation forbidden: read only access prevents virDomainQemuMonitorCommand",
                    e.getLibvirtMessage());
            assertEquals(4, DomainStatsReader.of(roDomain).current(), "statistics need no write access");
        }
    }

    @Test
    @Order(6)
    void aShrinkThatTimesOutLeavesLibvirtBehindQemuAndTheGuest() throws Exception {
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            long start = System.nanoTime();
            Future<LibvirtException> shrink = background.submit(() -> {
                try {
                    domain.setVcpus(2, false);
                    return null;
                } catch (LibvirtException e) {
                    return e;
                }
            });

            // While libvirt waits for the guest, a poller must not wait with it.
            Thread.sleep(1000);
            assertFalse(shrink.isDone(), "the unplug is still waiting for the guest");
            long t = System.nanoTime();
            assertNotNull(DomainStatsReader.allActiveWithoutWaiting(conn).get(domain.uuid()));
            assertTrue(System.nanoTime() - t < 1_000_000_000L, "NOWAIT took " + (System.nanoTime() - t) / 1e6 + " ms");
            assertFalse(shrink.isDone(), "the NOWAIT call returned before the unplug ended");
            t = System.nanoTime();
            assertNotNull(TestLibvirt.allActive(conn).get(domain.uuid()));
            long waited = System.nanoTime() - t;
            assertTrue(waited > 2_000_000_000L, "the waiting call waits for the unplug job: " + waited / 1e6 + " ms");

            LibvirtException e = shrink.get();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (e == null) {
                fail("setVcpus(2) succeeded; expected QEMU 7.2 to time out the unplug");
            }
            System.out.printf("shrink 4->2 after %.1f s: code %d, domain %d, message: %s%n", seconds, e.getCode(),
                    e.getErrorDomain(), e.getMessage());
            assertTrue(seconds > 4.5 && seconds < 15, seconds + " s");
            assertEquals(LibvirtException.ERR_OPERATION_TIMEOUT, e.getCode());
            assertEquals(VIR_FROM_QEMU, e.getErrorDomain());
            assertEquals("virDomainSetVcpusFlags(" + GUEST + ", 2)", e.getOperation());
            assertEquals("Timed out during operation: vcpu unplug request timed out. "
                    + "Unplug result must be manually inspected in the domain", e.getLibvirtMessage());
        } finally {
            background.shutdownNow();
        }

        // QEMU's truth: some vCPUs from the top are gone; our binding and virsh agree on which.
        List<QemuVcpu> left = QemuMonitor.queryCpusFast(domain);
        SortedMap<Integer, Long> leftThreads = threadIds(left);
        assertTrue(left.size() == 3 || left.size() == 2, "QEMU has " + left);
        assertEquals(guest.vcpuThreadIdsByIndex(), leftThreads);
        assertEquals(threadsAtFour.headMap(left.size()), leftThreads, "the vCPUs left kept their threads");
        // ... and the guest sees the same set.
        guest.waitForOnline(left.size() == 3 ? "0-2" : "0-1", GUEST_REACTION);

        // libvirt still believes in all 4, so GetVcpus trips over the thread QEMU ended.
        assertEquals(4, domain.vcpuCount(), "libvirt's stale belief");
        long firstGone = threadsAtFour.get(left.size());
        LibvirtException stale = assertThrows(LibvirtException.class, () -> domain.vcpus(4, maplen));
        System.out.println("GetVcpus after the shrink: code " + stale.getCode() + ", domain " + stale.getErrorDomain()
                + ", message: " + stale.getMessage());
        assertEquals(LibvirtException.ERR_SYSTEM_ERROR, stale.getCode());
        assertEquals(VIR_FROM_NONE, stale.getErrorDomain());
        assertEquals("cannot get CPU affinity of process " + firstGone + ": No such process",
                stale.getLibvirtMessage());
        assertFalse(stale.isDomainGone());
        assertFalse(stale.isConnectionLost());

        // Statistics still answer, repeating libvirt's belief: 4 vCPUs, the removed ones "running" with no time.
        DomainVcpuStats s = DomainStatsReader.of(domain);
        System.out.println("stats after the shrink: " + s);
        assertEquals(4, s.current());
        assertEquals(4, s.maximum());
        assertEquals(List.of(0, 1, 2, 3), numbers(s));
        for (VcpuStats v : s.vcpus()) {
            boolean removed = v.number() >= left.size();
            assertEquals("running", v.stateWord(), v.toString());
            assertEquals(removed, v.timeNs() == 0, v.toString());
            if (removed) {
                assertEquals(0L, v.delayNs(), v.toString());
            }
        }
    }

    @Test
    @Order(7)
    void aStoppedGuestReportsItsConfigurationAndRefusesMonitorCommands() {
        guest.virsh("destroy", GUEST);

        assertFalse(TestLibvirt.allActive(conn).containsKey(domain.uuid()));
        DomainVcpuStats s = DomainStatsReader.of(domain);
        assertEquals(new DomainVcpuStats(domain.uuid(), GUEST, 1, 4, List.of()), s,
                "the persistent configuration: current='1', 4 at most, no running vCPUs");
        LibvirtException e = assertThrows(LibvirtException.class, () -> QemuMonitor.queryCpusFast(domain));
        assertEquals(LibvirtException.ERR_OPERATION_INVALID, e.getCode());
        assertEquals("Requested operation is not valid: domain is not running", e.getLibvirtMessage());
        assertTrue(e.isDomainGone());
    }

    @Test
    @Order(8)
    void aRestartBootsTheGuestAfreshWithOneVcpu() {
        guest.restart();

        assertEquals(List.of("0"), guest.onlineHistory(), "the serial log starts over at each boot");
        assertEquals(1, domain.vcpuCount());
        assertEquals(1, guest.vcpuThreadIds().size());
        assertEquals(List.of(0), numbers(DomainStatsReader.of(domain)));
        AssertionError e = assertThrows(AssertionError.class, () -> guest.waitForOnline("0-3", Duration.ofMillis(300)));
        // The kernel may print between the lines (e.g. "MP-BIOS bug" on a loaded host): check the reports only.
        assertTrue(e.getMessage().contains("last reports: [0]; serial log tail:"), e.getMessage());
    }

    private static List<Integer> numbers(DomainVcpuStats s) {
        return s.vcpus().stream().map(VcpuStats::number).collect(Collectors.toList());
    }

    private static SortedMap<Integer, Long> threadIds(List<QemuVcpu> vcpus) {
        return vcpus.stream().collect(Collectors.toMap(QemuVcpu::cpuIndex, QemuVcpu::threadId, (a, b) -> {
            throw new AssertionError("duplicate cpu-index in " + vcpus);
        }, TreeMap::new));
    }
}
