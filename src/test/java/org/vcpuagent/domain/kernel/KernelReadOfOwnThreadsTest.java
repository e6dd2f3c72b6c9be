package org.vcpuagent.domain.kernel;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link KernelRead} on a map of this JVM's own threads (as if they were vCPU threads): what it reads equals the
 * files, by path and through held files, and a thread that ends, a reused id or another thread count makes it
 * refuse, saying which.
 */
class KernelReadOfOwnThreadsTest {

    private static final int PID = (int) ProcessHandle.current().pid();

    @Test
    void aLiveMapIsReadAndAThreadThatEndsIsNamed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vcpu-like");
        t.start();
        Thread.sleep(50);
        int tid = tidNamed("vcpu-like");
        int cpus = 1024;
        VcpuThreadMap map = mapOf(tid, startTime(tid));
        KernelRead read = KernelRead.of(map, cpus);
        for (int i = 0; i < 20 && !read.holds(); i++) { // the JVM starts and ends compiler threads as it likes
            map = mapOf(tid, startTime(tid));
            read = KernelRead.of(map, cpus);
        }
        assertTrue(read.holds(), String.valueOf(read.problem()));
        KernelVcpu v = read.rows().get(0);
        assertEquals(3, v.vcpu());
        assertEquals(Schedstat.parse(ProcText.readOrNull(map.threads().get(0).schedstatPath())).runNs(), v.cpuTimeNs(),
                v.cpuTimeNs() / 100.0 + 1_000_000, "a sleeping thread's schedstat hardly moves");
        String allowed = TaskStatus.parse(ProcText.readOrNull(map.threads().get(0).statusPath())).cpusAllowedList();
        assertEquals(org.vcpuagent.model.CpuMap.parse(allowed, cpus), v.affinity());
        assertTrue(v.affinity().contains(v.cpu()), "last CPU " + v.cpu() + " inside " + allowed);

        release.countDown();
        t.join();
        KernelRead after = KernelRead.of(map, cpus);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (after.holds() && System.nanoTime() < deadline) {
            Thread.sleep(10); // the native thread ends a moment after Java's join returns
            after = KernelRead.of(map, cpus);
        }
        assertFalse(after.holds());
        // The JVM's thread count moved too; either way the read refuses and says why.
        assertTrue(after.problem().contains("threads, not") || after.lostVcpu() == 3, after.problem());
        assertFalse(after.processLost());
    }

    @Test
    void heldFilesReadWhatThePathsShowAndNothingOnceTheirThreadEnded() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vcpu-held");
        t.start();
        Thread.sleep(50);
        int tid = tidNamed("vcpu-held");
        VcpuThreadMap map = mapOf(tid, startTime(tid));
        HeldThreadFiles held = HeldThreadFiles.open(map);
        KernelRead read = held.read(1024);
        KernelRead byPath = KernelRead.of(map, 1024);
        for (int i = 0; i < 20 && !(read.holds() && byPath.holds()); i++) { // the JVM's thread count moves
            held.close();
            map = mapOf(tid, startTime(tid));
            held = HeldThreadFiles.open(map);
            read = held.read(1024);
            byPath = KernelRead.of(map, 1024);
        }
        assertTrue(read.holds(), String.valueOf(read.problem()));
        assertEquals(byPath.rows().get(0).affinity(), read.rows().get(0).affinity());
        assertEquals(byPath.rows().get(0).cpuTimeNs(), read.rows().get(0).cpuTimeNs(), 1_000_000,
                "a sleeping thread's schedstat hardly moves");

        release.countDown();
        t.join();
        KernelRead after = held.read(1024);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (after.holds() && System.nanoTime() < deadline) {
            Thread.sleep(10); // the native thread ends a moment after Java's join returns
            after = held.read(1024);
        }
        assertFalse(after.holds());
        assertTrue(after.problem().contains("threads, not") || after.lostVcpu() == 3, after.problem());
        held.close();
        assertTrue(held.read(1024).replaced(), "a read through closed files says the map was replaced");
    }

    @Test
    void heldFilesOfAThreadThatDoesNotExistAreRefused() {
        assertNull(HeldThreadFiles.open(new VcpuThreadMap(PID, 0, 1,
                List.of(VcpuThread.of(PID, 0, Integer.MAX_VALUE - 1, 1)), "/x")), "no such thread: nothing held");
    }

    @Test
    void aReusedThreadIdIsNoticedByItsStartTime() throws IOException {
        int tid = PID; // the main thread: alive for the whole test
        KernelRead read = KernelRead.of(mapOf(tid, startTime(tid) - 1), 1024);
        for (int i = 0; i < 20 && read.lostVcpu() < 0; i++) { // the JVM's thread count moved meanwhile
            read = KernelRead.of(mapOf(tid, startTime(tid) - 1), 1024);
        }
        assertFalse(read.holds());
        assertEquals(3, read.lostVcpu());
        assertTrue(read.problem().contains("belongs to another thread now"), read.problem());
    }

    @Test
    void aProcessThatEndedOrWasReplacedIsNoticed() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        int gone = (int) p.pid();
        KernelRead read = KernelRead.of(new VcpuThreadMap(gone, 1, 1, List.of(VcpuThread.of(gone, 0, gone, 1)), "/x"),
                1024);
        assertTrue(read.processLost(), read.problem());

        // Our own pid, but another start time: the process the map was made for has been replaced.
        TaskStat self = TaskStat.parse(ProcText.readOrNull("/proc/self/stat"));
        KernelRead replaced = KernelRead.of(new VcpuThreadMap(PID, self.startTime() + 1, self.numThreads(),
                List.of(VcpuThread.of(PID, 0, PID, 1)), "/x"), 1024);
        assertTrue(replaced.processLost(), replaced.problem());
    }

    private static VcpuThreadMap mapOf(int tid, long start) {
        TaskStat self = TaskStat.parse(ProcText.readOrNull("/proc/self/stat"));
        return new VcpuThreadMap(PID, self.startTime(), self.numThreads(), List.of(VcpuThread.of(PID, 3, tid, start)),
                "/test");
    }

    private static long startTime(int tid) {
        return TaskStat.parse(ProcText.readOrNull("/proc/" + PID + "/task/" + tid + "/stat")).startTime();
    }

    private static int tidNamed(String name) throws IOException {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                String comm = ProcText.readOrNull(t.resolve("comm").toString());
                if (comm != null && comm.strip().equals(name)) {
                    return Integer.parseInt(t.getFileName().toString());
                }
            }
        }
        throw new AssertionError("no thread named " + name);
    }
}
