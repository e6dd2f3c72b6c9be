package org.vcpuagent.bench;

import org.vcpuagent.testsupport.AgentProcess;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An agent process the benchmark starts ({@link AgentProcess}), with what the benchmark measures of it from
 * outside: CPU time per group of threads, threads, heap. Its stderr goes to a file of its own (libvirt's debug
 * log can be large), whose end is shown when the agent fails to start.
 */
final class BenchAgent implements AutoCloseable {

    private final AgentProcess agent;
    private final Path stderr;

    private BenchAgent(AgentProcess agent, Path stderr) {
        this.agent = agent;
        this.stderr = stderr;
    }

    /**
     * Starts {@code java JVMOPTS -jar JAR ARGS}, as {@code scripts/vcpu-agent} would, and returns once it printed
     * its JMX address.
     *
     * @param env extra environment, e.g. libvirt's debug log settings
     */
    static BenchAgent start(Path root, Path jar, List<String> jvmOptions, List<String> args, Map<String, String> env,
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
    static BenchAgent startLauncher(Path root, List<String> args, Map<String, String> env, Duration timeout) {
        List<String> cmd = new ArrayList<>();
        cmd.add(root.resolve("scripts/vcpu-agent").toString());
        cmd.addAll(args);
        Map<String, String> withDefaults = new HashMap<>();
        withDefaults.put("JAVA_OPTS", null);
        withDefaults.putAll(env);
        return startCommand(cmd, withDefaults, timeout);
    }

    /**
     * Starts any command that runs the agent; a null value in {@code env} removes that variable. The agent serves
     * JMX without authentication (--jmx-insecure, on loopback): the benchmark measures reads and changes, not logins,
     * and its clients (virsh's rivals, one-shot JMX clients) take no credentials. Its --state-dir is a temporary one,
     * for the Jolokia logins it may generate.
     */
    static BenchAgent startCommand(List<String> cmd, Map<String, String> env, Duration timeout) {
        Path err;
        List<String> insecure = new ArrayList<>(cmd);
        try {
            err = Files.createTempFile("vcpu-bench-agent", ".log");
            Path state = Files.createTempDirectory("vcpu-bench-state").resolve("state");
            insecure.addAll(List.of("--jmx-insecure", "true", "--state-dir", state.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        err.toFile().deleteOnExit();
        ProcessBuilder pb = new ProcessBuilder(insecure).redirectError(err.toFile());
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        return new BenchAgent(AgentProcess.start(pb, timeout), err);
    }

    /** From spawning the JVM to its "vcpu-agent connected" line, which it prints once every bean is registered. */
    double startToRegisteredMillis() {
        return agent.startToConnected().toNanos() / 1e6;
    }

    /** CPU time (all threads) the agent process had used when it printed that line, in ms; -1 if unknown. */
    double startCpuMillis() {
        long ticks = agent.cpuTicksAtConnected();
        return ticks < 0 ? -1 : ticks * 1000.0 / ScaleBench.clockTicks();
    }

    long pid() {
        return agent.pid();
    }

    String jmxUrl() {
        return agent.address.toString();
    }

    /** One shared connection, opened on first use and closed with the process. */
    MBeanServerConnection jmx() {
        try {
            return agent.jmx();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to " + agent.address, e);
        }
    }

    void disconnect() {
        agent.disconnect();
    }

    /** utime + stime of the whole process, in clock ticks. */
    long cpuTicks() {
        try {
            return agent.cpuTicks();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * utime + stime per group of threads, in clock ticks: {@code agent} (the agent's own threads and
     * libvirt's event loop), {@code jit} (the JIT compilers), {@code jvm} (GC and the rest of the JVM).
     * Threads that ended are not counted, so the groups can add up to less than {@link #cpuTicks()}.
     */
    Map<String, Long> cpuTicksByGroup() {
        Map<String, Long> out = new TreeMap<>(Map.of("agent", 0L, "jit", 0L, "jvm", 0L));
        File[] tasks = new File("/proc/" + agent.pid() + "/task").listFiles();
        for (File t : tasks == null ? new File[0] : tasks) {
            try {
                String name = Files.readString(t.toPath().resolve("comm")).trim();
                long ticks = AgentProcess.cpuTicks(t.toPath().resolve("stat"));
                String group = name.startsWith("vcpu-agent") || name.startsWith("libvirt") || name.startsWith("RMI")
                        || name.startsWith("JMX") ? "agent" : name.contains("Compiler") ? "jit" : "jvm";
                out.merge(group, ticks, Long::sum);
            } catch (IOException | RuntimeException e) {
                // the thread ended meanwhile
            }
        }
        return out;
    }

    /** Resident set size in KiB. */
    long rssKiB() {
        return status("VmRSS:");
    }

    int threads() {
        return (int) status("Threads:");
    }

    private long status(String key) {
        try {
            return agent.statusValue(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Heap in use by the agent, read through its own platform MBeanServer. */
    long heapUsedBytes(boolean gcFirst) {
        try {
            if (gcFirst) {
                jmx().invoke(new ObjectName("java.lang:type=Memory"), "gc", null, null);
            }
            return (Long) heap().get("used");
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the agent's heap over JMX: " + e, e);
        }
    }

    long heapCommittedBytes() {
        try {
            return (Long) heap().get("committed");
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the agent's heap over JMX: " + e, e);
        }
    }

    private CompositeData heap() throws Exception {
        return (CompositeData) jmx().getAttribute(new ObjectName("java.lang:type=Memory"), "HeapMemoryUsage");
    }

    /** SIGTERM, as Ctrl-C would: the agent unregisters and closes; SIGKILL if it takes too long. */
    @Override
    public void close() {
        agent.close();
        try {
            Files.deleteIfExists(stderr);
        } catch (IOException e) {
            // best effort: it is deleted on exit too
        }
    }
}
