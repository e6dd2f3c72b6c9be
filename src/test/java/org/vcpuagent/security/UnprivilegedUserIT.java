package org.vcpuagent.security;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.testsupport.AgentProcess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default configuration lets no local user in. The agent starts as README starts it (scripts/vcpu-agent, no
 * password file; a temporary --state-dir only root may enter), on libvirtd's own test driver
 * ({@code test+unix:///default}), so that the test's own libvirt connection sees the same domain {@code test}.
 * An unprivileged Unix user the test creates then tries to get in, and nothing may change.
 *
 * <p>Tagged qemu: it needs libvirtd (scripts/install-libvirt-host.sh), though no QEMU guest.
 */
@Tag("qemu")
class UnprivilegedUserIT {

    static final String USER = "vcpu-agent-nobody";
    static final String URI = "test+unix:///default";

    private static AgentProcess agent;
    private static Connection outside;
    private static Path shared;

    @BeforeAll
    static void start() throws Exception {
        createUser();
        agent = AgentProcess.viaLauncher("--uri", URI);
        outside = Connection.open(URI, true);
        // Where the user may read the client's class and jar: a copy, since the checkout may be under /root.
        shared = Files.createTempDirectory("vcpu-agent-unprivileged");
        Path classes = Files.createDirectories(shared.resolve("cp/org/vcpuagent/security"));
        Files.copy(Path.of("target/test-classes/org/vcpuagent/security/GuessingJmxClient.class"),
                classes.resolve("GuessingJmxClient.class"));
        Files.copy(Path.of("target/vcpu-agent.jar"), shared.resolve("vcpu-agent.jar"));
        try (var files = Files.walk(shared)) {
            for (Path p : files.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x"
                        : "rw-r--r--"));
            }
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (agent != null) {
            agent.close();
        }
        if (outside != null) {
            outside.close();
        }
        if (shared != null) {
            try (var files = Files.walk(shared)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Idempotent: CI runs as root on a fresh machine, a developer's machine may have it from an earlier run. */
    private static void createUser() throws Exception {
        if (run(List.of("id", "-u", USER)).code() != 0) {
            Run made = run(List.of("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", USER));
            assertTrue(made.code() == 0 || run(List.of("id", "-u", USER)).code() == 0, made.output());
        }
    }

    record Run(int code, String output) {
    }

    private static Run run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).directory(new java.io.File("/")).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " did not end: " + out);
        }
        return new Run(p.exitValue(), out);
    }

    private static Run asUser(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", USER, "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData",
                "-XX:TieredStopAtLevel=1"));
        full.addAll(List.of(command));
        return run(full);
    }

    /** Count and pinning of every vCPU, as libvirt (the daemon) tells the test's own connection. */
    private static String libvirtState() {
        try (Domain test = TestLibvirt.lookupByName(outside, "test")) {
            int max = test.maxVcpus();
            return test.vcpuCount() + " vCPUs, pins " + test.vcpuPinInfo(max, 1).stream().map(CpuMap::toCpuList).toList();
        }
    }

    @Test
    void noConnectionWithoutCredentialsOrWithGuessedOnesAndNothingChanges() throws Exception {
        String before = libvirtState();
        Path passwords = agent.stateDir.resolve("jmxremote.password");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(agent.stateDir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwords)));

        Run tried = asUser("-cp", shared.resolve("cp").toString(), GuessingJmxClient.class.getName(),
                agent.address.toString(), passwords.toString());
        assertEquals(0, tried.code(), tried.output());
        List<String> lines = tried.output().lines().filter(l -> !l.startsWith("WARNING")).toList();
        assertEquals(6, lines.size(), tried.output());
        for (String line : lines) {
            assertTrue(line.contains(" refused "), tried.output());
        }
        assertTrue(lines.get(0).contains("Credentials required"), tried.output());
        assertTrue(lines.get(1).contains("Invalid username or password"), tried.output());
        assertTrue(lines.get(5).contains("AccessDeniedException"), tried.output());
        assertEquals(before, libvirtState(), "libvirt shows no change");
    }

    @Test
    void theClientAsThatUserSaysWhatToDoAndAsRootItFindsTheLogins() throws Exception {
        String before = libvirtState();
        Run refused = asUser("-jar", shared.resolve("vcpu-agent.jar").toString(), "client", "--url",
                agent.address.toString(), "--state-dir", agent.stateDir.toString(), "vcpupin", "test", "0", "1");
        assertEquals(1, refused.code(), refused.output());
        assertTrue(refused.output().startsWith("error: cannot log in to " + agent.address + " without a user name: ")
                && refused.output().contains("The agent's generated logins cannot be used: "
                + agent.stateDir.resolve("jmxremote.password") + " cannot be read by this user. Run this as root or "
                + "as the agent's user"), refused.output());
        assertEquals(before, libvirtState(), "libvirt shows no change");

        // Root, the agent's user, gets in with the same one-line command: the change shows in libvirt, then is undone.
        String pin0;
        try (Domain test = TestLibvirt.lookupByName(outside, "test")) {
            pin0 = test.vcpuPinInfo(test.maxVcpus(), 1).get(0).toCpuList();
        }
        List<String> client = List.of("env", "VCPU_AGENT_CDS=off", "bash",
                Path.of("scripts/vcpu-agent-client").toAbsolutePath().toString(), "--url", agent.address.toString(),
                "--state-dir", agent.stateDir.toString());
        List<String> pin = new ArrayList<>(client);
        pin.addAll(List.of("vcpupin", "test", "0", pin0.equals("1") ? "2" : "1"));
        Run root = run(pin);
        assertEquals(0, root.code(), root.output());
        assertFalse(before.equals(libvirtState()), "root's pin shows in libvirt: " + libvirtState());
        List<String> undo = new ArrayList<>(client);
        undo.addAll(List.of("vcpupin", "test", "0", pin0));
        assertEquals(0, run(undo).code());
        assertEquals(before, libvirtState());
    }
}
