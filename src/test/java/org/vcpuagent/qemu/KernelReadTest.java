package org.vcpuagent.qemu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vcpuagent.domain.CallerOwned;
import org.vcpuagent.domain.DomainVcpus;
import org.vcpuagent.domain.Look;
import org.vcpuagent.domain.RecordedChanges;
import org.vcpuagent.domain.StatsCache;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.model.VcpuReading;
import org.vcpuagent.testsupport.CloseAll;

import javax.management.MBeanServerConnection;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code Vcpus} rows of a real guest come from the kernel ({@code source = proc}), and each value is what the
 * host itself shows for the vCPU's thread: {@code cpuTime} its schedstat within 1 %, {@code affinity} its
 * {@code Cpus_allowed_list}, {@code cpu} inside that set, the vCPU numbers QEMU's {@code query-cpus-fast}; right
 * after boot, a grow, a pin and a shrink libvirt times out on. In order, on one guest. Last, the whole agent as an
 * unprivileged user on libvirt's read-only socket reads /proc or falls back, and says which.
 */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelReadTest {

    private static final String GUEST = "vcpu-agent-kernel-test";
    private static final String STRING = String.class.getName();
    private static GuestUnderAgent g;

    @BeforeAll
    static void boot() throws Exception {
        g = GuestUnderAgent.start(GUEST);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        CloseAll.inOrder(g);
    }

    @Test
    @Order(1)
    void afterBootTheOneVcpuIsReadFromTheKernel() throws Exception {
        assertRowsMatchTheHost(1);
    }

    @Test
    @Order(2)
    void rightAfterAGrowEveryVcpuIsReadFromTheKernel() throws Exception {
        g.jmx().invoke(g.bean(), "setVcpus", new Object[] {4}, new String[] {"int"});
        assertRowsMatchTheHost(4);
    }

    @Test
    @Order(3)
    void rightAfterAPinTheAffinityIsTheThreadsOwn() throws Exception {
        g.jmx().invoke(g.bean(), "pinVcpu", new Object[] {1, "1"}, new String[] {"int", STRING});
        assertEquals("1", rows().get(1).get("affinity"), "at once");
        // The kernel moves a sleeping thread to an allowed CPU when it next runs; until then its last CPU is
        // the old one (virDomainGetVcpus says the same). So the rows are checked once the thread has run.
        long tid = g.guest().vcpuThreadIdsByIndex().get(1);
        long pinnedAt = g.guest().schedstatNs(tid);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (g.guest().schedstatNs(tid) == pinnedAt) {
            assertTrue(System.nanoTime() < deadline, "vCPU 1's thread " + tid + " did not run for 30 s after its pin");
            Thread.sleep(50);
        }
        assertEquals("1", assertRowsMatchTheHost(4).get(1).get("affinity"));
    }

    @Test
    @Order(4)
    void afterATimedOutShrinkTheRowsAreTheThreadsQemuStillHas() throws Exception {
        String answer = (String) g.jmx().invoke(g.bean(), "setVcpus", new Object[] {2}, new String[] {"int"});
        // QEMU 7.2 under TCG releases some vCPUs after libvirt stopped waiting: the kernel shows which remain.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            List<Integer> inQemu = List.copyOf(g.guest().vcpuThreadIdsByIndex().keySet());
            if (List.copyOf(rows().keySet()).equals(inQemu)) {
                break;
            }
            assertTrue(System.nanoTime() < deadline, "the rows " + rows().keySet() + " never became QEMU's vCPUs "
                    + inQemu + " after '" + answer + "'");
            Thread.sleep(200);
        }
        assertRowsMatchTheHost(g.guest().vcpuThreadIdsByIndex().size());
    }

    @Test
    @Order(5)
    void aRestartBetweenTwoReadsGivesTheNewThreadsNeverTheDeadOnes() throws Exception {
        try (Connection c = Connection.open(RealGuest.URI, false)) {
            HostInfo h = c.hostInfo();
            try (DomainVcpus dv = new DomainVcpus(TestLibvirt.lookupByName(c, GUEST), () -> h, new StatsCache(),
                    new CallerOwned(), new RecordedChanges())) {
                dv.look(Look.THOROUGH);
                List<VcpuReading> first = dv.vcpus();
                assertTrue(first.stream().allMatch(r -> r.source().equals(VcpuReading.FROM_PROC)), first.toString());

                g.guest().restart(); // the same handle: the map now names threads of a process that is gone

                List<VcpuReading> second = dv.vcpus();
                SortedMap<Integer, Long> threads = g.guest().vcpuThreadIdsByIndex();
                assertEquals(List.copyOf(threads.keySet()), second.stream().map(VcpuReading::number).toList());
                for (VcpuReading r : second) {
                    long now = g.guest().schedstatNs(threads.get(r.number()));
                    // libvirt, if it answered this read, counts 10 ms ticks: up to one tick more than schedstat.
                    assertTrue(r.cpuTime() <= now * 1.01 + 10_000_000, "vCPU " + r.number() + " shows " + r.cpuTime()
                            + " ns from " + r.source() + ", but its new thread has used " + now + " ns");
                }
                assertEquals(VcpuReading.FROM_PROC, dv.readSource(), "the map was rebuilt for the new process");
                assertEquals(VcpuReading.FROM_PROC, dv.vcpus().get(0).source());
            }
        }
    }

    @Test
    @Order(6)
    void anUnprivilegedUserReadsTheSameThreadsOrSaysWhyNot() throws Exception {
        // The kernel side alone, without libvirt (which asks polkit on its read-only socket unless the host says
        // auth_unix_ro = "none"): prove the map from the cgroups and read it. The whole agent: the next test.
        Path dir = Files.createTempDirectory("vcpu-agent-nobody");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path jna = Path.of(com.sun.jna.Native.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Files.copy(jna, dir.resolve("jna.jar"));
        Files.setPosixFilePermissions(dir.resolve("jna.jar"), PosixFilePermissions.fromString("rw-r--r--"));
        int hostCpus = Runtime.getRuntime().availableProcessors();
        Process p = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Djna.tmpdir=" + dir,
                "-cp", "target/classes:target/test-classes:" + dir.resolve("jna.jar"), KernelReadAs.class.getName(),
                GUEST, Integer.toString(hostCpus)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        int exit = p.waitFor();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        assertEquals(0, exit, out);
        SortedMap<Integer, Long> threads = g.guest().vcpuThreadIdsByIndex();
        if (out.startsWith("unproven: ")) {
            assertTrue(out.length() > "unproven: ".length() + 10, "a reason is given: " + out);
            return;
        }
        List<String> lines = out.lines().toList();
        assertEquals(threads.size(), lines.size(), out);
        for (String line : lines) {
            String[] f = line.split(" ");
            assertEquals("proc", f[0], out);
            long tid = threads.get(Integer.parseInt(f[1]));
            assertEquals(g.guest().cpusAllowedList(tid), f[2], line);
            assertTrue(Long.parseLong(f[3]) <= g.guest().schedstatNs(tid), line);
        }
    }

    @Test
    @Order(7)
    void theWholeAgentAsAnUnprivilegedUserOnReadOnlyLibvirtReadsProcOrFallsBackAndSaysWhich() throws Exception {
        // More than one vCPU, so that every row is checked, not just vCPU 0 (the restart left the configured one).
        g.jmx().invoke(g.bean(), "setVcpus", new Object[] {2}, new String[] {"int"});
        assertEquals(2, g.guest().vcpuThreadIdsByIndex().size(), "QEMU's vCPUs after the grow");
        // nobody, no groups: only the read-only socket (auth_unix_ro = "none" on the test host) and /proc.
        UnprivilegedAgent agent = UnprivilegedAgent.start(RealGuest.URI);
        try {
            assertEquals(UnprivilegedAgent.USER, Files.getOwner(Path.of("/proc", String.valueOf(agent.pid())))
                    .getName(), "the agent runs as the unprivileged user");
            MBeanServerConnection jmx = agent.jmx();
            org.vcpuagent.testsupport.JmxAwait.registered(jmx, g.bean(), true, Duration.ofSeconds(30));
            saidWhich(agent);
            Map<Integer, CompositeData> rows = rows(jmx);
            String said = saidWhich(agent); // the last word on it, should the source have changed meanwhile
            String source = (String) rows.values().iterator().next().get("source");
            assertTrue(rows.values().stream().allMatch(r -> r.get("source").equals(source)), rows.toString());
            assertTrue(source.equals("proc") || source.equals("getVcpus"), source);
            System.out.println("the agent as " + UnprivilegedAgent.USER + ": source " + source + "; it said: " + said);
            assertEquals(source.equals("proc"), said.contains("vCPUs are read from /proc"), said);
            assertEquals("libvirt", jmx.getAttribute(g.bean(), "DataSource"), "libvirt is not stale");
            if (source.equals("proc")) {
                assertRowsMatchTheHost(g.guest().vcpuThreadIdsByIndex().size(), jmx);
            } else {
                assertTrue(said.matches("(?s).*vCPUs are read through libvirt \\(virDomainGetVcpus\\): .{10,}"), said);
            }
        } finally {
            agent.close();
        }
        assertEquals(143, agent.exitCode(), "SIGTERM ends it: " + agent.output());
        assertTrue(ProcessHandle.of(agent.pid()).isEmpty(), "the agent's process is gone");
    }

    /** The agent's last log line naming where the guest's vCPU rows come from (and why, for libvirt). */
    private static String saidWhich(UnprivilegedAgent agent) throws InterruptedException {
        String prefix = "domain " + GUEST + ": vCPUs are read ";
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            var line = agent.output().lines().filter(l -> l.contains(prefix)).reduce((a, b) -> b);
            if (line.isPresent()) {
                return line.get();
            }
            assertTrue(System.nanoTime() < deadline, "the agent never said where " + GUEST + "'s vCPUs are read "
                    + "from:\n" + agent.output());
            Thread.sleep(100);
        }
    }

    private static Map<Integer, CompositeData> assertRowsMatchTheHost(int expected) throws Exception {
        return assertRowsMatchTheHost(expected, g.jmx());
    }

    /** Reads Vcpus between two looks at /proc and checks every row against them; returns the rows by number. */
    private static Map<Integer, CompositeData> assertRowsMatchTheHost(int expected, MBeanServerConnection jmx)
            throws Exception {
        RealGuest guest = g.guest();
        SortedMap<Integer, Long> threads = guest.vcpuThreadIdsByIndex();
        assertEquals(expected, threads.size(), "QEMU's vCPUs: " + threads);
        Map<Integer, Long> before = new TreeMap<>();
        threads.forEach((n, tid) -> before.put(n, guest.schedstatNs(tid)));
        Map<Integer, CompositeData> rows = rows(jmx);
        Map<Integer, Long> after = new TreeMap<>();
        threads.forEach((n, tid) -> after.put(n, guest.schedstatNs(tid)));

        assertEquals(List.copyOf(threads.keySet()), new ArrayList<>(rows.keySet()), "the vCPU numbers are QEMU's");
        for (Map.Entry<Integer, CompositeData> e : rows.entrySet()) {
            int n = e.getKey();
            CompositeData row = e.getValue();
            long tid = threads.get(n);
            assertEquals("proc", row.get("source"), row.toString());
            long cpuTime = (Long) row.get("cpuTime");
            assertTrue(cpuTime >= before.get(n) * 0.99 && cpuTime <= after.get(n) * 1.01, "vCPU " + n + ": cpuTime "
                    + cpuTime + " ns, the thread's schedstat " + before.get(n) + " before the read, " + after.get(n)
                    + " after");
            String allowed = guest.cpusAllowedList(tid);
            assertEquals(allowed, row.get("affinity"), "vCPU " + n + " (thread " + tid + ")");
            int cpu = (Integer) row.get("cpu");
            assertTrue(org.vcpuagent.model.CpuMap.parse(allowed, 1024).contains(cpu),
                    "vCPU " + n + " last ran on CPU " + cpu + ", outside its affinity " + allowed);
        }
        return rows;
    }

    private static Map<Integer, CompositeData> rows() throws Exception {
        return rows(g.jmx());
    }

    private static Map<Integer, CompositeData> rows(MBeanServerConnection jmx) throws Exception {
        TabularData t = (TabularData) jmx.getAttribute(g.bean(), "Vcpus");
        Map<Integer, CompositeData> out = new TreeMap<>();
        for (Object o : t.values()) {
            CompositeData row = (CompositeData) o;
            out.put((Integer) row.get("number"), row);
        }
        return out;
    }
}
