package org.vcpuagent.exporters;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vcpuagent.testsupport.AgentProcess;

import javax.management.MBeanServerConnection;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scripts/vcpu-agent's options for the two Java agents: off by default, refused when unsafe, read from the file. */
class LauncherIT {

    @Test
    void bothJavaAgentsAreOffByDefault() throws Exception {
        try (AgentProcess agent = AgentProcess.viaLauncher()) {
            RuntimeMXBean runtime = ManagementFactory.newPlatformMXBeanProxy(agent.jmx(),
                    ManagementFactory.RUNTIME_MXBEAN_NAME, RuntimeMXBean.class);
            assertTrue(runtime.getInputArguments().stream().noneMatch(a -> a.startsWith("-javaagent")),
                    runtime.getInputArguments().toString());
        }
    }

    /** As README's Quick start: logins generated at the first start, named with their files, never a password. */
    @Test
    void theDefaultStartGeneratesLoginsOnceAndNamesThemButNoPassword(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        String admin;
        try (AgentProcess first = AgentProcess.viaLauncher("--state-dir", state.toString())) {
            admin = AgentProcess.password(state.resolve("jmxremote.password"), "admin");
            assertTrue(first.output().contains("JMX logins: admin (readwrite), monitor (readonly), generated now; "
                    + "passwords in " + state.resolve("jmxremote.password") + ", roles in "
                    + state.resolve("jmxremote.access") + "\n"), first.output());
            assertTrue(first.output().contains("(password and access files in force)"), first.output());
            assertFalse(first.output().contains(admin), first.output());
            assertTrue(first.output().contains("(log in as admin, password in " + state.resolve("jmxremote.password")),
                    first.output());
            javax.management.remote.JMXServiceURL url = first.address;
            SecurityException e = org.junit.jupiter.api.Assertions.assertThrows(SecurityException.class,
                    () -> javax.management.remote.JMXConnectorFactory.connect(url).close());
            assertTrue(e.getMessage().contains("Credentials required"), e.getMessage());
        }
        try (AgentProcess again = AgentProcess.viaLauncher("--state-dir", state.toString())) {
            assertTrue(again.output().contains("monitor (readonly), generated at the first start; passwords in "),
                    again.output());
            assertEquals(admin, AgentProcess.password(state.resolve("jmxremote.password"), "admin"));
            again.jmx();
        }
        // Asked for by name: no logins, and nothing generated.
        Path other = dir.resolve("other");
        try (AgentProcess open = AgentProcess.viaLauncher("--state-dir", other.toString(), "--jmx-insecure", "true")) {
            assertTrue(open.output().contains("(no authentication (jmx.insecure): every local user may connect)"),
                    open.output());
            assertFalse(open.output().contains("JMX logins"), open.output());
            open.jmx();
            assertFalse(Files.exists(other.resolve("jmxremote.password")));
        }
    }

    /** The agent itself serves /metrics, with the shipped rules beside config/agent.properties; no Java agent. */
    @Test
    void thePrometheusEndpointIsTheAgentsOwn() throws Exception {
        int port = AgentProcess.freePort();
        try (AgentProcess agent = AgentProcess.viaLauncher("--prometheus-port=" + port)) {
            MBeanServerConnection jmx = agent.jmx();
            RuntimeMXBean runtime = ManagementFactory.newPlatformMXBeanProxy(jmx, ManagementFactory.RUNTIME_MXBEAN_NAME,
                    RuntimeMXBean.class);
            assertTrue(runtime.getInputArguments().stream().noneMatch(a -> a.startsWith("-javaagent:")),
                    runtime.getInputArguments().toString());
            String command = runtime.getSystemProperties().get("sun.java.command");
            assertTrue(command.contains("--prometheus-port=" + port), command);
            Scrape s = Scrape.of("http://127.0.0.1:" + port + "/metrics");
            assertEquals(1.0, s.require("libvirt_up"));
            assertEquals(2.0, s.require("libvirt_domain_vcpu_current", "domain", "test"));
            assertTrue(agent.output().contains("Prometheus metrics: http://127.0.0.1:" + port + "/metrics"),
                    agent.output());
        }
    }

