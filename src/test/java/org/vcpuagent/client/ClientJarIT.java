package org.vcpuagent.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.agent.TestAgent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar as users run it, {@code java -jar target/vcpu-agent.jar client ...}, and the
 * {@code scripts/vcpu-agent-client} launcher with its class-data sharing archive. It runs after package
 * ({@code mvn verify}, failsafe) and fails, never skips, unless target/vcpu-agent.jar holds the client
 * exactly as compiled now.
 */
class ClientJarIT {

    private static final Path JAR = Path.of("target", "vcpu-agent.jar");
    private static final Path CLASSES = Path.of("target", "classes");
    private static final String EXPECTED = "maximum      live           2\ncurrent      live           2\n";

    private static Harness h;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void start() throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR + " is not built: this test runs in mvn verify, after package");
        try (JarFile jar = new JarFile(JAR.toFile())) {
            for (String entry : List.of("org/vcpuagent/client/ClientMain.class", "org/vcpuagent/agent/Main.class")) {
                ZipEntry e = jar.getEntry(entry);
                assertNotNull(e, JAR + " has no " + entry);
                try (InputStream in = jar.getInputStream(e)) {
                    assertArrayEquals(Files.readAllBytes(CLASSES.resolve(entry)), in.readAllBytes(),
                            JAR + " is older than the compiled classes: run mvn package");
                }
            }
        }
        h = Harness.start();
        h.restore();
    }

    @AfterAll
    static void stop() throws IOException {
        if (h != null) {
            h.close();
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static Run run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the client did not finish within 60 s");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    List<String> login() {
        return List.of("--url", h.url, "--user", TestAgent.ADMIN, "--password-file", h.adminPassword.toString());
    }

    @Test
    void theJarDispatchesToTheClientWithoutLoadingTheAgentsLibraries() throws Exception {
        Path classLog = h.dir.resolve("classes.log");
        List<String> command = new ArrayList<>(List.of(java(), "-Xlog:class+load=info:file=" + classLog, "-jar",
                JAR.toString(), "client"));
        command.addAll(login());
        command.addAll(List.of("vcpucount", "test"));
        Run r = run(command, Map.of());
        assertEquals(new Run(0, EXPECTED, ""), r);
        String loaded = Files.readString(classLog);
        for (String heavy : List.of("com.sun.jna.", "org.slf4j.", "ch.qos.logback.")) {
            assertFalse(loaded.contains(" " + heavy), "the client loaded " + heavy + "*");
        }
        // Of the project's own classes: the client, what it shares with the agent (common, model), and
        // agent.Main, which hands the command over; never jmx, libvirt, domain or the rest of agent.
        Matcher m = Pattern.compile("\\] (org\\.vcpuagent\\.[\\w.$]+) source:").matcher(loaded);
        List<String> ours = new ArrayList<>();
        while (m.find()) {
            ours.add(m.group(1));
        }
        assertTrue(ours.contains("org.vcpuagent.client.ClientMain"), "the class log names no client class: " + ours);
        List<String> outside = ours.stream().filter(c -> !c.matches(
                "org\\.vcpuagent\\.(client|common|model)\\.[\\w$]+|org\\.vcpuagent\\.agent\\.Main")).toList();
        assertEquals(List.of(), outside, "the client loaded classes of the agent's layers");
        Files.delete(classLog);
    }

    @Test
    void theJarsExitStatusesAreTheClients() throws Exception {
        List<String> base = List.of(java(), "-jar", JAR.toString(), "client");
        Run usage = run(concat(base, List.of("frobnicate")), Map.of());
        assertEquals(2, usage.code());
        assertTrue(usage.err().startsWith("error: unknown verb 'frobnicate'\nusage: "), usage.err());
        Run failed = run(concat(base, login(), List.of("setvcpus", "test", "0")), Map.of());
        assertEquals(new Run(1, "", "error: vCPU count 0 is not allowed for domain 'test': give a number from 1 to 2 "
                + "(MaxVcpus)\n"), failed);
    }

    @Test
    void theLauncherRecordsAClassDataArchiveOnceAndThenUsesIt() throws Exception {
        Path script = Path.of("scripts", "vcpu-agent-client");
        assertTrue(Files.isExecutable(script), script + " is missing or not executable");
        Path cache = Files.createTempDirectory(h.dir, "cache");
        Map<String, String> env = Map.of("XDG_CACHE_HOME", cache.toString(), "VCPU_AGENT_JAR", JAR.toString(),
                "JAVA_HOME", System.getProperty("java.home"));
        List<String> command = concat(List.of(script.toString()), login(), List.of("vcpucount", "test"));

        assertEquals(new Run(0, EXPECTED, ""), run(command, env), "the recording run answers as usual");
        Path dir = cache.resolve("vcpu-agent");
        List<Path> archives;
        try (var files = Files.list(dir)) {
            archives = files.toList();
        }
        assertEquals(1, archives.size(), archives.toString());
        assertTrue(archives.get(0).getFileName().toString().endsWith(".jsa"), archives.toString());
        long recorded = Files.getLastModifiedTime(archives.get(0)).toMillis();

        assertEquals(new Run(0, EXPECTED, ""), run(command, env), "the run on the archive answers the same");
        assertEquals(recorded, Files.getLastModifiedTime(archives.get(0)).toMillis(), "the archive was reused");

        Run refused = run(concat(List.of(script.toString()), login(), List.of("--json", "vcpuinfo", "nosuch")), env);
        assertEquals(new Run(1, "", "error: domain 'nosuch' not found\n"), refused);

        try (var files = Files.walk(cache)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @SafeVarargs
    static List<String> concat(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> p : parts) {
            all.addAll(p);
        }
        return all;
    }
}
