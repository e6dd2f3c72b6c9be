package org.vcpuagent.qemu;

import org.vcpuagent.jmx.ReadOnlyRegistry;
import org.vcpuagent.testsupport.AgentProcess;

import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The whole agent ({@code org.vcpuagent.agent.Main}) run as {@code nobody} with no supplementary groups, on
 * libvirt's read-only socket: {@code --uri qemu:///system --read-only true --jmx-port 0}. It runs from a copy of
 * target/classes and the class path's jars in a temporary folder that user may read (the checkout and
 * ~/.m2 may be under /root), with a state folder that user owns, where it generates its logins; root reads them
 * to log in as {@code admin}. Its stdout and stderr (the log) are kept. Close stops it with SIGTERM and deletes
 * the folder.
 */
final class UnprivilegedAgent implements AutoCloseable {

    static final String USER = "nobody";
    static final String GROUP = "nogroup";

    private final Path dir;
    private final AgentProcess agent;
    private final JMXConnector jmx;

    private UnprivilegedAgent(Path dir, AgentProcess agent, JMXConnector jmx) {
        this.dir = dir;
        this.agent = agent;
        this.jmx = jmx;
    }

    static UnprivilegedAgent start(String uri) throws Exception {
        Path dir = Files.createTempDirectory("vcpu-agent-unprivileged");
        AgentProcess agent = null;
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            String classPath = copyClassPath(dir.resolve("cp"));
            Path state = ownedByTheUser(dir.resolve("state"), "rwx------");
            Path scratch = ownedByTheUser(dir.resolve("scratch"), "rwx------");
            List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + USER, "--regid=" + GROUP,
                    "--clear-groups", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djna.tmpdir=" + scratch,
                    "-Djava.io.tmpdir=" + scratch, "-Duser.home=" + scratch, ReadOnlyRegistry.OPENS,
                    "-cp", classPath, "org.vcpuagent.agent.Main", "--uri", uri, "--read-only", "true",
                    "--jmx-port", "0", "--refresh-interval", "2s", "--state-dir", state.toString()));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().put("VCPU_AGENT_LOG_DIR", scratch.toString());
            pb.environment().put("HOME", scratch.toString());
            pb.environment().remove("JAVA_OPTS");
            pb.environment().remove("VCPU_AGENT_CONFIG");
            agent = AgentProcess.start(pb, Duration.ofSeconds(60));
            JMXConnector jmx = JMXConnectorFactory.connect(agent.address, Map.of(JMXConnector.CREDENTIALS,
                    new String[] {"admin", AgentProcess.password(state.resolve("jmxremote.password"), "admin")}));
            return new UnprivilegedAgent(dir, agent, jmx);
        } catch (Exception | Error e) {
            if (agent != null) {
                agent.close();
            }
            deleteTree(dir);
            throw e;
        }
    }

    MBeanServerConnection jmx() throws IOException {
        return jmx.getMBeanServerConnection();
    }

    /** Everything the agent printed, its log included. */
    String output() {
        return agent.output();
    }

    long pid() {
        return agent.pid();
    }

    /** The agent's exit code once it has ended (143 after SIGTERM). */
    int exitCode() {
        return agent.process.exitValue();
    }

    @Override
    public void close() throws IOException {
        try {
            jmx.close();
        } catch (IOException e) {
            // the agent may be gone already
        }
        agent.close();
        deleteTree(dir);
    }

    /** target/classes and every jar of the test class path, readable by everyone; returns the class path. */
    private static String copyClassPath(Path cp) throws IOException {
        Files.createDirectories(cp);
        List<String> entries = new ArrayList<>();
        Path classes = Path.of("target/classes").toAbsolutePath();
        copyTree(classes, cp.resolve("classes"));
        entries.add(cp.resolve("classes").toString());
        int n = 0;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.endsWith(".jar")) {
                Path copy = cp.resolve(n++ + "-" + Path.of(e).getFileName());
                Files.copy(Path.of(e), copy);
                entries.add(copy.toString());
            }
        }
        try (var files = Files.walk(cp)) {
            for (Path p : files.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x"
                        : "rw-r--r--"));
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static Path ownedByTheUser(Path folder, String mode) throws IOException {
        Files.createDirectory(folder);
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString(mode));
        UserPrincipalLookupService users = folder.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(folder, users.lookupPrincipalByName(USER));
        Files.getFileAttributeView(folder, java.nio.file.attribute.PosixFileAttributeView.class)
                .setGroup(users.lookupPrincipalByGroupName(GROUP));
        return folder;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
