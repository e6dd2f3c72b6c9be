package org.vcpuagent.libvirt;

import com.sun.jna.Structure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Compiles and runs a small C program against the installed libvirt headers, for tests that compare our
 * JNA view of libvirt's memory with what the C compiler says. Skips (not fails) the calling test when
 * the headers or gcc are missing, since that says nothing about our code.
 */
final class CProbe {

    private CProbe() {
    }

    /**
     * Runs {@code source} and returns its stdout; the program must exit 0.
     *
     * @param gccOptions added to {@code -Wall -Werror}, e.g. to allow what the probe must use
     */
    static String run(Path dir, String source, String... gccOptions) throws IOException, InterruptedException {
        assumeTrue(Files.exists(Path.of("/usr/include/libvirt/libvirt.h")),
                "libvirt headers missing: install libvirt-dev to check the structure layouts");
        Path src = dir.resolve("probe.c");
        Path exe = dir.resolve("probe");
        Files.writeString(src, source);
        List<String> gcc = new ArrayList<>(List.of("gcc", "-Wall", "-Werror"));
        gcc.addAll(List.of(gccOptions));
        gcc.addAll(List.of("-o", exe.toString(), src.toString()));
        Process cc = new ProcessBuilder(gcc).redirectErrorStream(true).start();
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
    static Map<String, String> keyValues(Path dir, String source, String... gccOptions)
            throws IOException, InterruptedException {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String line : run(dir, source, gccOptions).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                kv.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return kv;
    }

    /** The number the probe printed for {@code key}. */
    static long number(Map<String, String> printed, String key) {
        String v = printed.get(key);
        if (v == null) {
            throw new IllegalStateException("the C probe printed no " + key + ": " + printed.keySet());
        }
        return Long.parseLong(v);
    }

    /**
     * Asserts that JNA lays {@code s} out as the C compiler does: its size is what the probe printed for
     * {@code cName}, and each field's offset what it printed for {@code cName.field}.
     */
    static void assertLayout(Map<String, String> printed, String cName, Structure s, List<String> fields) {
        assertEquals(number(printed, cName), s.size(), cName + " size");
        for (String f : fields) {
            assertEquals(number(printed, cName + "." + f), fieldOffset(s, f), cName + "." + f + " offset");
        }
    }

    /** Where JNA puts {@code field} in {@code s}. */
    static int fieldOffset(Structure s, String field) {
        try {
            var m = Structure.class.getDeclaredMethod("fieldOffset", String.class);
            m.setAccessible(true);
            return (int) m.invoke(s, field);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
