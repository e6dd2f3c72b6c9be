package org.vcpuagent.agent;

import org.vcpuagent.libvirt.Connection;

import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.MBeanServerFactory;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real agent for tests: libvirt's test driver, its own MBean server, and a JMX connector on a
 * free port with the JDK's password and access files (user {@code admin} read-write, user
 * {@code monitor} read-only). It keeps one JMX connection per user for the tests ({@link #admin()},
 * {@link #monitor()}), their own libvirt connections beside it ({@link #outside}) and a folder for
 * their files ({@link #dir()}), and closing it closes and deletes them all.
 */
public final class TestAgent implements AutoCloseable {

    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-secret";
    public static final String MONITOR = "monitor";
    public static final String MONITOR_PASSWORD = "monitor-secret";

    public final VcpuAgent agent;
    private final String uri;
    private final Path dir;
    private final Map<String, JMXConnector> connectors = new LinkedHashMap<>();
    private final List<Connection> outside = new ArrayList<>();

    private TestAgent(VcpuAgent agent, String uri, Path dir) {
        this.agent = agent;
        this.uri = uri;
        this.dir = dir;
    }

    public static TestAgent start(String uri, String refreshInterval) throws IOException {
        return start(uri, refreshInterval, MBeanServerFactory.newMBeanServer());
    }

    /**
     * On {@code mbeanServer}, e.g. the platform MBean server for tests of the JVM's own MBeans, with these
     * further agent options (e.g. {@code --jmx-jvm-diagnostics true}).
     */
    public static TestAgent start(String uri, String refreshInterval, MBeanServer mbeanServer, String... options)
            throws IOException {
        Path dir = Files.createTempDirectory("vcpu-agent-test");
        Path password = secretFile(dir.resolve("jmxremote.password"),
                ADMIN + " " + ADMIN_PASSWORD + "\n" + MONITOR + " " + MONITOR_PASSWORD + "\n");
        Path access = dir.resolve("jmxremote.access");
        Files.writeString(access, ADMIN + " readwrite\n" + MONITOR + " readonly\n");
        List<String> args = new ArrayList<>(List.of("--uri", uri, "--jmx-port", "0", "--jmx-password-file",
                password.toString(), "--jmx-access-file", access.toString(), "--refresh-interval", refreshInterval));
        args.addAll(List.of(options));
        AgentConfig config = AgentConfig.fromArgs(args.toArray(new String[0]));
        return new TestAgent(VcpuAgent.start(config, mbeanServer), uri, dir);
    }

    public static TestAgent start() throws IOException {
        return start("test:///default", "1m");
    }

    /** A new JMX connection as this user, for the caller to close. */
    public JMXConnector connect(String user, String password) throws IOException {
        return JMXConnectorFactory.connect(agent.jmxAddress(),
                Map.of(JMXConnector.CREDENTIALS, new String[] {user, password}));
    }

    /** The agent over JMX as {@code admin} (read-write): connected on first use, closed with the agent. */
    public synchronized MBeanServerConnection admin() throws IOException {
        return shared(ADMIN, ADMIN_PASSWORD);
    }

    /** The agent over JMX as {@code monitor} (read-only): connected on first use, closed with the agent. */
    public synchronized MBeanServerConnection monitor() throws IOException {
        return shared(MONITOR, MONITOR_PASSWORD);
    }

    private MBeanServerConnection shared(String user, String password) throws IOException {
        JMXConnector c = connectors.get(user);
        if (c == null) {
            c = connect(user, password);
            connectors.put(user, c);
        }
        return c.getMBeanServerConnection();
    }

    /**
     * A libvirt connection of the test's own to the agent's URI, through our binding but not the agent's:
     * for changes made behind the agent's back, and for checking what the agent did. libvirt's test driver
     * keeps one test:///default per process, shared by every connection to it, so this one sees the
     * domains the agent sees. Closed with the agent.
     */
    public synchronized Connection outside(boolean readOnly) {
        Connection c = Connection.open(uri, readOnly);
        outside.add(c);
        return c;
    }

    /** A folder for the test's own files, deleted with the agent. */
    public Path dir() {
        return dir;
    }

    /** Writes {@code text} to {@code file}, readable by its owner only (as password files must be). */
    public static Path secretFile(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    @Override
    public void close() throws IOException {
        List<JMXConnector> open;
        List<Connection> libvirt;
        synchronized (this) {
            open = new ArrayList<>(connectors.values());
            connectors.clear();
            libvirt = new ArrayList<>(outside);
            outside.clear();
        }
        try {
            for (JMXConnector c : open) {
                c.close();
            }
        } finally {
            agent.close();
            libvirt.forEach(Connection::close);
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
