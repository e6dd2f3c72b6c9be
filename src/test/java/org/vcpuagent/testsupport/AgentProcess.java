package org.vcpuagent.testsupport;

import org.vcpuagent.jmx.ReadOnlyRegistry;

import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent as a process of its own, for tests and the benchmark: driven over JMX and measured from outside
 * (/proc, jcmd) without the caller's own allocations in the way. It counts as started once it has printed its
 * JMX address; its stdout is kept, with the moment it printed its "vcpu-agent connected" line and the CPU time
 * it had used by then. Ways to start it:
 * <ul>
 * <li>{@link #viaLauncher}: the packaged agent through scripts/vcpu-agent, as users run it, on its own libvirt
 *     test driver and a free loopback JMX port with the logins it generates (tests named *IT, after package);</li>
 * <li>{@link #fromClassPath}: {@code org.vcpuagent.agent.Main} from the test class path with chosen JVM
 *     options, with generated logins too;</li>
 * <li>{@link #start}: any command that runs the agent (the benchmark's launcher and {@code java -jar} runs).</li>
 * </ul>
 * The first two give the agent a temporary {@code --state-dir} of its own (deleted on close), so no test writes
 * into /var/lib/vcpu-agent or a home directory, and {@link #connect} logs in with the generated {@code admin}.
 */
public final class AgentProcess implements AutoCloseable {

    private static final Pattern JMX_LINE = Pattern.compile("^JMX: (service:jmx:\\S+)");
    private static final String CONNECTED_LINE = "vcpu-agent connected to ";

    /** Every agent process started and not closed yet, so that a shutdown hook can stop them all; guarded by itself. */
    private static final Set<Process> LIVE = new HashSet<>();

    public final Process process;
    public final JMXServiceURL address;
    /** The agent's --state-dir, where it generates its logins; null when the caller chose none. */
    public final Path stateDir;
    private final long spawnNanos;
    private final Stdout stdout;
    /** Whether {@link #stateDir} is a temporary one of ours, deleted on close; set once, before any close. */
    private volatile boolean ownsStateDir = true;
    /** The shared connection of {@link #jmx()}; guarded by this. */
    private JMXConnector jmx;

    private AgentProcess(Process process, long spawnNanos, Stdout stdout, JMXServiceURL address, Path stateDir) {
        this.process = process;
        this.stateDir = stateDir;
        this.spawnNanos = spawnNanos;
        this.stdout = stdout;
        this.address = address;
    }

    /** scripts/vcpu-agent with these options; the agent must start and answer over JMX within a minute. */
    public static AgentProcess viaLauncher(String... options) throws IOException {
        return viaLauncher(Map.of(), options);
    }

    /** The same, with these environment variables for the launcher (e.g. VCPU_AGENT_CONFIG). */
    public static AgentProcess viaLauncher(Map<String, String> env, String... options) throws IOException {
        Path given = givenStateDir(options);
        Path stateDir = given != null ? given : newStateDir();
        ProcessBuilder pb = launcher(stateDir, options).redirectErrorStream(true);
        pb.environment().putAll(env);
        AgentProcess agent = start(pb, Duration.ofSeconds(60), stateDir);
        agent.ownsStateDir = given == null;
        try {
            agent.jmx();
        } catch (IOException e) {
            agent.close();
            throw e;
        }
        return agent;
    }

    /** The launcher run to its end (for options it refuses): exit code and everything it printed. */
    public static Result runLauncher(String... options) throws IOException, InterruptedException {
        Path stateDir = newStateDir();
        try {
            Process p = launcher(stateDir, options).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("the launcher did not end: " + out);
            }
            return new Result(p.exitValue(), out);
        } finally {
            deleteTree(stateDir);
        }
    }

    /** The value of a --state-dir among the caller's options (which wins over ours), or null. */
    private static Path givenStateDir(String... options) {
        for (int i = 0; i < options.length; i++) {
            if (options[i].equals("--state-dir") && i + 1 < options.length) {
                return Path.of(options[i + 1]);
            }
            if (options[i].startsWith("--state-dir=")) {
                return Path.of(options[i].substring("--state-dir=".length()));
            }
        }
        return null;
    }

    /** A state directory of the agent's own, not made yet: the agent creates it owner-only. */
    private static Path newStateDir() throws IOException {
        return Files.createTempDirectory("vcpu-agent-state").resolve("state");
    }

    /** Deletes {@code dir}'s parent, the temporary folder {@link #newStateDir} made, with everything in it. */
    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir.getParent())) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary folder left behind harms no later test
        }
    }

    /** What a launcher run to its end gave. */
    public record Result(int exitCode, String output) {
    }

    private static ProcessBuilder launcher(Path stateDir, String... options) {
        List<String> command = new ArrayList<>(List.of("bash", Path.of("scripts/vcpu-agent").toAbsolutePath().toString(),
                "--jmx-port", "0", "--refresh-interval", "1m", "--state-dir", stateDir.toString()));
        command.addAll(List.of(options));
        ProcessBuilder pb = new ProcessBuilder(command);
        // Never let the launcher build: these tests run after package, inside Maven.
        pb.environment().put("VCPU_AGENT_NO_BUILD", "1");
        pb.environment().keySet().removeIf(k -> k.startsWith("JOLOKIA_"));
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("VCPU_AGENT_CONFIG");
        return pb;
    }

    /**
     * {@code org.vcpuagent.agent.Main} from the test class path, in a JVM with these options; it must print
     * its JMX address within 30 s. Its stderr is dropped.
     */
    public static AgentProcess fromClassPath(List<String> jvmOptions, String... agentArgs) {
        return fromClassPath(jvmOptions, null, agentArgs);
    }

    /** As {@link #fromClassPath(List, String...)}, with its stderr, where it logs, written to {@code stderr}. */
    public static AgentProcess fromClassPath(List<String> jvmOptions, Path stderr, String... agentArgs) {
        Path stateDir;
        try {
            stateDir = newStateDir();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add(ReadOnlyRegistry.OPENS);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.vcpuagent.agent.Main");
        cmd.addAll(List.of("--jmx-port", "0", "--state-dir", stateDir.toString()));
        cmd.addAll(List.of(agentArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(stderr == null ? ProcessBuilder.Redirect.DISCARD
                : ProcessBuilder.Redirect.to(stderr.toFile()));
        // Fewer malloc arenas: RSS then reflects what is allocated, not how many threads allocated it.
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        return start(pb, Duration.ofSeconds(30), stateDir);
    }

    /**
     * Starts {@code pb} (its stdin is /dev/null; its stderr goes where {@code pb} says) and waits up to
     * {@code limit} for the JMX address on its stdout. On failure the process is stopped and the message holds
     * the end of its output, and of its stderr when that goes to a file.
     */
    public static AgentProcess start(ProcessBuilder pb, Duration limit) {
        return start(pb, limit, null);
    }

    private static AgentProcess start(ProcessBuilder pb, Duration limit, Path stateDir) {
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        long spawned = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + pb.command(), e);
        }
        synchronized (LIVE) {
            LIVE.add(p);
        }
        Stdout out = new Stdout(p);
        try {
            String address = out.jmxAddress.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return new AgentProcess(p, spawned, out, new JMXServiceURL(address), stateDir);
        } catch (ExecutionException | TimeoutException | IOException e) {
            stop(p);
            if (stateDir != null) {
                deleteTree(stateDir);
            }
            throw new IllegalStateException("the agent (" + String.join(" ", pb.command()) + ") printed no JMX address "
                    + "within " + limit.toSeconds() + " s (" + e + "); exit " + (p.isAlive() ? "none, still running"
                    : p.exitValue()) + "; output:\n" + tail(out.text.toString()) + stderrTail(pb));
        } catch (InterruptedException e) {
            stop(p);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + pb.command(), e);
        }
    }

    private static String stderrTail(ProcessBuilder pb) {
        File err = pb.redirectError().file();
        if (err == null) {
            return "";
        }
        try {
            return "\nstderr (" + err + "):\n" + tail(Files.readString(err.toPath(), StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return "\n(no stderr: " + e.getMessage() + ")";
        }
    }

    private static String tail(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** Reads the agent's stdout to its end on a thread of its own, which alone writes the fields. */
    private static final class Stdout {
        final StringBuffer text = new StringBuffer();
        final CompletableFuture<String> jmxAddress = new CompletableFuture<>();
        volatile long connectedNanos;
        volatile long connectedTicks = -1;

        Stdout(Process p) {
            Thread reader = new Thread(() -> read(p), "agent-stdout-" + p.pid());
            reader.setDaemon(true);
            reader.start();
        }

        private void read(Process p) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith(CONNECTED_LINE)) {
                        connectedNanos = System.nanoTime();
                        connectedTicks = cpuTicksOrUnknown(p.pid());
                    }
                    text.append(line).append('\n');
                    Matcher m = JMX_LINE.matcher(line);
                    if (m.find()) {
                        jmxAddress.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            jmxAddress.completeExceptionally(new IllegalStateException("the agent's output ended without a JMX address"));
        }

        private static long cpuTicksOrUnknown(long pid) {
            try {
                return cpuTicks(pid);
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
    }

    /** A new JMX connection, as the generated {@code admin} when the agent made its logins; for the caller to close. */
    public JMXConnector connect() throws IOException {
        Path passwords = stateDir == null ? null : stateDir.resolve("jmxremote.password");
        if (passwords == null || !Files.exists(passwords)) {
            return JMXConnectorFactory.connect(address);
        }
        return JMXConnectorFactory.connect(address, Map.of(JMXConnector.CREDENTIALS,
                new String[] {"admin", password(passwords, "admin")}));
    }

    /** {@code user}'s password in a clear-text password file, read as the client reads the generated one. */
    public static String password(Path passwordFile, String user) throws IOException {
        for (String line : Files.readAllLines(passwordFile)) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && f[0].equals(user)) {
                return f[1];
            }
        }
        throw new IOException("no clear-text password for " + user + " in " + passwordFile);
    }

    /** The agent over JMX: connected on first use, closed by {@link #disconnect} or with the process. */
    public synchronized MBeanServerConnection jmx() throws IOException {
        if (jmx == null) {
            jmx = connect();
        }
        return jmx.getMBeanServerConnection();
    }

    /** Closes the shared connection, e.g. so that an idle agent is measured without a client. */
    public synchronized void disconnect() {
        if (jmx != null) {
            try {
                jmx.close();
            } catch (IOException e) {
                // the agent may be gone already
            }
            jmx = null;
        }
    }

    /** Everything the agent printed on stdout so far. */
    public String output() {
        return stdout.text.toString();
    }

    public long pid() {
        return process.pid();
    }

    /** From spawning the process to its "vcpu-agent connected" line, which it prints once every bean is registered. */
    public Duration startToConnected() {
        return Duration.ofNanos(stdout.connectedNanos - spawnNanos);
    }

    /** utime + stime of the whole process when it printed that line, in clock ticks; -1 if unknown. */
    public long cpuTicksAtConnected() {
        return stdout.connectedTicks;
    }

    /** utime + stime of the whole process now, in clock ticks (getconf CLK_TCK per second). */
    public long cpuTicks() throws IOException {
        return cpuTicks(pid());
    }

    /** utime + stime of a process or thread from its stat file ({@code /proc/PID/stat}, {@code /proc/PID/task/TID/stat}). */
    public static long cpuTicks(Path statFile) throws IOException {
        String stat = Files.readString(statFile);
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // After the command: field 3 (state) is index 0, so utime (field 14) is index 11 and stime index 12.
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static long cpuTicks(long pid) throws IOException {
        return cpuTicks(Path.of("/proc", String.valueOf(pid), "stat"));
    }

    /** Resident memory in KiB, from /proc. */
    public long rssKiB() throws IOException {
        return statusValue("VmRSS:");
    }

    /** The number after {@code key} in /proc/PID/status (KiB for the Vm* keys). */
    public long statusValue(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("no " + key + " in /proc/" + pid() + "/status");
    }

    /** Runs jcmd against the agent and returns its output. */
    public String jcmd(String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        cmd.add(String.valueOf(pid()));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    /** A loopback port free at the moment, for an exporter to listen on. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** SIGTERM, as Ctrl-C would: the agent unregisters and closes; SIGKILL if it takes over 20 s. */
    @Override
    public void close() {
        disconnect();
        stop(process);
        if (stateDir != null && ownsStateDir) {
            deleteTree(stateDir);
        }
    }

    /** For a shutdown hook: stops every agent still running, also those still starting. */
    public static void closeAll() {
        List<Process> all;
        synchronized (LIVE) {
            all = new ArrayList<>(LIVE);
        }
        all.forEach(AgentProcess::stop);
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        synchronized (LIVE) {
            LIVE.remove(p);
        }
    }
}
