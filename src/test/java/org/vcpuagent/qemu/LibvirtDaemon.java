package org.vcpuagent.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Kills and starts the real libvirtd, as a crash and an administrator's restart would. */
final class LibvirtDaemon {

    private static final Path PID_FILE = Path.of("/run/libvirtd.pid");

    private LibvirtDaemon() {
    }

    /** SIGKILL, like a crash: libvirtd gets no chance to say goodbye to its clients. */
    static void kill() throws IOException, InterruptedException {
        long pid = Long.parseLong(Files.readString(PID_FILE).trim());
        ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("libvirtd " + pid + " is not running"))
                .destroyForcibly();
        for (int i = 0; i < 100 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(50);
        }
        Files.deleteIfExists(PID_FILE);
    }

    /** Starts libvirtd the way CI does, and waits until it answers. */
    static void start() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("scripts/install-libvirt-host.sh").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("scripts/install-libvirt-host.sh failed: " + out);
        }
    }
}
