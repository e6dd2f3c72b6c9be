package org.vcpuagent.agent;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The java command line the launcher is handed, from this checkout's config/ (the shipped rules, policy and
 * settings) and real files in a temporary folder: the Java agents' jars, properties files, users.
 */
class LaunchPlanTest {

    private static final Path HOME = Path.of("").toAbsolutePath();

    @TempDir
    Path dir;
    private Path jar;
    private Path agents;
    private Path config;
    private final ByteArrayOutputStream warnings = new ByteArrayOutputStream();

    @BeforeEach
    void files() throws Exception {
        jar = Files.writeString(dir.resolve("vcpu-agent.jar"), "");
        agents = Files.createDirectory(dir.resolve("javaagents"));
        Files.writeString(agents.resolve(LaunchPlan.JOLOKIA_JAR), "");
        // Generated logins go to the test's folder, never to /var/lib/vcpu-agent.
        config = Files.writeString(dir.resolve("agent.properties"), "uri = test:///default\nstate.dir = state\n");
    }

    private List<String> planWithJavaOpts(String javaOpts, String... args) {
        LaunchPlan plan = new LaunchPlan(new LaunchPlan.Layout(HOME, jar, agents, config, javaOpts),
                new PrintStream(warnings, true, StandardCharsets.UTF_8));
        return plan.javaArguments(args);
    }

    private List<String> plan(String... args) {
        return planWithJavaOpts(null, args);
    }

