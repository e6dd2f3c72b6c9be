package org.vcpuagent.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The client's output next to real virsh's for the same test driver domain, when virsh is installed:
 * same layout, character for character. virsh runs its own fresh test:///default, so the values that
 * move (the clock-driven CPU time, and the CPU once something in this JVM has pinned) are masked on
 * both sides, and virsh's shell-level empty line after each command is dropped.
 */
class ClientVirshParityTest {

    private static Harness h;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(onPath("virsh"), "virsh is not installed");
        h = Harness.start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (h != null) {
            h.close();
        }
    }

    static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    static String virsh(String verb) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("virsh", "-c", "test:///default", verb, "test")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "virsh " + verb + " failed");
        assertEquals('\n', out.charAt(out.length() - 1));
        return out.substring(0, out.length() - 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"vcpuinfo", "vcpupin", "emulatorpin", "numatune"})
    void sameLayoutAsVirsh(String verb) throws Exception {
        h.restore();
        Harness.Result ours = h.admin(verb, "test");
        assertEquals(0, ours.code(), ours::toString);
        assertEquals(ClientVerbsTest.fixedCpuTime(virsh(verb)), ClientVerbsTest.fixedCpuTime(ours.out()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"vcpucount"})
    void sameLiveLinesAsVirsh(String verb) throws Exception {
        h.restore();
        String live = virsh(verb).lines().filter(l -> l.contains(" live ")).map(l -> l + "\n")
                .collect(Collectors.joining());
        assertEquals(live, h.admin(verb, "test").out());
    }
}
