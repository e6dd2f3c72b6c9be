package org.vcpuagent.testsupport;

import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent as a process of its own, on its own libvirt test driver (its own test:///default, so nothing
 * is shared with other tests), with JMX on a free loopback port without authentication. Its output is
 * kept, and it counts as started once it has printed its JMX address. Two ways to start it:
 * <ul>
 * <li>{@link #viaLauncher}: the packaged agent through scripts/vcpu-agent, as users run it (these tests
 *     run after package, inside Maven);</li>
 * <li>{@link #fromClassPath}: {@code org.vcpuagent.agent.Main} from the test class path with chosen JVM
 *     options, so that its memory can be measured from outside ({@link #rssKiB}, {@link #jcmd}) without
 *     the test's own allocations in the way.</li>
 * </ul>
 */
public final class AgentProcess implements AutoCloseable {

    private static final Pattern JMX_LINE = Pattern.compile("^JMX: (service:jmx:\\S+)");

    public final Process process;
    public final JMXServiceURL address;
    private final StringBuffer output;
    private JMXConnector jmx;

    private AgentProcess(Process process, JMXServiceURL address, StringBuffer output) {
        this.process = process;
        this.address = address;
        this.output = output;
    }

    /** scripts/vcpu-agent with these options; the agent must start and answer over JMX within a minute. */
    public static AgentProcess viaLauncher(String... options) throws IOException, InterruptedException {
        return viaLauncher(Map.of(), options);
    }

    /** The same, with these environment variables for the launcher (e.g. VCPU_AGENT_CONFIG). */
    public static AgentProcess viaLauncher(Map<String, String> env, String... options)
            throws IOException, InterruptedException {
        ProcessBuilder pb = launcher(options);
        pb.environment().putAll(env);
        AgentProcess agent = start(pb, Duration.ofSeconds(60));
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
        Process p = launcher(options).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("the launcher did not end: " + out);
        }
        return new Result(p.exitValue(), out);
    }

    /** What a launcher run to its end gave. */
    public record Result(int exitCode, String output) {
    }

    private static ProcessBuilder launcher(String... options) {
        List<String> command = new ArrayList<>(List.of("bash", Path.of("scripts/vcpu-agent").toAbsolutePath().toString(),
                "--jmx-port", "0", "--refresh-interval", "1m"));
        command.addAll(List.of(options));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
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
    public static AgentProcess fromClassPath(List<String> jvmOptions, String... agentArgs)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.vcpuagent.agent.Main");
        cmd.addAll(List.of("--jmx-port", "0"));
        cmd.addAll(List.of(agentArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        // Fewer malloc arenas: RSS then reflects what is allocated, not how many threads allocated it.
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        return start(pb, Duration.ofSeconds(30));
    }

    /** Starts {@code pb} and reads its stdout to the end, waiting up to {@code limit} for the JMX address. */
    private static AgentProcess start(ProcessBuilder pb, Duration limit) throws IOException, InterruptedException {
        Process p = pb.start();
        StringBuffer out = new StringBuffer();
        CompletableFuture<String> jmxAddress = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.append(line).append('\n');
                    Matcher m = JMX_LINE.matcher(line);
                    if (m.find()) {
                        jmxAddress.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            jmxAddress.completeExceptionally(new IllegalStateException("the agent ended without a JMX address"));
        }, "agent-output");
        reader.setDaemon(true);
        reader.start();
        String address;
        try {
            address = jmxAddress.get(limit.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new IllegalStateException("the agent did not start: " + e + "\n" + out);
        }
        return new AgentProcess(p, new JMXServiceURL(address), out);
    }

    /** A new JMX connection, for the caller to close. */
    public JMXConnector connect() throws IOException {
        return JMXConnectorFactory.connect(address);
    }

    /** The agent over JMX: connected on first use, closed with the process. */
    public synchronized MBeanServerConnection jmx() throws IOException {
        if (jmx == null) {
            jmx = connect();
        }
        return jmx.getMBeanServerConnection();
    }

    /** Everything the agent printed so far. */
    public String output() {
        return output.toString();
    }

    /** Resident memory in KiB, from /proc. */
    public long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        throw new IOException("no VmRSS for " + process.pid());
    }

    /** Runs jcmd against the agent and returns its output. */
    public String jcmd(String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        cmd.add(String.valueOf(process.pid()));
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

    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            if (jmx != null) {
                try {
                    jmx.close();
                } catch (IOException e) {
                    // the agent may be gone already
                }
            }
        }
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
