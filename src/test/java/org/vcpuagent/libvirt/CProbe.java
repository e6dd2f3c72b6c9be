package org.vcpuagent.libvirt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Compiles and runs a small C program against the installed libvirt headers, for tests that compare our
 * JNA view of libvirt's memory with what the C compiler says. Skips (not fails) the calling test when
 * the headers or gcc are missing, since that says nothing about our code.
 */
final class CProbe {

    private CProbe() {
    }

    /** Runs {@code source} and returns its stdout; the program must exit 0. */
    static String run(Path dir, String source) throws IOException, InterruptedException {
        assumeTrue(Files.exists(Path.of("/usr/include/libvirt/libvirt.h")),
                "libvirt headers missing: install libvirt-dev to check the structure layouts");
        Path src = dir.resolve("probe.c");
        Path exe = dir.resolve("probe");
        Files.writeString(src, source);
        Process cc = new ProcessBuilder("gcc", "-Wall", "-Werror", "-o", exe.toString(), src.toString())
                .redirectErrorStream(true).start();
        String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0, "gcc failed: " + ccOut);
        Process run = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!run.waitFor(60, TimeUnit.SECONDS) || run.exitValue() != 0) {
            throw new IllegalStateException("C probe failed: " + out);
        }
        return out;
    }

    /** Runs {@code source}, whose output is {@code key=value} lines. */
    static Map<String, String> keyValues(Path dir, String source) throws IOException, InterruptedException {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String line : run(dir, source).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                kv.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return kv;
    }
}
