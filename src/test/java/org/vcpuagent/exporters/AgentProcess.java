package org.vcpuagent.exporters;

import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged agent as a real process, started through scripts/vcpu-agent on libvirt's test driver (its
 * own test:///default, so nothing is shared with other tests), with JMX on a free loopback port without
 * authentication, for the tests to read what JMX reports.
 */
final class AgentProcess implements AutoCloseable {

    private static final Pattern JMX_LINE = Pattern.compile("^JMX: (service:jmx:\\S+)");

    final Process process;
    private final StringBuffer output;
    private final JMXConnector jmx;

    private AgentProcess(Process process, StringBuffer output, JMXConnector jmx) {
        this.process = process;
        this.output = output;
        this.jmx = jmx;
    }

    /** The launcher with these options; the agent must start and print its JMX address within a minute. */
    static AgentProcess start(String... options) throws IOException, InterruptedException {
        return start(java.util.Map.of(), options);
    }

    /** The same, with these environment variables for the launcher (e.g. VCPU_AGENT_CONFIG). */
    static AgentProcess start(java.util.Map<String, String> env, String... options) throws IOException, InterruptedException {
        ProcessBuilder pb = launcher(options);
        pb.environment().putAll(env);
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
            address = jmxAddress.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new IllegalStateException("the agent did not start: " + e + "\n" + out);
        }
        return new AgentProcess(p, out, JMXConnectorFactory.connect(new JMXServiceURL(address)));
    }

    /** The launcher run to its end (for options it refuses): exit code and everything it printed. */
    static Result run(String... options) throws IOException, InterruptedException {
        Process p = launcher(options).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("the launcher did not end: " + out);
        }
        return new Result(p.exitValue(), out);
    }

    record Result(int exitCode, String output) {
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

    MBeanServerConnection jmx() throws IOException {
        return jmx.getMBeanServerConnection();
    }

    String output() {
        return output.toString();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            jmx.close();
        } catch (IOException e) {
            // the agent may be gone already
        }
        process.destroy();
        if (!process.waitFor(Duration.ofSeconds(20).toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
