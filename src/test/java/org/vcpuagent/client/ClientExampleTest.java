package org.vcpuagent.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.model.VcpuReading;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The library example of src/site/markdown/client.md, line for line (System.out made a parameter),
 * so that the documented code compiles and does what the page shows.
 */
class ClientExampleTest {

    private static Harness h;

    @BeforeAll
    static void start() throws IOException {
        h = Harness.start();
        h.restore();
    }

    @AfterAll
    static void stop() throws IOException {
        h.restore();
        h.close();
    }

    static void example(String url, String password, PrintStream out) throws IOException {
        try (VcpuAgentClient agent = VcpuAgentClient.connect(url, "admin", password)) {
            for (String name : agent.domains()) {
                RemoteDomain domain = agent.domain(name);
                out.printf("%s: %d of %d vCPUs%n", name, domain.vcpuCount(), domain.maxVcpus());
                for (VcpuReading v : domain.vcpus()) {
                    out.printf("  vCPU %d %s, may run on CPUs %s%n", v.number(), v.state(), v.affinity().toCpuList());
                }
            }
            RemoteDomain test = agent.domain("test");
            out.println(test.setVcpus(1));
            test.pinVcpu(0, "0-3");
            out.println(test.pinInfo());
            try {
                test.setVcpus(5);
            } catch (IllegalArgumentException refused) {
                out.println("refused: " + refused.getMessage());
            }
        }
    }

    @Test
    void theDocumentedExampleRuns() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        example(h.url, TestAgent.ADMIN_PASSWORD, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertEquals("""
                test: 2 of 2 vCPUs
                  vCPU 0 running, may run on CPUs 0-7
                  vCPU 1 running, may run on CPUs 0-7
                domain 'test' has 1 vCPU
                {0=0-3, 1=0-7}
                refused: vCPU count 5 is not allowed for domain 'test': give a number from 1 to 2 (MaxVcpus)
                """, bytes.toString(StandardCharsets.UTF_8));
    }
}
