package org.vcpuagent.exporters;

import org.jolokia.json.JSONObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.security.AuditLines;
import org.vcpuagent.testsupport.AgentProcess;

import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jolokia's JVM agent (target/javaagents/jolokia-agent-jvm.jar), started by scripts/vcpu-agent
 * --jolokia-port with a password file and an access file (admin readwrite, monitor readonly), driven
 * with curl as a user would. Needs curl (Debian package curl).
 */
class JolokiaIT {

    static final ObjectName TEST = PrometheusExporterIT.TEST;
    static final String MBEAN = "libvirt.vcpu:type=Domain,name=test";
    static final String ADMIN = "admin:admin-secret";
    static final String MONITOR = "monitor:monitor-secret";

    private static Path dir;
    private static AgentProcess agent;
    private static MBeanServerConnection jmx;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("vcpu-agent-jolokia");
        Path password = dir.resolve("jolokia.password");
        Files.writeString(password, "admin admin-secret\nmonitor monitor-secret\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        Path access = dir.resolve("jolokia.access");
        Files.writeString(access, "admin readwrite\nmonitor readonly\n");
        int port = AgentProcess.freePort();
        // Its own log folder: the audit log read below is this agent's alone.
        agent = AgentProcess.viaLauncher(Map.of("VCPU_AGENT_LOG_DIR", dir.toString()), "--jolokia-port", String.valueOf(port),
                "--jolokia-password-file", password.toString(), "--jolokia-access-file", access.toString());
        jmx = agent.jmx();
        base = "http://127.0.0.1:" + port + "/jolokia";
        // Jolokia starts in a thread of its own; wait until it answers.
        for (int i = 0; i < 100; i++) {
            try {
                if (Curl.run("-u", MONITOR, base + "/version").http() == 200) {
                    return;
                }
            } catch (IllegalStateException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("Jolokia did not answer:\n" + agent.output());
    }

    @AfterAll
    static void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    @AfterEach
    void restore() throws Exception {
        jmx.setAttribute(TEST, new Attribute("VcpuCount", 2));
        for (int vcpu = 0; vcpu < 2; vcpu++) {
            jmx.invoke(TEST, "pinVcpu", new Object[] {vcpu, "r"}, new String[] {"int", String.class.getName()});
        }
    }

    private static CompositeData jmxRow(int vcpu) throws Exception {
        return ((TabularData) jmx.getAttribute(TEST, "Vcpus")).get(new Object[] {vcpu});
    }

    private static Curl.Response post(String user, String json) throws Exception {
        return Curl.run("-u", user, "-H", "Content-Type: application/json", "-d", json, base);
    }

    private static String pin(int vcpu, String cpulist) {
        return "{\"type\":\"exec\",\"mbean\":\"" + MBEAN + "\",\"operation\":\"pinVcpu\",\"arguments\":[" + vcpu + ",\""
                + cpulist + "\"]}";
    }

    @Test
    void aReadOnlyUserReadsVcpusAsJmxReportsThem() throws Exception {
        Curl.Response r = Curl.run("-u", MONITOR, base + "/read/" + MBEAN + "/Vcpus");
        assertEquals(200, r.http());
        assertEquals(200, r.status(), r.body());
        JSONObject vcpus = (JSONObject) r.value();
        assertEquals(2, vcpus.size());
        for (int vcpu = 0; vcpu < 2; vcpu++) {
            JSONObject row = (JSONObject) vcpus.get(String.valueOf(vcpu));
            CompositeData jmxRow = jmxRow(vcpu);
            assertEquals(vcpu, ((Number) row.get("number")).intValue());
            assertEquals(jmxRow.get("state"), row.get("state"));
            assertEquals(jmxRow.get("affinity"), row.get("affinity"));
            assertEquals(((Number) jmxRow.get("cpu")).intValue(), ((Number) row.get("cpu")).intValue());
            assertTrue(((Number) row.get("cpuTime")).longValue() > 0);
        }
        assertEquals("0-7", ((JSONObject) vcpus.get("0")).get("affinity"));
    }

    @Test
    void anAdminPinsAVcpuWithExec() throws Exception {
        Curl.Response r = post(ADMIN, pin(0, "2"));
        assertEquals(200, r.status(), r.body());
        assertEquals("2", jmxRow(0).get("affinity"), "JMX sees the pin made through Jolokia");
        Curl.Response read = Curl.run("-u", MONITOR, base + "/read/" + MBEAN + "/Vcpus");
        assertEquals("2", ((JSONObject) ((JSONObject) read.value()).get("0")).get("affinity"));
    }

    @Test
    void aReadOnlyUsersWriteAndExecAreRefused() throws Exception {
        Curl.Response write = post(MONITOR, "{\"type\":\"write\",\"mbean\":\"" + MBEAN
                + "\",\"attribute\":\"VcpuCount\",\"value\":1}");
        assertEquals(403, write.status(), write.body());
        assertTrue(write.body().contains("Writing attribute VcpuCount forbidden"), write.body());
        Curl.Response exec = post(MONITOR, pin(0, "2"));
        assertEquals(403, exec.status(), exec.body());
        Curl.Response get = Curl.run("-u", MONITOR, base + "/exec/" + MBEAN + "/pinVcpu/0/2");
        assertEquals(403, get.status(), get.body());
        Curl.Response bulk = post(MONITOR, "[{\"type\":\"read\",\"mbean\":\"" + MBEAN + "\",\"attribute\":\"VcpuCount\"},"
                + pin(1, "5") + "]");
        assertEquals(200, ((Number) ((JSONObject) bulk.array().get(0)).get("status")).intValue());
        assertEquals(403, ((Number) ((JSONObject) bulk.array().get(1)).get("status")).intValue());
        assertEquals(2, jmx.getAttribute(TEST, "VcpuCount"));
        assertEquals("0-7", jmxRow(0).get("affinity"));
        assertEquals("0-7", jmxRow(1).get("affinity"));
    }

    @Test
    void anAdminChangesOnlyTheAgentsMBeansAndOnlyWithPost() throws Exception {
        Curl.Response write = post(ADMIN, "{\"type\":\"write\",\"mbean\":\"" + MBEAN + "\",\"attribute\":\"VcpuCount\",\"value\":1}");
        assertEquals(200, write.status(), write.body());
        assertEquals(1, jmx.getAttribute(TEST, "VcpuCount"));
        // The JVM's own MBeans are the usual way into an exposed Jolokia: not even the admin may invoke them.
        Curl.Response gc = post(ADMIN, "{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc\"}");
        assertEquals(403, gc.status(), gc.body());
        Curl.Response diagnostic = post(ADMIN, "{\"type\":\"exec\",\"mbean\":\"com.sun.management:type=DiagnosticCommand\","
                + "\"operation\":\"vmSystemProperties\",\"arguments\":[]}");
        assertEquals(403, diagnostic.status(), diagnostic.body());
        // A link or an image in a web page makes a GET: changes need POST.
        Curl.Response get = Curl.run("-u", ADMIN, base + "/exec/" + MBEAN + "/pinVcpu/0/2");
        assertEquals(403, get.status(), get.body());
        assertEquals("0-7", jmxRow(0).get("affinity"));
    }

    @Test
    void requestsWithoutAValidLoginAreRefused() throws Exception {
        assertEquals(401, Curl.run(base + "/read/" + MBEAN + "/Vcpus").http());
        assertEquals(401, Curl.run("-u", "admin:wrong", base + "/version").http());
        assertEquals(401, Curl.run("-u", "nobody:admin-secret", base + "/version").http());
        // Jolokia's JVM agent serves /jolokia/config without authentication, and runs any request POSTed
        // there: our restrictor refuses every request that did not log in.
        Curl.Response bypass = Curl.run("-H", "Content-Type: application/json", "-d", pin(0, "2"), base + "/config");
        assertEquals(403, bypass.status(), bypass.body());
        Curl.Response bypassRead = Curl.run("-d", "{\"type\":\"read\",\"mbean\":\"" + MBEAN + "\",\"attribute\":\"Vcpus\"}",
                base + "/config");
        assertEquals(403, bypassRead.status(), bypassRead.body());
        Curl.Response bypassVersion = Curl.run("-d", "{\"type\":\"version\"}", base + "/config");
        assertEquals(403, bypassVersion.status(), bypassVersion.body());
        // ... even right after an admin's request served by the same thread.
        assertEquals(200, post(ADMIN, "{\"type\":\"version\"}").status());
        assertEquals(403, Curl.run("-d", pin(0, "2"), base + "/config").status());
        assertEquals("0-7", jmxRow(0).get("affinity"));
    }

    @Test
    void requestsFromBrowsersAreRefused() throws Exception {
        Curl.Response r = Curl.run("-u", ADMIN, "-H", "Origin: http://attacker.example", "-H",
                "Content-Type: text/plain", "-d", pin(0, "2"), base);
        assertEquals(403, r.status(), r.body());
        assertEquals("0-7", jmxRow(0).get("affinity"));
    }

    @Test
    void sensitiveJvmAttributesAreHidden() throws Exception {
        Curl.Response r = Curl.run("-u", ADMIN, base + "/read/java.lang:type=Runtime/InputArguments");
        assertEquals(403, r.status(), r.body());
        Curl.Response ok = Curl.run("-u", MONITOR, base + "/read/java.lang:type=Runtime/Uptime");
        assertEquals(200, ok.status(), ok.body());
    }

    /** The lines of this agent's audit log written by Jolokia requests, parsed. */
    private static List<Map<String, String>> jolokiaAuditLines() throws Exception {
        Path log = dir.resolve("audit.log");
        List<Map<String, String>> out = new ArrayList<>();
        if (!Files.exists(log)) {
            return out;
        }
        for (String line : Files.readAllLines(log)) {
            Map<String, String> parsed = AuditLines.parse(line);
            if (parsed.get("remote").startsWith("jolokia:")) {
                out.add(parsed);
            }
        }
        return out;
    }

    @Test
    void writesAndExecsAreAuditedWithTheJolokiaUser() throws Exception {
        int before = jolokiaAuditLines().size();
        assertEquals(200, post(ADMIN, pin(0, "2")).status());
        assertEquals(403, post(MONITOR, pin(1, "5")).status());
        Curl.Response diagnostic = post(ADMIN, "{\"type\":\"exec\",\"mbean\":\"com.sun.management:type=DiagnosticCommand\","
                + "\"operation\":\"help\",\"arguments\":[[]]}");
        assertEquals(403, diagnostic.status(), diagnostic.body());
        Curl.Response bad = post(ADMIN, pin(5, "0"));
        assertEquals(500, bad.status(), bad.body());
        assertEquals(200, post(ADMIN, "{\"type\":\"write\",\"mbean\":\"" + MBEAN
                + "\",\"attribute\":\"VcpuCount\",\"value\":1}").status());
        // Reads are not audited.
        assertEquals(200, Curl.run("-u", MONITOR, base + "/read/" + MBEAN + "/VcpuCount").status());

        List<Map<String, String>> lines = jolokiaAuditLines();
        lines = lines.subList(before, lines.size());
        assertEquals(5, lines.size(), lines::toString);
        Map<String, String> ok = lines.get(0);
        assertEquals(List.of("admin", "jolokia:127.0.0.1", "test", "libvirt.vcpu:name=test,type=Domain", "invoke",
                "pinVcpu(0, '2')", "ok"), List.of(ok.get("principal"), ok.get("remote"), ok.get("domain"), ok.get("mbean"),
                ok.get("action"), ok.get("request"), ok.get("outcome")));
        Map<String, String> refused = lines.get(1);
        assertEquals("monitor", refused.get("principal"), refused::toString);
        assertEquals("pinVcpu(1, '5')", refused.get("request"), refused::toString);
        assertTrue(refused.get("outcome").startsWith("refused: "), refused::toString);
        Map<String, String> jvm = lines.get(2);
        assertEquals(List.of("admin", "com.sun.management:type=DiagnosticCommand", "help([])"),
                List.of(jvm.get("principal"), jvm.get("mbean"), jvm.get("request")), jvm::toString);
        assertTrue(jvm.get("outcome").startsWith("refused: "), jvm::toString);
        assertTrue(lines.get(3).get("outcome").startsWith("failed: vCPU 5 does not exist in domain 'test'"),
                lines.get(3)::toString);
        assertEquals(List.of("set", "VcpuCount=1", "ok"), List.of(lines.get(4).get("action"), lines.get(4).get("request"),
                lines.get(4).get("outcome")), lines.get(4)::toString);
        assertFalse(lines.stream().anyMatch(l -> l.get("principal").equals("anonymous")), lines::toString);
    }
}