    private void assertRefused(String expected, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan(args));
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
    }

    private Path users() throws Exception {
        Path password = Files.writeString(dir.resolve("jolokia.password"), "admin secret\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(dir.resolve("jolokia.access"), "admin readwrite\n");
        return password;
    }

    @Test
    void withoutJavaAgentsTheSmallFootprintThenTheJarThenTheAgentsOptions() {
        List<String> java = plan("--jmx-port", "0", "--refresh-interval=1m");
        List<String> expected = new java.util.ArrayList<>(LaunchPlan.SMALL_FOOTPRINT);
        expected.add(org.vcpuagent.jmx.ReadOnlyRegistry.OPENS);
        expected.addAll(List.of("-Dlogback.configurationFile=" + HOME.resolve("config/logback.xml"),
                "-Dsun.net.httpserver.nodelay=true", "-jar",
                jar.toString(), "--config=" + config, "--jmx-port=0", "--refresh-interval=1m"));
        assertEquals(expected, java);
        assertEquals("", warnings.toString(StandardCharsets.UTF_8));
    }

    @Test
    void javaOptsReplaceTheDefaultsAndAnEmptyOneMeansNone() {
        List<String> java = planWithJavaOpts("  -Xmx64m   -Dx=y ", "--jmx-port", "0");
        assertEquals(List.of("-Xmx64m", "-Dx=y"), java.subList(0, 2));
        assertTrue(java.stream().noneMatch(LaunchPlan.SMALL_FOOTPRINT::contains), java.toString());
        List<String> none = planWithJavaOpts("", "--jmx-port", "0");
        assertEquals(org.vcpuagent.jmx.ReadOnlyRegistry.OPENS, none.get(0), "only what the agent needs");
        assertTrue(none.get(1).startsWith("-Dlogback.configurationFile="), none.toString());
    }

    @Test
    void theLastConfigWinsAndTheAgentGetsOnlyThatOne() throws Exception {
        Path other = Files.writeString(dir.resolve("other.properties"), "jmx.port = 1234\n");
        List<String> java = plan("--config", other.toString(), "--uri", "test:///default");
        assertEquals(List.of("--config=" + other, "--uri=test:///default"),
                java.subList(java.indexOf(jar.toString()) + 1, java.size()));
    }

    /** The agent serves /metrics itself: the launcher adds no Java agent for it and passes the settings on. */
    @Test
    void prometheusSettingsGoToTheAgentItself() {
        List<String> java = plan("--prometheus-port", "9876", "--jmx-port", "0");
        assertTrue(java.stream().noneMatch(a -> a.startsWith("-javaagent:")), java.toString());
        assertEquals(List.of("--prometheus-port=9876", "--jmx-port=0"),
                java.subList(java.indexOf(jar.toString()) + 2, java.size()));
        assertEquals("", warnings.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anOpenPrometheusAddressIsWarnedAbout() {
        List<String> java = plan("--prometheus-port", "9876", "--prometheus-host", "0.0.0.0");
        assertTrue(java.contains("--prometheus-host=0.0.0.0"), java.toString());
        assertTrue(warnings.toString(StandardCharsets.UTF_8).contains(
                "warning: Prometheus metrics on 0.0.0.0:9876 can be read by anyone who reaches it"));
    }

    @Test
    void jolokiaGetsTheAgentsAuthenticationAndAbsolutePaths() throws Exception {
        Path password = users();
        Files.writeString(config, "jolokia.port = 8778\njolokia.password.file = jolokia.password\n"
                + "jolokia.access.file = jolokia.access\n");
        List<String> java = plan();
        assertTrue(java.contains("-Dvcpu.agent.jolokia.password.file=" + password), java.toString());
        assertTrue(java.contains("-Dvcpu.agent.jolokia.access.file=" + dir.resolve("jolokia.access")), java.toString());
        String agent = java.stream().filter(a -> a.startsWith("-javaagent:")).findFirst().orElseThrow();
        assertEquals("-javaagent:" + agents.resolve(LaunchPlan.JOLOKIA_JAR) + "=config="
                + HOME.resolve("config/jolokia.properties") + ",host=127.0.0.1,port=8778,policyLocation=file:"
                + HOME.resolve("config/jolokia-access.xml") + ",authClass=org.vcpuagent.jolokia.JolokiaAuthenticator"
                + ",restrictorClass=org.vcpuagent.jolokia.JolokiaRestrictor,executor=single", agent);
        assertEquals("a\\,b\\\\c", LaunchPlan.escape("a,b\\c"));
    }

    /** Given no users, Jolokia gets the agent's generated logins, made here (as the agent's user) when missing. */
    @Test
    void jolokiaWithoutUsersGetsTheGeneratedLogins() throws Exception {
        Files.writeString(config, "state.dir = state\njolokia.port = 8778\n");
        List<String> java = plan();
        Path state = dir.resolve("state");
        assertTrue(java.contains("-Dvcpu.agent.jolokia.password.file=" + state.resolve("jmxremote.password")),
                java.toString());
        assertTrue(java.contains("-Dvcpu.agent.jolokia.access.file=" + state.resolve("jmxremote.access")),
                java.toString());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(state.resolve("jmxremote.password"))));
        String said = warnings.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("Jolokia logins: the agent's generated logins, passwords in "
                + state.resolve("jmxremote.password")), said);
        String passwords = Files.readString(state.resolve("jmxremote.password"));
        assertFalse(passwords.isEmpty() || said.contains(passwords.lines().filter(l -> l.startsWith("admin "))
                .findFirst().orElseThrow().split(" ")[1]), said);
    }

    @Test
    void jolokiaWithoutSafeUsersIsRefused() throws Exception {
        Path password = users();
        String access = dir.resolve("jolokia.access").toString();
        assertRefused("Jolokia needs both files of its users or neither", "--jolokia-port", "8778",
                "--jolokia-password-file", password.toString());
        assertRefused("the Jolokia password file " + dir.resolve("nope") + " cannot be read: it does not exist",
                "--jolokia-port", "8778", "--jolokia-password-file", dir.resolve("nope").toString(),
                "--jolokia-access-file", access);
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-r--r--"));
        assertRefused("can be read by others (mode 644): run chmod 600 " + password, "--jolokia-port", "8778",
                "--jolokia-password-file", password.toString(), "--jolokia-access-file", access);
    }

    @Test
    void aMissingJavaAgentJarOrShippedFileIsNamed() throws Exception {
        Files.delete(agents.resolve(LaunchPlan.JOLOKIA_JAR));
        assertRefused(agents.resolve(LaunchPlan.JOLOKIA_JAR) + " is missing: run mvn package",
                "--jolokia-port", "8778");
        Files.writeString(agents.resolve(LaunchPlan.JOLOKIA_JAR), "");
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        LaunchPlan noConfig = new LaunchPlan(new LaunchPlan.Layout(elsewhere, jar, agents, config, null),
                new PrintStream(warnings, true, StandardCharsets.UTF_8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> noConfig.javaArguments(new String[] {"--jolokia-port", "8778", "--jolokia-password-file",
                    users().toString(), "--jolokia-access-file", dir.resolve("jolokia.access").toString()}));
        assertTrue(e.getMessage().contains("the Jolokia policy " + elsewhere.resolve("config/jolokia-access.xml")
                + " cannot be read: it does not exist"), e.getMessage());
    }

    @Test
    void badSettingsOfTheAgentItselfAreRefusedBeforeAnythingStarts() {
        assertRefused("jmx.port '70000' is not allowed", "--jmx-port", "70000");
        assertRefused("unknown option --port", "--port", "1");
        assertRefused("has a line break", "--uri", "test:///default\n--jmx-insecure=true");
    }

    @Test
    void helpIsTheAgentsHelpWhereverItIs() {
        assertEquals(List.of("-jar", jar.toString(), "--help"), plan("--jmx-port", "0", "--help"));
        assertEquals(List.of("-jar", jar.toString(), "--help"), plan("-h"));
        assertFalse(plan("--jmx-port", "0").contains("--help"));
    }
}
