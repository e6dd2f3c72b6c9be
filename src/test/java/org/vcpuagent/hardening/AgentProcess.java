package org.vcpuagent.hardening;

import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent in a process of its own, started from the test class path, so that its memory can be
 * measured from outside (/proc, jcmd) without the test's own allocations in the way.
 */
final class AgentProcess implements AutoCloseable {

    private static final Pattern ADDRESS = Pattern.compile("JMX: (service:jmx:\\S+)");

    final Process process;
    final JMXServiceURL address;

    private AgentProcess(Process process, JMXServiceURL address) {
        this.process = process;
        this.address = address;
    }

    static AgentProcess start(List<String> jvmOptions, String... agentArgs) throws IOException {
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
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        long deadline = System.currentTimeMillis() + 30_000;
        while ((line = out.readLine()) != null && System.currentTimeMillis() < deadline) {
            Matcher m = ADDRESS.matcher(line);
            if (m.find()) {
                return new AgentProcess(p, new JMXServiceURL(m.group(1)));
            }
        }
        p.destroyForcibly();
        throw new IOException("the agent process printed no JMX address");
    }

    JMXConnector connect() throws IOException {
        return JMXConnectorFactory.connect(address);
    }

    /** Resident memory in KiB, from /proc. */
    long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        throw new IOException("no VmRSS for " + process.pid());
    }

    /** Runs jcmd against the agent and returns its output. */
    String jcmd(String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        cmd.add(String.valueOf(process.pid()));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
