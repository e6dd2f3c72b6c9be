package org.vcpuagent.xen;

import org.vcpuagent.testsupport.VcpuOnlineReports;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real Xen test host of {@code scripts/xen/xen-test-host.sh}: Xen 4.17 nested in QEMU (TCG), dom0
 * running libvirtd with the libxl driver on {@code xen+tcp://127.0.0.1:PORT/system}, and a PV domU with 1
 * of 4 vCPUs, defined and started through libvirt.
 *
 * <p>Everything this fixture reports comes from dom0, outside libvirt's answers to the agent: {@code xl
 * vcpu-list} (Xen's own view of the vCPUs) and the domU's console log, where the domU prints
 * {@code VCPU-ONLINE: <cpulist>} (its {@code /sys/devices/system/cpu/online}) whenever it changes. Both are
 * read through the host's command port: a TCP connection to a root shell in dom0.
 *
 * <p>If the host is already up (started by CI or by hand with {@code xen-test-host.sh start}), the
 * fixture uses it and leaves it running; otherwise it starts it and {@link #close()} stops it.
 */
public final class XenHost implements AutoCloseable {

    static final String SCRIPT = "scripts/xen/xen-test-host.sh";
    /**
     * A bound on the script, not the expected time: it has its own limits (dom0 300 s, domU 300 s, after a
     * build of about 75 s from scratch) and stops what it started when one is reached. Without load a cold
     * start takes about 3 minutes.
     */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(15);
    private static final Duration DOM0_TIMEOUT = Duration.ofSeconds(120);

    private final Map<String, String> info;
    private final boolean ownedByUs;
    private final int commandPort;
    private boolean closed;

    private XenHost(Map<String, String> info, boolean ownedByUs) {
        this.info = info;
        this.ownedByUs = ownedByUs;
        this.commandPort = Integer.parseInt(required("command_port"));
    }

    /** Why this machine cannot run the Xen test host (the script's {@code check}), or null if it can. */
    public static String whyNot() {
        Result r = run(Duration.ofMinutes(2), SCRIPT, "check");
        if (r.exitCode == 0) {
            return null;
        }
        String reason = r.stdout.isBlank() ? r.stderr : r.stdout;
        return r.exitCode == 2 ? reason.trim() : SCRIPT + " check failed (exit " + r.exitCode + "): " + reason.trim();
    }

    /** Uses the running host, or builds (cached) and boots one; returns once the domU reports its vCPUs. */
    public static XenHost start() {
        Result status = run(Duration.ofMinutes(2), SCRIPT, "status");
        if (status.exitCode == 0) {
            return new XenHost(parse(status.stdout), false);
        }
        Result r;
        try {
            r = run(START_TIMEOUT, SCRIPT, "start");
        } catch (IllegalStateException e) {
            run(Duration.ofMinutes(2), SCRIPT, "stop");
            throw e;
        }
        if (r.exitCode != 0) {
            throw new IllegalStateException(SCRIPT + " start failed (exit " + r.exitCode + "):\n" + r.stderr + r.stdout);
        }
        System.out.println(r.stderr);
        return new XenHost(parse(r.stdout), true);
    }

    private static Map<String, String> parse(String keyValues) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : keyValues.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** {@code xen+tcp://127.0.0.1:PORT/system}. */
    public String uri() {
        return required("uri");
    }

    /** The domU's name. */
    public String domain() {
        return required("domain");
    }

    /** The script's {@code key=value} output: uri, command_port, domain, console_log, timings, ... */
    public Map<String, String> info() {
        return info;
    }

    // ---------------------------------------------------------------- dom0

    /**
     * Runs {@code command} in dom0's shell and returns its output (stdout and stderr).
     *
     * @throws IllegalStateException when it exits non-zero
     */
    public String dom0(String command) {
        String out = dom0Unchecked(command);
        int at = out.lastIndexOf("__rc=");
        int rc = at < 0 ? -1 : Integer.parseInt(out.substring(at + 5).trim());
        String text = at < 0 ? out : out.substring(0, at);
        if (rc != 0) {
            throw new IllegalStateException("in dom0: '" + command + "' failed (exit " + rc + "): " + text.trim());
        }
        return text;
    }

    private String dom0Unchecked(String command) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", commandPort), 10_000);
            s.setSoTimeout((int) DOM0_TIMEOUT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(("( " + command + " ) 2>&1; echo \"__rc=$?\"; exit\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            in.transferTo(buf);
            return buf.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException("dom0's command port 127.0.0.1:" + commandPort + " (running '" + command
                    + "')", e);
        }
    }

    /** One line of {@code xl vcpu-list}: Xen's own view of a vCPU. */
    public record XlVcpu(int vcpu, String cpu, String state, String hardAffinity, String softAffinity) {
        /** Xen lists a vCPU the guest does not have (beyond the count) as {@code --p}, on no CPU. */
        public boolean online() {
            return !state.contains("p") && !cpu.equals("-");
        }
    }

    private static final Pattern XL_LINE = Pattern.compile(
            "^(\\S+)\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)\\s+(\\S+)\\s+([\\d.]+)\\s+(.+?)\\s*/\\s*(.+?)\\s*$");

    /** {@code xl vcpu-list DOMAIN}, parsed; also printed, as the tests' record of Xen's view. */
    public List<XlVcpu> xlVcpuList() {
        String text = dom0("xl vcpu-list " + domain());
        System.out.print("xl vcpu-list " + domain() + ":\n" + text);
        List<XlVcpu> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = XL_LINE.matcher(line);
            if (m.matches() && m.group(1).equals(domain())) {
                out.add(new XlVcpu(Integer.parseInt(m.group(3)), m.group(4), m.group(5), m.group(7), m.group(8)));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("xl vcpu-list listed no vCPU of " + domain() + ":\n" + text);
        }
        return out;
    }

    /** Every {@code VCPU-ONLINE} cpulist the domU printed on its console, oldest first. */
    public List<String> onlineHistory() {
        String log = dom0("cat " + required("console_log"));
        return VcpuOnlineReports.in(List.of(log.replace("\r", "").split("\n")));
    }

    /** Waits until the domU's latest {@code VCPU-ONLINE} line says {@code cpulist}. */
    public void waitForOnline(String cpulist, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> history;
        while (true) {
            history = onlineHistory();
            if (!history.isEmpty() && history.get(history.size() - 1).equals(cpulist)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the domU did not report VCPU-ONLINE: " + cpulist + " within "
                        + timeout.toSeconds() + " s; its reports: " + history);
            }
            sleep(1000);
        }
    }

    /**
     * Makes the domU keep vCPU {@code vcpu} busy for {@code seconds}: types {@code burn SECONDS VCPU} on its
     * console, by writing to the console's pty in dom0 (the one {@code xl console} would use).
     */
    public void burn(int vcpu, int seconds) {
        dom0("printf 'burn %d %d\\n' " + seconds + " " + vcpu + " > \"$(xenstore-read /local/domain/$(xl domid "
                + domain() + ")/console/tty)\"");
    }

    /** Stops the host if this fixture started it. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownedByUs) {
            Result r = run(Duration.ofMinutes(2), SCRIPT, "stop");
            if (r.exitCode != 0) {
                throw new IllegalStateException(SCRIPT + " stop failed (exit " + r.exitCode + "): " + r.stderr);
            }
        }
    }

    private String required(String key) {
        String v = info.get(key);
        if (v == null) {
            throw new IllegalStateException(SCRIPT + " printed no " + key + "=: " + info);
        }
        return v;
    }

    // ---------------------------------------------------------------- processes

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private static Result run(Duration timeout, String... command) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + List.of(command), e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(List.of(command) + " did not finish within " + timeout.toSeconds()
                        + " s; its output so far:\n" + err.getNow("") + out.getNow(""));
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + List.of(command), e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "XenHost[" + info.get("uri") + ", domU " + info.get("domain") + "]";
    }
}
