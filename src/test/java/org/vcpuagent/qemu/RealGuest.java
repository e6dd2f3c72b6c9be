package org.vcpuagent.qemu;

import org.vcpuagent.testsupport.Json;
import org.vcpuagent.testsupport.VcpuOnlineReports;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real QEMU guest on {@code qemu:///system} for integration tests, booted by
 * {@code scripts/prepare-test-guest.sh} (q35 under TCG, 4 vCPUs of which 1 is plugged in at boot).
 *
 * <p>Everything this fixture reports comes from outside the agent's binding ({@code virsh}, {@code /proc},
 * the guest's serial log), so tests can check the binding against it. The guest's {@code /init} prints
 * {@code VCPU-ONLINE: <cpulist>} on the serial console whenever its set of online CPUs changes.
 *
 * <p>After any vCPU unplug, do not hot-plug again before {@link #restart()}: QEMU 7.2 crashes.
 */
public final class RealGuest implements AutoCloseable {

    static final String URI = "qemu:///system";
    private static final Path SCRIPT = Path.of("scripts/prepare-test-guest.sh");
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration VIRSH_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final Path serialLog;
    private final Map<String, String> info;
    private boolean closed;

    private RealGuest(String name, Map<String, String> info) {
        this.name = name;
        this.info = info;
        this.serialLog = Path.of(required(info, "serial_log"));
    }

    /** Whether {@code qemu:///system} answers, i.e. whether real-guest tests can run here. */
    public static boolean available() {
        try {
            return run(Duration.ofSeconds(20), List.of("virsh", "-c", URI, "version")).exitCode == 0;
        } catch (UncheckedIOException e) {
            return false; // no virsh at all
        }
    }

    /** Skips the calling test (class) when {@link #available()} is false, saying how to set the host up. */
    public static void assumeAvailable() {
        assumeTrue(available(), URI + " does not answer: run scripts/install-libvirt-host.sh");
    }

    /**
     * Defines and boots guest {@code name} (replacing any domain of that name) and returns once the guest
     * printed its first {@code VCPU-ONLINE} line. The first run on a host downloads a kernel.
     */
    public static RealGuest start(String name) {
        Result r = run(Duration.ofMinutes(10), List.of(SCRIPT.toString(), "--start", name));
        if (r.exitCode != 0) {
            throw new IllegalStateException(SCRIPT + " --start " + name + " failed (exit " + r.exitCode + "):\n"
                    + r.stderr + r.stdout);
        }
        Map<String, String> info = new LinkedHashMap<>();
        for (String line : r.stdout.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                info.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        if (!name.equals(info.get("domain"))) {
            throw new IllegalStateException(SCRIPT + " printed no domain=" + name + ":\n" + r.stdout);
        }
        return new RealGuest(name, Collections.unmodifiableMap(info));
    }

    public String name() {
        return name;
    }

    public Path serialLog() {
        return serialLog;
    }

    /** The script's {@code key=value} output: {@code domain}, {@code xml}, {@code serial_log}, {@code kernel}, ... */
    public Map<String, String> info() {
        return info;
    }

    // ---------------------------------------------------------------- the guest's own view

    /** Every {@code VCPU-ONLINE} cpulist in the serial log so far, oldest first. */
    public List<String> onlineHistory() {
        return VcpuOnlineReports.in(serialLines());
    }

    /**
     * Waits until the guest's latest {@code VCPU-ONLINE} line says {@code cpulist} (e.g. {@code 0-3}).
     *
     * @throws AssertionError with the log's tail when that does not happen within {@code timeout}
     */
    public void waitForOnline(String cpulist, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> history = onlineHistory();
            if (!history.isEmpty() && history.get(history.size() - 1).equals(cpulist)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("guest " + name + " did not report VCPU-ONLINE: " + cpulist + " within "
                        + timeout.toSeconds() + " s; last reports: " + history + "; serial log tail:\n"
                        + String.join("\n", tail(serialLines(), 20)));
            }
            sleep(100);
        }
    }

    private List<String> serialLines() {
        try {
            // The log is written by QEMU as raw console output: lines end in \r\n, and bytes may not be UTF-8.
            String text = new String(Files.readAllBytes(serialLog), StandardCharsets.ISO_8859_1);
            return Arrays.asList(text.replace("\r", "").split("\n"));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> tail(List<String> lines, int n) {
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }

    // ---------------------------------------------------------------- the host's view

    /** The QEMU process id, from libvirt's pid file. */
    public long qemuPid() {
        try {
            return Long.parseLong(Files.readString(Path.of("/run/libvirt/qemu/" + name + ".pid")).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("guest " + name + " has no QEMU pid file; is it running?", e);
        }
    }

    /**
     * The host thread ids of the vCPUs that exist in QEMU now, ordered by {@code cpu-index}, as
     * {@code virsh qemu-monitor-command ... query-cpus-fast} reports them. Its size is QEMU's vCPU count.
     */
    public List<Long> vcpuThreadIds() {
        return List.copyOf(vcpuThreadIdsByIndex().values());
    }

    /** As {@link #vcpuThreadIds()}, keyed by {@code cpu-index}, for when a gap in the numbers matters. */
    public SortedMap<Integer, Long> vcpuThreadIdsByIndex() {
        String reply = virsh("qemu-monitor-command", name, "{\"execute\":\"query-cpus-fast\"}");
        SortedMap<Integer, Long> out = new TreeMap<>();
        Map<String, Object> top = Json.object(Json.parse(reply.trim()), "query-cpus-fast reply");
        for (Object o : Json.list(top.get("return"), "return")) {
            Map<String, Object> cpu = Json.object(o, "cpu");
            out.put(Json.intMember(cpu, "cpu-index"), Json.longMember(cpu, "thread-id"));
        }
        return out;
    }

    /** The host CPUs thread {@code tid} of QEMU may run on, e.g. {@code 0-1}, from {@code /proc}. */
    public String cpusAllowedList(long tid) {
        for (String line : procTaskFile(tid, "status").split("\n")) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return line.substring("Cpus_allowed_list:".length()).trim();
            }
        }
        throw new IllegalStateException("no Cpus_allowed_list in /proc/" + qemuPid() + "/task/" + tid + "/status");
    }

    /** The CPU time thread {@code tid} of QEMU has used, in ns: the first field of its {@code schedstat}. */
    public long schedstatNs(long tid) {
        return Long.parseLong(procTaskFile(tid, "schedstat").trim().split("\\s+")[0]);
    }

    private String procTaskFile(long tid, String file) {
        Path p = Path.of("/proc", Long.toString(qemuPid()), "task", Long.toString(tid), file);
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + " (is " + tid + " a thread of " + name + "?)", e);
        }
    }

    // ---------------------------------------------------------------- control

    /** Runs {@code virsh -c qemu:///system ARGS} and returns its stdout; a failure throws with its stderr. */
    public static String virsh(String... args) {
        List<String> cmd = new ArrayList<>(List.of("virsh", "-c", URI));
        cmd.addAll(List.of(args));
        Result r = run(VIRSH_TIMEOUT, cmd);
        if (r.exitCode != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + r.exitCode + "): "
                    + r.stderr.trim());
        }
        return r.stdout;
    }

    /**
     * Powers the guest off and boots it again, back to 1 vCPU (live vCPU changes do not survive), and waits
     * for its first {@code VCPU-ONLINE} line. The serial log starts empty at each boot.
     */
    public void restart() {
        if (!virsh("domstate", name).trim().equals("shut off")) {
            virsh("destroy", name);
        }
        virsh("start", name);
        long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
        while (onlineHistory().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("guest " + name + " printed no VCPU-ONLINE line within "
                        + BOOT_TIMEOUT.toSeconds() + " s of its restart; serial log tail:\n"
                        + String.join("\n", tail(serialLines(), 20)));
            }
            sleep(200);
        }
    }

    /** Destroys and undefines the guest and removes its files. Safe to call twice. */
    @Override
    public void close() {
        if (!closed) {
            undefine(name);
            closed = true;
        }
    }

    /**
     * Destroys and undefines domain {@code name} if it exists, and removes its files: for cleaning up after a
     * {@link #start} that failed half-way (the script then leaves the domain for inspection).
     */
    public static void undefine(String name) {
        Result r = run(Duration.ofMinutes(2), List.of(SCRIPT.toString(), "--undefine", name));
        if (r.exitCode != 0) {
            throw new IllegalStateException(SCRIPT + " --undefine " + name + " failed (exit " + r.exitCode + "):\n"
                    + r.stderr);
        }
    }

    @Override
    public String toString() {
        return "RealGuest[" + name + "]";
    }

    // ---------------------------------------------------------------- processes

    private record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs a command, reading stdout and stderr at once so that neither pipe can fill up and block it. */
    private static Result run(Duration timeout, List<String> command) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " did not finish within " + timeout.toSeconds() + " s");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String required(Map<String, String> info, String key) {
        String v = info.get(key);
        if (v == null) {
            throw new IllegalStateException(SCRIPT + " printed no " + key + "=: " + info);
        }
        return v;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
