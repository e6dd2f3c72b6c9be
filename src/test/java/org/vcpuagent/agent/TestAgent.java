package org.vcpuagent.agent;

import javax.management.MBeanServerFactory;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * A real agent for tests: libvirt's test driver, its own MBean server, and a JMX connector on a
 * free port with the JDK's password and access files (user {@code admin} read-write, user
 * {@code monitor} read-only).
 */
public final class TestAgent implements AutoCloseable {

    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-secret";
    public static final String MONITOR = "monitor";
    public static final String MONITOR_PASSWORD = "monitor-secret";

    public final VcpuAgent agent;
    private final Path dir;

    private TestAgent(VcpuAgent agent, Path dir) {
        this.agent = agent;
        this.dir = dir;
    }

    public static TestAgent start(String uri, String refreshInterval) throws IOException {
        Path dir = Files.createTempDirectory("vcpu-agent-test");
        Path password = dir.resolve("jmxremote.password");
        Path access = dir.resolve("jmxremote.access");
        Files.writeString(password, ADMIN + " " + ADMIN_PASSWORD + "\n" + MONITOR + " " + MONITOR_PASSWORD + "\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(access, ADMIN + " readwrite\n" + MONITOR + " readonly\n");
        AgentConfig config = AgentConfig.fromArgs(new String[] {
            "--uri", uri, "--jmx-port", "0", "--jmx-password-file", password.toString(),
            "--jmx-access-file", access.toString(), "--refresh-interval", refreshInterval});
        return new TestAgent(VcpuAgent.start(config, MBeanServerFactory.newMBeanServer()), dir);
    }

    public static TestAgent start() throws IOException {
        return start("test:///default", "1m");
    }

    public JMXConnector connect(String user, String password) throws IOException {
        return JMXConnectorFactory.connect(agent.jmxAddress(),
                Map.of(JMXConnector.CREDENTIALS, new String[] {user, password}));
    }

    @Override
    public void close() throws IOException {
        agent.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }
}
