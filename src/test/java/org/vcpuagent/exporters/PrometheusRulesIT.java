package org.vcpuagent.exporters;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * config/prometheus_rules.yaml through Prometheus's own promtool (Debian package prometheus): the file is valid,
 * and src/test/resources/prometheus/rules_test.yaml's series make each alert fire and stay quiet when it should.
 */
class PrometheusRulesIT {

    private static String promtool(Path dir, String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "promtool";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not end");
        assertEquals(0, p.exitValue(), "promtool " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    @Test
    void theRulesAreValid() throws Exception {
        String out = promtool(Path.of("."), "check", "rules", "config/prometheus_rules.yaml");
        assertTrue(out.contains("SUCCESS: 6 rules found"), out);
    }

    @Test
    void eachAlertFiresWhenItShouldAndNotBefore() throws Exception {
        promtool(Path.of("src/test/resources/prometheus"), "test", "rules", "rules_test.yaml");
    }
}
