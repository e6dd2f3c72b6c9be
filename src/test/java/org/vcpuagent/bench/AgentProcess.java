package org.vcpuagent.bench;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The agent as its own process, started the way {@code scripts/vcpu-agent} starts it
 * ({@code java -Dlogback.configurationFile=config/logback.xml -jar target/vcpu-agent.jar ...}), so
 * that its CPU time, RSS and start-up can be measured from outside.
 */
final class AgentProcess implements AutoCloseable {

    private static final List<AgentProcess> LIVE = new ArrayList<>();

    final Process process;
    final long spawnNanos;
    private volatile long connectedNanos;
    private volatile long connectedTicks = -1;
    private volatile String jmxUrl;
    private volatile String connectedLine;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Path stderr;
    private JMXConnector connector;

    private AgentProcess(Process process, long spawnNanos, Path stderr) {
        this.process = process;
        this.spawnNanos = spawnNanos;
        this.stderr = stderr;
    }

    /**
     * Starts {@code java JVMOPTS -jar JAR ARGS} and returns once it printed its JMX address.
     *
     * @param env extra environment, e.g. libvirt's debug log settings
     */
    static AgentProcess start(Path root, Path jar, List<String> jvmOptions, List<String> args, Map<String, String> env,
                              Duration timeout) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-Dlogback.configurationFile=" + root.resolve("config/logback.xml"));
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(args);
        return startCommand(cmd, env, timeout);
    }

    /**
     * Starts the agent as a user starts it, {@code scripts/vcpu-agent ARGS}, with the launcher's default JVM
     * options: {@code JAVA_OPTS} is removed from the environment unless {@code env} sets it.
     */
    static AgentProcess startLauncher(Path root, List<String> args, Map<String, String> env, Duration timeout) {
        List<String> cmd = new ArrayList<>();
        cmd.add(root.resolve("scripts/vcpu-agent").toString());
        cmd.addAll(args);
        Map<String, String> withDefaults = new java.util.HashMap<>();
        withDefaults.put("JAVA_OPTS", null);
        withDefaults.putAll(env);
        return startCommand(cmd, withDefaults, timeout);
    }

    /** Starts any command that runs the agent (e.g. {@code scripts/vcpu-agent ...}) and waits for its JMX address. */
    static AgentProcess startCommand(List<String> cmd, Map<String, String> env, Duration timeout) {
        Path err;
        try {
            err = Files.createTempFile("vcpu-bench-agent", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(err.toFile());
        // A null value removes the variable (e.g. JAVA_OPTS, so that the launcher's defaults apply).
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
        AgentProcess a = new AgentProcess(p, t0, err);
        synchronized (LIVE) {
            LIVE.add(a);
        }
        Thread reader = new Thread(a::readStdout, "agent-stdout-" + p.pid());
        reader.setDaemon(true);
        reader.start();
        try {
            if (!a.ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS) || a.jmxUrl == null) {
                String log = a.stderrTail();
                a.close();
                throw new IllegalStateException("the agent (" + String.join(" ", cmd) + ") printed no JMX address within "
                        + timeout.toSeconds() + " s; exit " + (p.isAlive() ? "none, still running" : p.exitValue())
                        + "; log tail:\n" + log);
            }
        } catch (InterruptedException e) {
            a.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return a;
    }

    private void readStdout() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("vcpu-agent connected to ")) {
                    connectedNanos = System.nanoTime();
                    try {
                        connectedTicks = cpuTicks();
                    } catch (RuntimeException e) {
                        connectedTicks = -1;
                    }
                    connectedLine = line;
                } else if (line.startsWith("JMX: ")) {
                    String rest = line.substring(5);
                    int sp = rest.indexOf(' ');
                    jmxUrl = sp < 0 ? rest : rest.substring(0, sp);
                    ready.countDown();
                }
            }
        } catch (IOException e) {
            // the process went away
        } finally {
            ready.countDown();
        }
    }

    long pid() {
        return process.pid();
    }

    /** From spawning the JVM to its "vcpu-agent connected" line, which it prints once every bean is registered. */
    double startToRegisteredMillis() {
        return (connectedNanos - spawnNanos) / 1e6;
    }

    /** CPU time (all threads) the agent process had used when it printed that line, in ms; -1 if unknown. */
    double startCpuMillis() {
        return connectedTicks < 0 ? -1 : connectedTicks * 1000.0 / ScaleBench.clockTicks();
    }

    String connectedLine() {
        return connectedLine;
    }

    String jmxUrl() {
        return jmxUrl;
    }

    /** A new JMX connection; the caller closes it. */
    JMXConnector newConnector() {
        try {
            return JMXConnectorFactory.connect(new JMXServiceURL(jmxUrl));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to " + jmxUrl, e);
        }
    }

    /** One shared connection, opened on first use and closed with the process. */
    synchronized MBeanServerConnection jmx() {
        try {
            if (connector == null) {
                connector = newConnector();
            }
            return connector.getMBeanServerConnection();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    synchronized void disconnect() {
        if (connector != null) {
            try {
                connector.close();
            } catch (IOException e) {
                // gone anyway
            }
            connector = null;
        }
    }

    /** utime + stime of the whole process, in clock ticks (1/100 s here). */
    long cpuTicks() {
        String stat = read("/proc/" + pid() + "/stat");
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // After the command: field 3 is state, so utime (field 14) is index 11 and stime index 12.
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /**
     * utime + stime per group of threads, in clock ticks: {@code agent} (the agent's own threads and
     * libvirt's event loop), {@code jit} (the JIT compilers), {@code jvm} (GC and the rest of the JVM).
     * Threads that ended are not counted, so the groups can add up to less than {@link #cpuTicks()}.
     */
    Map<String, Long> cpuTicksByGroup() {
        Map<String, Long> out = new java.util.TreeMap<>(Map.of("agent", 0L, "jit", 0L, "jvm", 0L));
        File[] tasks = new File("/proc/" + pid() + "/task").listFiles();
        for (File t : tasks == null ? new File[0] : tasks) {
            try {
                String name = read(t + "/comm").trim();
                String stat = read(t + "/stat");
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                String group = name.startsWith("vcpu-agent") || name.startsWith("libvirt") || name.startsWith("RMI")
                        || name.startsWith("JMX") ? "agent" : name.contains("Compiler") ? "jit" : "jvm";
                out.merge(group, ticks, Long::sum);
            } catch (RuntimeException e) {
                // the thread ended meanwhile
            }
        }
        return out;
    }

    /** Resident set size in KiB. */
    long rssKiB() {
        return statusKiB("VmRSS:");
    }

    long statusKiB(String key) {
        for (String line : read("/proc/" + pid() + "/status").split("\n")) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no " + key + " in /proc/" + pid() + "/status");
    }

    int threads() {
        return (int) statusKiB("Threads:");
    }

    /** Heap in use by the agent, read through its own platform MBeanServer. */
    long heapUsedBytes(boolean gcFirst) {
        try {
            ObjectName memory = new ObjectName("java.lang:type=Memory");
            if (gcFirst) {
                jmx().invoke(memory, "gc", null, null);
            }
            javax.management.openmbean.CompositeData heap =
                    (javax.management.openmbean.CompositeData) jmx().getAttribute(memory, "HeapMemoryUsage");
            return (Long) heap.get("used");
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the agent's heap over JMX: " + e, e);
        }
    }

    long heapCommittedBytes() {
        try {
            javax.management.openmbean.CompositeData heap = (javax.management.openmbean.CompositeData)
                    jmx().getAttribute(new ObjectName("java.lang:type=Memory"), "HeapMemoryUsage");
            return (Long) heap.get("committed");
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the agent's heap over JMX: " + e, e);
        }
    }

    String stderrTail() {
        try {
            List<String> lines = Files.readAllLines(stderr, StandardCharsets.ISO_8859_1);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /** SIGTERM, as Ctrl-C would: the agent unregisters and closes; SIGKILL if it takes over 15 s. */
    @Override
    public void close() {
        disconnect();
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(stderr);
        } catch (IOException e) {
            // best effort
        }
        synchronized (LIVE) {
            LIVE.remove(this);
        }
    }

    /** For the shutdown hook: every agent process still running. */
    static void closeAll() {
        List<AgentProcess> all;
        synchronized (LIVE) {
            all = new ArrayList<>(LIVE);
        }
        all.forEach(AgentProcess::close);
    }
}
