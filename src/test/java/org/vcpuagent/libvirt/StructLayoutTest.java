package org.vcpuagent.libvirt;

import com.sun.jna.Structure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
              printf("virError=%zu\\n", sizeof(virError));
              F(virError, code) F(virError, domain) F(virError, message) F(virError, level)
              F(virError, str1) F(virError, str2) F(virError, str3) F(virError, int1) F(virError, int2) F(virError, net)
              printf("virDomainControlInfo=%zu\\n", sizeof(virDomainControlInfo));
              F(virDomainControlInfo, state) F(virDomainControlInfo, details) F(virDomainControlInfo, stateTime)
              return 0;
            }
            """;

    private static Map<String, String> c;

    @BeforeAll
    static void compileProbe(@TempDir Path dir) throws IOException, InterruptedException {
        // The probe takes the offset of virError.net, which the header marks deprecated: -Werror would refuse it.
        c = CProbe.keyValues(dir, PROBE, "-Wno-deprecated-declarations");
    }

    private static void assertLayout(String cName, Structure s, List<String> fields) {
        CProbe.assertLayout(c, cName, s, fields);
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
    void domainControlInfoMatches() {
        assertLayout("virDomainControlInfo", new VirDomainControlInfo(), List.of("state", "details", "stateTime"));
    }

    @Test
    void errorMatches() {
        assertLayout("virError", new VirError(),
                List.of("code", "domain", "message", "level", "str1", "str2", "str3", "int1", "int2", "net"));
    }
}
