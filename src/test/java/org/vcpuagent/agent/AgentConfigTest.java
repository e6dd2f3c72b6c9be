package org.vcpuagent.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentConfigTest {

    @Test
    void defaultsAreTheEmbeddedDriverOnLoopback() {
        AgentConfig c = AgentConfig.defaults();
        assertEquals("test:///default", c.uri());
        assertEquals("127.0.0.1", c.jmxHost());
        assertEquals(9875, c.jmxPort());
        assertEquals(Duration.ofSeconds(2), c.refreshInterval());
        assertNull(c.jmxPasswordFile());
        assertFalse(c.jmxInsecure());
        assertFalse(c.readOnly());
    }

    @Test
    void theShippedFileHasEveryKeyWithTheDefaultValueAndADocumentingComment() throws Exception {
        Path shipped = Path.of("config/agent.properties");
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(shipped)) {
            p.load(r);
        }
        assertEquals(AgentConfig.DEFAULTS.keySet(), p.stringPropertyNames());
        for (String key : AgentConfig.DEFAULTS.keySet()) {
            assertEquals(AgentConfig.DEFAULTS.get(key), p.getProperty(key).trim(), key);
        }
        java.util.List<String> lines = Files.readAllLines(shipped);
        for (String key : AgentConfig.DEFAULTS.keySet()) {
            int at = lines.indexOf(key + " = " + AgentConfig.DEFAULTS.get(key));
            if (at < 0) {
                at = lines.indexOf(key + " =");
            }
            assertTrue(at > 0 && lines.get(at - 1).startsWith("#"), key + " has no comment right above it");
        }
    }

    @Test
    void optionsOverrideTheFileAndFilePathsAreRelativeToTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a.properties");
        Files.writeString(file, "uri = qemu:///system\njmx.port = 1234\njmx.password.file = pw\njmx.access.file = /abs/access\n");
        AgentConfig c = AgentConfig.fromArgs(new String[] {"--config", file.toString(), "--jmx-port", "4321",
            "--refresh-interval=500ms"});
        assertEquals("qemu:///system", c.uri());
        assertEquals(4321, c.jmxPort());
        assertEquals(Duration.ofMillis(500), c.refreshInterval());
        assertEquals(dir.resolve("pw"), c.jmxPasswordFile());
        assertEquals(Path.of("/abs/access"), c.jmxAccessFile());
    }

    @Test
    void connectionsDefaultToTheOneUriAndParseAliasUriPairs() {
        assertEquals(java.util.List.of(new AgentConfig.ConnectionSpec("default", "test:///default")),
                AgentConfig.defaults().connections());
        AgentConfig c = AgentConfig.fromArgs(new String[] {"--connections",
            "local=qemu:///system, remote=qemu+tcp://127.0.0.1/system"});
        assertEquals(java.util.List.of(new AgentConfig.ConnectionSpec("local", "qemu:///system"),
                new AgentConfig.ConnectionSpec("remote", "qemu+tcp://127.0.0.1/system")), c.connections());
        assertMessage("connections entry 'qemu:///system' is not allowed: give alias=uri pairs",
                "--connections", "qemu:///system");
        assertMessage("connections entry 'a b=x' is not allowed", "--connections", "a b=x");
        assertMessage("names alias 'a' twice", "--connections", "a=test:///default,a=qemu:///system");
    }

    @Test
    void badValuesAreErrorsThatSayWhatIsAllowed(@TempDir Path dir) throws Exception {
        assertMessage("unknown option --port", "--port", "1");
        assertMessage("needs a value", "--uri");
        assertMessage("jmx.port '70000' is not allowed: give a TCP port from 1 to 65535", "--jmx-port", "70000");
        assertMessage("jmx.port 'abc' is not allowed", "--jmx-port", "abc");
        assertMessage("refresh.interval '2' is not allowed: give a number with a unit", "--refresh-interval", "2");
        assertMessage("give between 100ms and 24 hours", "--refresh-interval", "10ms");
        assertMessage("read.only 'yes' is not allowed: give true or false", "--read-only", "yes");
        assertMessage("unexpected argument 'foo'", "foo");
        assertMessage("uri is empty", "--uri", " ");
        Path file = dir.resolve("b.properties");
        Files.writeString(file, "jmx.prot = 1\n");
        assertMessage("unknown key 'jmx.prot'", "--config", file.toString());
        assertMessage("cannot read the configuration file", "--config", dir.resolve("missing").toString());
    }

    /** The Java agents' keys: off by default, read from the file and the command line, checked here. */
    @Test
    void javaAgentKeysAreOffByDefaultAndReadLikeTheOthers(@TempDir Path dir) throws Exception {
        assertEquals("", AgentConfig.DEFAULTS.get("prometheus.port"));
        assertEquals("", AgentConfig.DEFAULTS.get("jolokia.port"));
        assertEquals("127.0.0.1", AgentConfig.DEFAULTS.get("prometheus.host"));
        assertEquals("127.0.0.1", AgentConfig.DEFAULTS.get("jolokia.host"));
        assertNull(AgentConfig.defaults().prometheus());
        assertNull(AgentConfig.defaults().jolokia());
        Path file = dir.resolve("c.properties");
        Files.writeString(file, "prometheus.port = 9876\njolokia.port = 8778\njolokia.password.file = pw\n"
                + "jolokia.access.file = access\n");
        AgentConfig fromFile = AgentConfig.fromArgs(new String[] {"--config", file.toString()});
        assertEquals(new AgentConfig.Prometheus("127.0.0.1", 9876, null, false), fromFile.prometheus());
        assertEquals(new AgentConfig.Jolokia("127.0.0.1", 8778, dir.resolve("pw"), dir.resolve("access")),
                fromFile.jolokia());
        assertEquals(file, fromFile.configFile());
        AgentConfig c = AgentConfig.fromArgs(new String[] {"--config", file.toString(), "--prometheus-port", "1",
            "--prometheus-host", "0.0.0.0", "--jolokia-port=2", "--jolokia-host", "::1", "--jolokia-password-file", "x",
            "--jolokia-access-file", "y"});
        assertEquals(new AgentConfig.Prometheus("0.0.0.0", 1, null, false), c.prometheus());
        assertEquals(new AgentConfig.Jolokia("::1", 2, Path.of("x"), Path.of("y")), c.jolokia());
        assertEquals(AgentConfig.defaults().jmxPort(), c.jmxPort());
    }

    @Test
    void badJavaAgentSettingsSayWhatIsAllowed() {
        assertMessage("prometheus.port '70000' is not allowed: give a TCP port from 1 to 65535, or leave it empty "
                + "to keep it off", "--prometheus-port", "70000");
        assertMessage("prometheus.port '0' is not allowed", "--prometheus-port", "0");
        assertMessage("jolokia.port 'http' is not allowed", "--jolokia-port", "http");
        assertMessage("prometheus.affinity.per.cpu 'yes' is not allowed: give true or false",
                "--prometheus-port", "9876", "--prometheus-affinity-per-cpu", "yes");
        assertMessage("the prometheus.rules (jmx_exporter's rules) nope.yaml cannot be read: it does not exist",
                "--prometheus-port", "9876", "--prometheus-rules", "nope.yaml");
        assertMessage("prometheus.host is empty", "--prometheus-port", "9876", "--prometheus-host", " ");
        assertMessage("Jolokia needs both files of its users or neither: give --jolokia-password-file and "
                + "--jolokia-access-file", "--jolokia-port", "8778", "--jolokia-password-file", "pw");
        assertMessage("or neither for the agent's generated logins", "--jolokia-port", "8778",
                "--jolokia-access-file", "access");
        // Neither: the generated logins, which the launcher makes in the state directory.
        assertEquals(new AgentConfig.Jolokia("127.0.0.1", 8778, null, null),
                AgentConfig.fromArgs(new String[] {"--jolokia-port", "8778"}).jolokia());
        // Off, the other keys are not looked at.
        assertNull(AgentConfig.fromArgs(new String[] {"--prometheus-host", "::1", "--prometheus-rules", "nope"})
                .prometheus());
    }

    /** Generated logins live in the state directory: the option, a path relative to the file, or the default. */
    @Test
    void theStateDirectoryIsAnOptionAndHasADefaultForThisUser(@TempDir Path dir) throws Exception {
        assertEquals("", AgentConfig.DEFAULTS.get("state.dir"));
        assertEquals(org.vcpuagent.common.StateDir.defaultForThisProcess(), AgentConfig.defaults().stateDir());
        assertEquals(Path.of("/srv/state"), AgentConfig.fromArgs(new String[] {"--state-dir", "/srv/state"}).stateDir());
        Path file = dir.resolve("a.properties");
        Files.writeString(file, "state.dir = logins\n");
        assertEquals(dir.resolve("logins"), AgentConfig.fromArgs(new String[] {"--config", file.toString()}).stateDir());
    }

    private static void assertMessage(String expected, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentConfig.fromArgs(args));
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
    }
}
