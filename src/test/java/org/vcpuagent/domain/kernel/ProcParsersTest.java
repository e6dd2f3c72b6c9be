package org.vcpuagent.domain.kernel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vcpuagent.model.CpuMap;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The /proc parsers on real files of this machine: a thread of this JVM whose name holds spaces and
 * parentheses (as a QEMU thread name, {@code CPU 0/KVM}, holds a space), checked against what the same files
 * say when read by other means.
 */
class ProcParsersTest {

    /** Each test's thread has its own name: an ended thread may linger in /proc for a moment after join. */
    private static int started;

    private final AtomicBoolean stop = new AtomicBoolean();
    private Thread busy;
    private int tid;
    private String task;

    @BeforeEach
    void startABusyThread() throws Exception {
        // 15 characters, the kernel's limit for a thread name, with the characters a naive parser trips on.
        String name = "x) (y z) CPU " + (started++ % 10) + "/";
        CountDownLatch named = new CountDownLatch(1);
        busy = new Thread(() -> {
            named.countDown();
            long x = 0;
            while (!stop.get()) {
                x += System.nanoTime() % 7;
            }
            if (x == 42) {
                System.out.print("");
            }
        }, name);
        busy.start();
        named.await();
        Thread.sleep(50);
        tid = tidNamed(name);
        task = "/proc/self/task/" + tid + "/";
    }

    @AfterEach
    void stopIt() throws InterruptedException {
        stop.set(true);
        busy.join();
    }

    @Test
    void statGivesStateStartTimeAndLastCpuAfterACommandWithSpacesAndParentheses() throws IOException {
        String text = ProcText.readOrNull(task + "stat");
        TaskStat s = TaskStat.parse(text);
        String[] fields = text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
        assertEquals(fields[0].charAt(0), s.state());
        assertEquals(Long.parseLong(fields[19]), s.startTime(), "field 22, starttime");
        assertEquals(Integer.parseInt(fields[36]), s.processor(), "field 39, processor");
        assertTrue(s.processor() >= 0 && s.processor() < Runtime.getRuntime().availableProcessors() * 64);
        assertEquals(Files.list(Path.of("/proc/self/task")).count(), s.numThreads(), 2.0, "field 20, num_threads");
    }

    @Test
    void schedstatIsTheThreadsCpuTimeInNanoseconds() throws InterruptedException {
        Schedstat first = Schedstat.parse(ProcText.readOrNull(task + "schedstat"));
        Thread.sleep(100);
        Schedstat second = Schedstat.parse(ProcText.readOrNull(task + "schedstat"));
        assertTrue(second.runNs() - first.runNs() > 1_000_000, "a spinning thread uses more than 1 ms in 100 ms: "
                + first + " then " + second);
        assertTrue(first.delayNs() >= 0);
    }

    @Test
    void statusAndSchedGetaffinityAgreeOnTheAffinity() throws IOException {
        TaskStatus status = TaskStatus.parse(ProcText.readOrNull(task + "status"));
        assertEquals(ProcessHandle.current().pid(), status.tgid());
        assertEquals(Files.getAttribute(Path.of("/proc/self/"), "unix:uid"), status.realUid(), "the owner of /proc/self");
        int cpus = Runtime.getRuntime().availableProcessors();
        CpuMap fromStatus = CpuMap.parse(status.cpusAllowedList(), 1024);
        CpuMap fromKernel = ThreadAffinity.of(tid, task + "status", fromStatus.highest() + 1);
        assertTrue(ThreadAffinity.usesLibc(), "libc's sched_getaffinity is bound");
        assertEquals(fromStatus, fromKernel);
        assertTrue(fromKernel.highest() + 1 >= cpus);
    }

    @Test
    void aThreadThatEndedReadsAsGone() throws InterruptedException {
        stop.set(true);
        busy.join();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (ProcText.readOrNull(task + "stat") != null && System.nanoTime() < deadline) {
            Thread.sleep(10); // the native thread ends a moment after Java's join returns
        }
        assertNull(ProcText.readOrNull(task + "stat"));
        assertNull(ThreadAffinity.of(tid, task + "status", 8));
    }

    @Test
    void badTextIsRefusedWithWhatWasExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TaskStat.parse("1 (a) R 1 2"));
        assertTrue(e.getMessage().contains("processor is field 39"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Schedstat.parse("12 x"));
        assertTrue(e.getMessage().contains("three numbers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TaskStatus.parse("Name:\tx\n"));
        assertTrue(e.getMessage().contains("Tgid"), e.getMessage());
    }

    private static int tidNamed(String name) throws IOException {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                String comm = ProcText.readOrNull(t.resolve("comm").toString());
                if (comm != null && comm.strip().equals(name.strip())) {
                    return Integer.parseInt(t.getFileName().toString());
                }
            }
        }
        throw new AssertionError("no thread of this JVM is named '" + name + "' in /proc/self/task/*/comm");
    }
}