    @Test
    void jolokiaIsRefusedWithHalfItsUsersOrUnsafeOnes(@TempDir Path dir) throws Exception {
        Path password = dir.resolve("pw");
        Files.writeString(password, "admin secret\n");
        Path access = dir.resolve("access");
        Files.writeString(access, "admin readwrite\n");
        AgentProcess.Result onlyPassword = AgentProcess.runLauncher("--jolokia-port", "8778", "--jolokia-password-file",
                password.toString());
        assertEquals(2, onlyPassword.exitCode(), onlyPassword.output());
        assertTrue(onlyPassword.output().contains("error: Jolokia needs both files of its users or neither"),
                onlyPassword.output());

        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-r--r--"));
        AgentProcess.Result readable = AgentProcess.runLauncher("--jolokia-port", "8778", "--jolokia-password-file",
                password.toString(), "--jolokia-access-file", access.toString());
        assertEquals(2, readable.exitCode(), readable.output());
        assertTrue(readable.output().contains("can be read by others (mode 644): run chmod 600"), readable.output());

        AgentProcess.Result missing = AgentProcess.runLauncher("--jolokia-port", "8778", "--jolokia-password-file",
                dir.resolve("nope").toString(), "--jolokia-access-file", access.toString());
        assertEquals(2, missing.exitCode(), missing.output());
        assertTrue(missing.output().contains("does not exist"), missing.output());
    }

    /** Given no users, Jolokia takes the agent's generated logins: the same admin logs in over HTTP and JMX. */
    @Test
    void jolokiaWithoutUsersUsesTheGeneratedLogins() throws Exception {
        int port = AgentProcess.freePort();
        try (AgentProcess agent = AgentProcess.viaLauncher("--jolokia-port", String.valueOf(port))) {
            String admin = AgentProcess.password(agent.stateDir.resolve("jmxremote.password"), "admin");
            String url = "http://127.0.0.1:" + port + "/jolokia/read/libvirt.vcpu:type=Domain,name=test/VcpuCount";
            Curl.Response r = null;
            for (int i = 0; i < 100 && (r == null || r.http() != 200); i++) {
                try {
                    r = Curl.run("-u", "admin:" + admin, url);
                } catch (IllegalStateException e) {
                    Thread.sleep(200);
                }
            }
            assertEquals(2, ((Number) r.value()).intValue(), r.body());
            assertEquals(401, Curl.run("-u", "admin:admin", url).http());
            assertFalse(agent.output().contains(admin), agent.output());
        }
    }

