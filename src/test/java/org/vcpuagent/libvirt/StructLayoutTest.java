package org.vcpuagent.libvirt;

import com.sun.jna.Structure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The JNA structures must match libvirt's C structures byte for byte. A C program compiled
 * against the installed libvirt headers prints the real sizes and offsets.
 */
class StructLayoutTest {

    private static final String PROBE = """
            #include <stdio.h>
            #include <stddef.h>
            #include <libvirt/libvirt.h>
            #include <libvirt/virterror.h>
            #define F(T, f) printf(#T "." #f "=%zu\\n", offsetof(T, f));
            int main(void) {
              printf("virVcpuInfo=%zu\\n", sizeof(virVcpuInfo));
              F(virVcpuInfo, number) F(virVcpuInfo, state) F(virVcpuInfo, cpuTime) F(virVcpuInfo, cpu)
              printf("virNodeInfo=%zu\\n", sizeof(virNodeInfo));
              F(virNodeInfo, model) F(virNodeInfo, memory) F(virNodeInfo, cpus) F(virNodeInfo, mhz)
              F(virNodeInfo, nodes) F(virNodeInfo, sockets) F(virNodeInfo, cores) F(virNodeInfo, threads)
              printf("virDomainInfo=%zu\\n", sizeof(virDomainInfo));
              F(virDomainInfo, state) F(virDomainInfo, maxMem) F(virDomainInfo, memory)
              F(virDomainInfo, nrVirtCpu) F(virDomainInfo, cpuTime)
              printf("virError=%zu\\n", sizeof(virError));
              F(virError, code) F(virError, domain) F(virError, message) F(virError, level)
              F(virError, str1) F(virError, str2) F(virError, str3) F(virError, int1) F(virError, int2) F(virError, net)
              return 0;
            }
            """;

    private static Map<String, Long> c;

    @BeforeAll
    static void compileProbe(@TempDir Path dir) throws IOException, InterruptedException {
        assumeTrue(Files.exists(Path.of("/usr/include/libvirt/libvirt.h")),
                "libvirt headers missing: install libvirt-dev to check the structure layouts");
        Path src = dir.resolve("probe.c");
        Path exe = dir.resolve("probe");
        Files.writeString(src, PROBE);
        Process cc = new ProcessBuilder("gcc", "-Wno-deprecated-declarations", "-o", exe.toString(), src.toString())
                .redirectErrorStream(true).start();
        String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0, "gcc failed: " + ccOut);
        Process run = new ProcessBuilder(exe.toString()).start();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        run.waitFor();
        c = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] kv = line.split("=");
            c.put(kv[0], Long.parseLong(kv[1]));
        }
    }

    private static void assertLayout(String cName, Structure s, List<String> fields) {
        assertEquals(c.get(cName), (long) s.size(), cName + " size");
        for (String f : fields) {
            assertEquals(c.get(cName + "." + f), (long) offset(s, f), cName + "." + f + " offset");
        }
    }

    private static int offset(Structure s, String field) {
        try {
            var m = Structure.class.getDeclaredMethod("fieldOffset", String.class);
            m.setAccessible(true);
            return (int) m.invoke(s, field);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void vcpuInfoMatches() {
        assertLayout("virVcpuInfo", new VirVcpuInfo(), List.of("number", "state", "cpuTime", "cpu"));
    }

    @Test
    void nodeInfoMatches() {
        assertLayout("virNodeInfo", new VirNodeInfo(),
                List.of("model", "memory", "cpus", "mhz", "nodes", "sockets", "cores", "threads"));
    }

    @Test
    void domainInfoMatches() {
        assertLayout("virDomainInfo", new VirDomainInfo(), List.of("state", "maxMem", "memory", "nrVirtCpu", "cpuTime"));
    }

    @Test
    void errorMatches() {
        assertLayout("virError", new VirError(),
                List.of("code", "domain", "message", "level", "str1", "str2", "str3", "int1", "int2", "net"));
    }
}
