package org.vcpuagent.client;

import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.testsupport.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real agent on libvirt's test driver (users admin and monitor) and the client run in-process
 * against it through {@link ClientMain#run}, capturing stdout, stderr and the exit status.
 */
final class Harness implements AutoCloseable {

    /** What one run of the client produced. */
    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    final TestAgent agent;
    final String url;
    final Path dir;
    final Path adminPassword;
    final Path monitorPassword;

    private Harness(TestAgent agent) throws IOException {
        this.agent = agent;
        this.url = agent.agent.jmxAddress().toString();
        this.dir = agent.dir();
        this.adminPassword = TestAgent.secretFile(dir.resolve("admin.pw"), TestAgent.ADMIN_PASSWORD + "\n");
        this.monitorPassword = TestAgent.secretFile(dir.resolve("monitor.pw"), TestAgent.MONITOR_PASSWORD + "\n");
    }

    static Harness start() throws IOException {
        return new Harness(TestAgent.start());
    }

    /** The client with exactly these arguments. */
    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ClientMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The client logged in as admin (read-write). */
    Result admin(String... args) {
        return run(with(List.of("--url", url, "--user", TestAgent.ADMIN, "--password-file", adminPassword.toString()),
                args));
    }

    /** The client logged in as monitor (read-only). */
    Result monitor(String... args) {
        return run(with(List.of("--url", url, "--user", TestAgent.MONITOR, "--password-file",
                monitorPassword.toString()), args));
    }

    static String[] with(List<String> first, String... rest) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }

    VcpuAgentClient adminClient() throws IOException {
        return VcpuAgentClient.connect(url, TestAgent.ADMIN, TestAgent.ADMIN_PASSWORD);
    }

    /** test:///default is shared by every test in this JVM: put domain 'test' back as libvirt starts it. */
    void restore() throws IOException {
        try (VcpuAgentClient c = adminClient()) {
            RemoteDomain test = c.domain("test");
            if (test.vcpuCount() != 2) {
                test.setVcpus(2);
            }
            for (Map.Entry<Integer, String> pin : test.pinInfo().entrySet()) {
                if (!pin.getValue().equals("0-7")) {
                    test.pinVcpu(pin.getKey(), "r");
                }
            }
            if (!test.emulatorPin().equals("0-7")) {
                test.pinEmulator("r");
            }
        }
    }

    // --- what a run must have given ---

    static Result ok(Result r) {
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err(), r::toString);
        return r;
    }

    /** Exit 1, nothing on stdout, and exactly one line on stderr: "error: " and the message. */
    static void failsWith(Result r, String message) {
        assertEquals(1, r.code(), r::toString);
        assertEquals("", r.out(), r::toString);
        assertEquals("error: " + message + "\n", r.err());
    }

    /** Exit 2: the error line, then the short usage. */
    static void usageError(Result r, String message) {
        assertEquals(2, r.code(), r::toString);
        assertEquals("", r.out(), r::toString);
        assertEquals("error: " + message + "\n" + CommandLine.usage(), r.err());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(Result r) {
        ok(r);
        assertTrue(r.out().endsWith("}\n") && r.out().indexOf('\n') == r.out().length() - 1,
                "one JSON object on one line: " + r.out());
        return (Map<String, Object>) Json.parse(r.out());
    }

    /** Stops the agent; the folder with the password files goes with it. */
    @Override
    public void close() throws IOException {
        agent.close();
    }
}
