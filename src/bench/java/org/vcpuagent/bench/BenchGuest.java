package org.vcpuagent.bench;

import org.vcpuagent.testsupport.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A real TCG guest on qemu:///system, booted by {@code scripts/prepare-test-guest.sh --start
 * --max-vcpus N NAME} with 1 vCPU online. Everything here is observed from outside the agent:
 * virsh, QEMU's {@code query-cpus-fast}, and the guest's serial console ({@code VCPU-ONLINE:}).
 */
final class BenchGuest implements AutoCloseable {

    static final String URI = "qemu:///system";
    private static final String ONLINE = "VCPU-ONLINE: ";
    /** Every guest this run defined, for the shutdown hook. */
    private static final Set<BenchGuest> LIVE = new LinkedHashSet<>();

    final String name;
    final int maxVcpus;
    private final Path root;
    private final Path serialLog;
    private boolean closed;

    private BenchGuest(Path root, String name, int maxVcpus, Path serialLog) {
        this.root = root;
        this.name = name;
        this.maxVcpus = maxVcpus;
        this.serialLog = serialLog;
    }

    static boolean hostAvailable() {
        try {
            return Proc.run(Duration.ofSeconds(20), "virsh", "-c", URI, "version").ok();
        } catch (RuntimeException e) {
            return false;
        }
    }

    static BenchGuest start(Path root, String name, int maxVcpus) {
        BenchGuest g = new BenchGuest(root, name, maxVcpus, Path.of("/var/log/vcpu-agent-test/" + name + "-serial.log"));
        synchronized (LIVE) {
            LIVE.add(g);
        }
        Proc.Result r = Proc.run(Duration.ofMinutes(10), List.of(root.resolve("scripts/prepare-test-guest.sh").toString(),
                "--start", "--max-vcpus", Integer.toString(maxVcpus), name),
                // Booting under TCG on a busy 2-core machine can take minutes.
                Map.of("GUEST_BOOT_TIMEOUT", System.getenv().getOrDefault("GUEST_BOOT_TIMEOUT", "300")));
        if (!r.ok()) {
            g.close();
            throw new IllegalStateException("prepare-test-guest.sh --start " + name + " failed: " + r.err() + r.out());
        }
        return g;
    }

    // ------------------------------------------------------------ virsh

    static Proc.Result virshResult(String... args) {
        List<String> cmd = new ArrayList<>(List.of("virsh", "-c", URI));
        cmd.addAll(List.of(args));
        return Proc.run(Duration.ofSeconds(90), cmd, Map.of());
    }

    static String virsh(String... args) {
        return virshResult(args).check().out();
    }

    /** QEMU's own vCPU count ({@code query-cpus-fast} through virsh). */
    int qemuVcpuCount() {
        String reply = virsh("qemu-monitor-command", name, "{\"execute\":\"query-cpus-fast\"}");
        Map<String, Object> top = Json.object(Json.parse(reply.trim()), "query-cpus-fast reply");
        return Json.list(top.get("return"), "return").size();
    }

    // ------------------------------------------------------------ the guest's view

    List<String> onlineHistory() {
        String text;
        try {
            text = new String(Files.readAllBytes(serialLog), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> out = new ArrayList<>();
        for (String line : text.replace("\r", "").split("\n")) {
            int at = line.indexOf(ONLINE);
            if (at >= 0) {
                out.add(line.substring(at + ONLINE.length()).trim());
            }
        }
        return out;
    }

    String lastOnline() {
        List<String> h = onlineHistory();
        return h.isEmpty() ? "" : h.get(h.size() - 1);
    }

    /** Polls the serial log every 10 ms; returns System.nanoTime() when the guest reported {@code cpulist}. */
    long waitForOnline(String cpulist, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (lastOnline().equals(cpulist)) {
                return System.nanoTime();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("guest " + name + " did not report VCPU-ONLINE: " + cpulist
                        + " within " + timeout.toSeconds() + " s; reports: " + onlineHistory());
            }
            sleep(10);
        }
    }

    /** {@code virsh destroy} (if running) and {@code virsh start}, then waits for the guest's first report. */
    void restart() {
        if (!virsh("domstate", name).trim().equals("shut off")) {
            virsh("destroy", name);
        }
        virsh("start", name);
        waitForFirstReport();
    }

    void waitForFirstReport() {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (onlineHistory().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("guest " + name + " printed no VCPU-ONLINE line within 120 s");
            }
            sleep(50);
        }
    }

    /** Grows to {@code n} vCPUs with virsh and waits until the guest has them all online. */
    void growTo(int n) {
        virsh("setvcpus", name, Integer.toString(n), "--live");
        waitForOnline(n == 1 ? "0" : "0-" + (n - 1), Duration.ofSeconds(120));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Destroys and undefines the guest and removes its files. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Proc.Result r = Proc.run(Duration.ofMinutes(2), List.of(root.resolve("scripts/prepare-test-guest.sh").toString(),
                "--undefine", name), Map.of());
        if (!r.ok()) {
            System.err.println("warning: could not remove guest " + name + ": " + r.err());
        }
        synchronized (LIVE) {
            LIVE.remove(this);
        }
    }

    static void closeAll() {
        List<BenchGuest> all;
        synchronized (LIVE) {
            all = new ArrayList<>(LIVE);
        }
        all.forEach(BenchGuest::close);
    }
}
