package org.vcpuagent.qemu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real guest whose libvirt calls are held, in one of the two ways this host's libvirt 9.0 really holds them,
 * released by {@link #close()} (safe to call twice):
 * <ul>
 *   <li>{@link #savingToUnreadFifo}: {@code virsh save} into a FIFO whose reader never reads. libvirt holds the
 *   domain's save job (the guest paused, "saving") with QEMU answering: reads answer, changes wait libvirt's 30 s
 *   for the job. Released by ending the reader: the save fails and the guest runs again.</li>
 *   <li>{@link #withQemuStopped}: QEMU stopped with SIGSTOP, as a QEMU stuck in the kernel. The first call that takes
 *   the domain's job and asks QEMU (bulk vCPU statistics, even with NOWAIT; IOThreads; a monitor command) waits for as
 *   long as QEMU does, holding the job. Released by SIGCONT.</li>
 * </ul>
 * A FIFO nobody opens is not used: libvirtd then blocks in open() holding the domain's lock, and every listing of
 * domains on the host waits with it.
 */
final class HeldDomain implements AutoCloseable {

    private final RealGuest guest;
    private final List<Process> processes;
    private final Runnable release;
    private boolean released;

    private HeldDomain(RealGuest guest, List<Process> processes, Runnable release) {
        this.guest = guest;
        this.processes = processes;
        this.release = release;
    }

    static HeldDomain savingToUnreadFifo(RealGuest guest, Path dir) throws IOException, InterruptedException {
        Path fifo = dir.resolve(guest.name() + ".fifo");
        Files.deleteIfExists(fifo);
        run("mkfifo", "-m", "0666", fifo.toString());
        // The reader opens the FIFO, so libvirt's open() returns, and never reads, so the save never ends.
        Process reader = new ProcessBuilder("sh", "-c", "exec sleep 3600 < '" + fifo + "'").start();
        Process save = new ProcessBuilder("virsh", "-c", RealGuest.URI, "save", guest.name(), fifo.toString())
                .redirectErrorStream(true).start();
        HeldDomain held = new HeldDomain(guest, List.of(reader, save), () -> {
            reader.destroy();
            await(save);
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!held.jobHeld()) {
            if (System.nanoTime() > deadline) {
                held.close();
                throw new AssertionError("virsh save of " + guest.name() + " into " + fifo + " did not start a job");
            }
            Thread.sleep(100);
        }
        return held;
    }

    static HeldDomain withQemuStopped(RealGuest guest) throws IOException, InterruptedException {
        String pid = Long.toString(guest.qemuPid());
        run("kill", "-STOP", pid);
        return new HeldDomain(guest, List.of(), () -> {
            try {
                run("kill", "-CONT", pid);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("cannot resume QEMU " + pid + " of " + guest.name(), e);
            }
        });
    }

    /** Whether libvirt, asked on the test's own connection, reports the domain's save job (virsh domjobinfo). */
    boolean jobHeld() {
        return RealGuest.virsh("domjobinfo", guest.name()).contains("Save");
    }

    /** Whether the guest's QEMU is stopped now, from /proc (state T). */
    boolean qemuStopped() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(guest.qemuPid()), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            release.run();
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    private static void await(Process p) {
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("virsh save did not end within 60 s of its reader's end");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }
}