    /** Refused at start, before anything listens, naming the directory or file and the fix. */
    @Test
    void aStateDirectoryOthersCanWriteOrABadAccessFileEndsTheStart(@TempDir Path dir) throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        AgentProcess.Result r = AgentProcess.runLauncher("--state-dir", open.toString());
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.output().contains("error: the state directory " + open + " can be written by others (mode 777)"),
                r.output());
        assertTrue(r.output().contains("run chmod 700 " + open), r.output());
        assertFalse(r.output().contains("JMX:"), r.output());
        try (var files = Files.list(open)) {
            assertEquals(0, files.count());
        }

        Path password = dir.resolve("pw");
        Files.writeString(password, "admin secret\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        Path access = Files.writeString(dir.resolve("access"), "admin readwrite\nguest readonly\n");
        AgentProcess.Result noPassword = AgentProcess.runLauncher("--jmx-password-file", password.toString(),
                "--jmx-access-file", access.toString());
        assertEquals(1, noPassword.exitCode(), noPassword.output());
        assertTrue(noPassword.output().contains("error: user 'guest' of the JMX access file " + access
                + " has no password in " + password), noPassword.output());
    }

    @Test
    void badPortsAreRefused() throws Exception {
        AgentProcess.Result r = AgentProcess.runLauncher("--prometheus-port", "70000");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.output().contains("prometheus.port '70000' is not allowed"), r.output());
        AgentProcess.Result j = AgentProcess.runLauncher("--jolokia-port", "http");
        assertEquals(2, j.exitCode(), j.output());
        assertTrue(j.output().contains("jolokia.port 'http' is not allowed"), j.output());
    }

    /** A Prometheus address the agent cannot serve on is named, with what to give instead, and the agent does not run. */
    @Test
    void aMetricsPortInUseOrAHostThatDoesNotResolveStopsTheStart() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            AgentProcess.Result r = AgentProcess.runLauncher("--jmx-insecure", "true", "--jmx-port", "0",
                    "--prometheus-port", String.valueOf(taken.getLocalPort()));
            assertTrue(r.exitCode() != 0, r.output());
            assertTrue(r.output().contains("error: cannot serve Prometheus metrics on 127.0.0.1:" + taken.getLocalPort()
                    + ": Address already in use (prometheus.host, prometheus.port): give a port nothing else listens on"),
                    r.output());
            assertFalse(r.output().contains("Connect with"), r.output());
        }
        AgentProcess.Result h = AgentProcess.runLauncher("--jmx-insecure", "true", "--jmx-port", "0",
                "--prometheus-port", "9876", "--prometheus-host", "nosuch.invalid");
        assertTrue(h.exitCode() != 0, h.output());
        assertTrue(h.output().contains("error: prometheus.host 'nosuch.invalid' does not resolve to an address: give a "
                + "name or address of this host, such as 127.0.0.1 (the default)"), h.output());
    }

    /** The jar checks every setting before the agent's JVM starts: a bad one ends the launcher with status 2. */
    @Test
    void aBadSettingOfTheAgentEndsTheLauncherBeforeTheAgentStarts() throws Exception {
        AgentProcess.Result r = AgentProcess.runLauncher("--jmx-port", "70000");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.output().startsWith("error: jmx.port '70000' is not allowed"), r.output());
        assertFalse(r.output().contains("JMX:") || r.output().contains("connected"), r.output());
        AgentProcess.Result rules = AgentProcess.runLauncher("--prometheus-port", "9876", "--prometheus-rules", "nope.yaml");
        assertEquals(2, rules.exitCode(), rules.output());
        assertTrue(rules.output().contains("the prometheus.rules (jmx_exporter's rules) nope.yaml cannot be read"),
                rules.output());
    }

    @Test
    void helpListsTheJavaAgentsOptionsToo() throws Exception {
        AgentProcess.Result r = AgentProcess.runLauncher("--help");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().startsWith("Usage: vcpu-agent "), r.output());
        assertTrue(r.output().contains("[--prometheus-port PORT") && r.output().contains("--jolokia-password-file FILE"),
                r.output());
    }

    /** The keys in the properties file, file paths relative to the file, as the agent reads its own. */
    @Test
    void thePropertiesFileTurnsBothOn(@TempDir Path dir) throws Exception {
        int prometheus = AgentProcess.freePort();
        int jolokia = AgentProcess.freePort();
        Path password = dir.resolve("jolokia.password");
        Files.writeString(password, "monitor monitor-secret\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(dir.resolve("jolokia.access"), "monitor readonly\n");
        Path config = dir.resolve("agent.properties");
        Files.writeString(config, "prometheus.port = " + prometheus + "\njolokia.port = " + jolokia + "\n"
                + "jolokia.password.file = jolokia.password\njolokia.access.file = jolokia.access\n");
        try (AgentProcess agent = AgentProcess.viaLauncher(Map.of("VCPU_AGENT_CONFIG", config.toString()))) {
            assertEquals(2.0, Scrape.of("http://127.0.0.1:" + prometheus + "/metrics")
                    .require("libvirt_domain_vcpu_current", "domain", "test"));
            Curl.Response r = null;
            for (int i = 0; i < 100 && (r == null || r.http() != 200); i++) {
                try {
                    r = Curl.run("-u", "monitor:monitor-secret", "http://127.0.0.1:" + jolokia
                            + "/jolokia/read/libvirt.vcpu:type=Domain,name=test/VcpuCount");
                } catch (IllegalStateException e) {
                    Thread.sleep(200);
                }
            }
            assertEquals(2, ((Number) r.value()).intValue(), r.body());
        }
    }
}
