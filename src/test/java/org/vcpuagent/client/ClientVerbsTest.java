package org.vcpuagent.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.client.Harness.Result;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.model.VcpuReading;

import java.io.IOException;
import java.nio.file.Path;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vcpuagent.client.Harness.failsWith;
import static org.vcpuagent.client.Harness.json;
import static org.vcpuagent.client.Harness.ok;
import static org.vcpuagent.client.Harness.usageError;

/**
 * Every verb of {@code vcpu-agent client} against a real agent on libvirt's test driver (domain
 * {@code test}: 2 vCPUs, both on CPU 15, affinity 0-7 of 8 present CPUs): virsh's layout to the
 * character, {@code --json} read back, exit statuses, and the one-line errors.
 */
class ClientVerbsTest {

    private static Harness h;

    @BeforeAll
    static void start() throws IOException {
        h = Harness.start();
    }

    @AfterAll
    static void stop() throws IOException {
        h.close();
    }

    @AfterEach
    void restore() throws IOException {
        h.restore();
    }

    /**
     * The test driver's CPU time follows the clock, and the CPU a vCPU last ran on is 15 until
     * someone in this JVM pins it (then the highest CPU of its affinity): both become N here, and
     * are checked against the library's reading instead.
     */
    static String fixedCpuTime(String out) {
        return out.replaceAll("(?m)^CPU time:       \\d+\\.\\ds$", "CPU time:       N.Ns")
                .replaceAll("(?m)^CPU:            \\d+$", "CPU:            N");
    }

    // --- virsh's layouts ---

    @Test
    void listShowsNameStateAndVcpusAsAVirshTable() {
        assertEquals("""
                 Name   State     vCPUs
                -------------------------
                 test   running   2
                """, ok(h.admin("list")).out());
    }

    @Test
    void vcpuinfoIsLaidOutLikeVirsh() throws IOException {
        String out = ok(h.admin("vcpuinfo", "test")).out();
        assertEquals("""
                VCPU:           0
                CPU:            N
                State:          running
                CPU time:       N.Ns
                CPU Affinity:   yyyyyyyy

                VCPU:           1
                CPU:            N
                State:          running
                CPU time:       N.Ns
                CPU Affinity:   yyyyyyyy
                """, fixedCpuTime(out));
        try (VcpuAgentClient c = h.adminClient()) {
            for (VcpuReading v : c.domain("test").vcpus()) {
                assertTrue(out.contains("VCPU:           " + v.number() + "\nCPU:            " + v.cpu() + "\n"), out);
            }
        }
    }

    @Test
    void vcpuinfoAffinityFollowsThePinning() {
        ok(h.admin("vcpupin", "test", "1", "1,3-4"));
        String out = ok(h.admin("vcpuinfo", "test")).out();
        assertTrue(out.endsWith("CPU Affinity:   -y-yy---\n"), out);
        String pretty = ok(h.admin("vcpuinfo", "test", "--pretty")).out();
        assertTrue(pretty.contains("CPU Affinity:   0-7 (out of 8)\n\nVCPU:           1\n"), pretty);
        assertTrue(pretty.endsWith("CPU Affinity:   1,3-4 (out of 8)\n"), pretty);
    }

    @Test
    void vcpucountShowsTheLiveLinesLikeVirsh() {
        assertEquals("""
                maximum      live           2
                current      live           2
                """, ok(h.admin("vcpucount", "test")).out());
    }

    @Test
    void vcpupinWithoutAVcpuListsEveryPinLikeVirsh() {
        assertEquals("""
                 VCPU   CPU Affinity
                ----------------------
                 0      0-7
                 1      0-7
                """, ok(h.admin("vcpupin", "test")).out());
        assertEquals("""
                 VCPU   CPU Affinity
                ----------------------
                 1      0-7
                """, ok(h.admin("vcpupin", "test", "1")).out());
    }

    @Test
    void vcpupinWithACpulistPinsAndSaysNothingLikeVirsh() {
        assertEquals("", ok(h.admin("vcpupin", "test", "0", "2-3,6")).out());
        assertEquals("""
                 VCPU   CPU Affinity
                ----------------------
                 0      2-3,6
                 1      0-7
                """, ok(h.admin("vcpupin", "test")).out());
    }

    @Test
    void emulatorpinReadsAndPinsLikeVirsh() {
        assertEquals("""
                emulator: CPU Affinity
                ----------------------------------
                       *: 0-7
                """, ok(h.admin("emulatorpin", "test")).out());
        assertEquals("", ok(h.admin("emulatorpin", "test", "0-7,^0")).out());
        assertEquals("""
                emulator: CPU Affinity
                ----------------------------------
                       *: 1-7
                """, ok(h.admin("emulatorpin", "test")).out());
    }

    @Test
    void setvcpusPrintsWhatTheAgentDid() {
        assertEquals("domain 'test' has 1 vCPU\n", ok(h.admin("setvcpus", "test", "1")).out());
        assertEquals("""
                maximum      live           2
                current      live           1
                """, ok(h.admin("vcpucount", "test")).out());
        // --config changes libvirt's persistent definition too: asked of libvirt on the test's own connection.
        assertEquals("domain 'test' has 1 vCPU\n", ok(h.admin("setvcpus", "test", "1", "--config")).out());
        try (Domain d = TestLibvirt.lookupByName(h.agent.outside(true), "test")) {
            assertEquals(1, TestLibvirt.configVcpuCount(d));
        }
        assertEquals("domain 'test' has 2 vCPUs\n", ok(h.admin("setvcpus", "test", "2", "--config")).out());
        try (Domain d = TestLibvirt.lookupByName(h.agent.outside(true), "test")) {
            assertEquals(2, d.vcpuCount());
            assertEquals(2, TestLibvirt.configVcpuCount(d));
        }
    }

    @Test
    void readOnlyUsersCanReadEverything() {
        assertEquals(ok(h.admin("vcpupin", "test")).out(), ok(h.monitor("vcpupin", "test")).out());
        assertEquals(ok(h.admin("vcpucount", "test")).out(), ok(h.monitor("vcpucount", "test")).out());
    }

    // --- --json ---

    @Test
    void listAsJson() {
        assertEquals(Map.of("domains", List.of(Map.of("name", "test", "state", "running", "vcpuCount", 2L,
                "maxVcpus", 2L))), json(h.admin("--json", "list")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void vcpuinfoAsJson() {
        ok(h.admin("vcpupin", "test", "1", "5"));
        Map<String, Object> o = json(h.admin("vcpuinfo", "test", "--json"));
        assertEquals("test", o.get("domain"));
        assertEquals(8L, o.get("presentCpus"));
        List<Map<String, Object>> vcpus = (List<Map<String, Object>>) o.get("vcpus");
        assertEquals(2, vcpus.size());
        Map<String, Object> v0 = vcpus.get(0);
        assertEquals(0L, v0.get("number"));
        assertEquals("running", v0.get("state"));
        assertTrue((Long) v0.get("cpu") >= 0 && (Long) v0.get("cpu") <= 15, v0::toString);
        assertTrue((Long) v0.get("cpuTime") > 0);
        assertEquals("0-7", v0.get("affinity"));
        assertEquals("yyyyyyyy", v0.get("affinityMap"));
        assertEquals("getVcpus", v0.get("source"));
        assertTrue(v0.containsKey("wait") && v0.containsKey("delay") && v0.containsKey("halted"));
        assertEquals("5", vcpus.get(1).get("affinity"));
        assertEquals("-----y--", vcpus.get(1).get("affinityMap"));
    }

    @Test
    void vcpucountAsJson() {
        assertEquals(Map.of("domain", "test", "maxVcpus", 2L, "vcpuCount", 2L), json(h.admin("--json", "vcpucount",
                "test")));
    }

    @Test
    void setvcpusAsJson() {
        assertEquals(Map.of("domain", "test", "count", 1L, "persistent", false, "pending", false,
                "message", "domain 'test' has 1 vCPU"), json(h.admin("--json", "setvcpus", "test", "1")));
    }

    @Test
    void vcpupinAsJson() {
        assertEquals(Map.of("domain", "test", "pins", List.of(Map.of("vcpu", 0L, "cpulist", "0-7"),
                Map.of("vcpu", 1L, "cpulist", "0-7"))), json(h.admin("--json", "vcpupin", "test")));
        assertEquals(Map.of("domain", "test", "pins", List.of(Map.of("vcpu", 0L, "cpulist", "0-7"))),
                json(h.admin("--json", "vcpupin", "test", "0", "r")), "r is read back as the host's CPUs");
    }

    @Test
    void emulatorpinAsJson() {
        assertEquals(Map.of("domain", "test", "emulatorPin", "0-7"), json(h.admin("--json", "emulatorpin", "test")));
        assertEquals(Map.of("domain", "test", "emulatorPin", "4"),
                json(h.admin("--json", "emulatorpin", "test", "4")));
    }

    // --- failures: exit 1 and one line on stderr ---

    @Test
    void aCountTheAgentRefusesIsItsMessage() {
        failsWith(h.admin("setvcpus", "test", "0"),
                "vCPU count 0 is not allowed for domain 'test': give a number from 1 to 2 (MaxVcpus)");
        failsWith(h.admin("setvcpus", "test", "3"),
                "vCPU count 3 is not allowed for domain 'test': give a number from 1 to 2 (MaxVcpus)");
        failsWith(h.admin("--json", "setvcpus", "test", "-1"),
                "vCPU count -1 is not allowed for domain 'test': give a number from 1 to 2 (MaxVcpus)");
        assertEquals("current      live           2", ok(h.admin("vcpucount", "test")).out().lines().toList().get(1));
    }

    @Test
    void anUnknownDomainIsNotFound() {
        for (String verb : List.of("vcpuinfo", "vcpucount", "vcpupin", "emulatorpin")) {
            failsWith(h.admin(verb, "nosuch"), "domain 'nosuch' not found");
        }
        failsWith(h.admin("setvcpus", "nosuch", "1"), "domain 'nosuch' not found");
    }

    @Test
    void aBadCpulistIsRefusedWithTheAgentsReason() {
        failsWith(h.admin("vcpupin", "test", "0", "9"), "cannot pin vCPU 0 of domain 'test': CPU 9 in '9' of "
                + "cpulist '9' is beyond the host, which has CPUs 0-7");
        failsWith(h.admin("vcpupin", "test", "0", "1-x"), "cannot pin vCPU 0 of domain 'test': '1-x' in cpulist "
                + "'1-x' is not a CPU number or range; allowed: CPU numbers 0-7 as N, ranges N-M, exclusions ^N or "
                + "^N-M, separated by commas, or 'r' for all");
        Result r = h.admin("emulatorpin", "test", "3-1");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: cannot pin the emulator threads of domain 'test': range '3-1'"), r::toString);
        failsWith(h.admin("vcpupin", "test", "7", "1"), "vCPU 7 does not exist in domain 'test': give a vCPU number "
                + "from 0 to 1");
        failsWith(h.admin("vcpupin", "test", "7"), "vCPU 7 is not present in domain 'test': it has vCPUs 0-1");
        assertEquals("""
                 VCPU   CPU Affinity
                ----------------------
                 0      0-7
                 1      0-7
                """, ok(h.admin("vcpupin", "test")).out(), "nothing changed");
    }

    @Test
    void aReadOnlyUserIsRefusedChanges() {
        Result r = h.monitor("setvcpus", "test", "1");
        failsWith(r, "permission denied for user 'monitor': Access denied! Invalid access level for requested "
                + "MBeanServer operation.");
        assertEquals(1, h.monitor("vcpupin", "test", "0", "1").code());
        assertEquals(1, h.monitor("emulatorpin", "test", "1").code());
        assertEquals("""
                 VCPU   CPU Affinity
                ----------------------
                 0      0-7
                 1      0-7
                """, ok(h.admin("vcpupin", "test")).out());
        assertEquals("current      live           2", ok(h.admin("vcpucount", "test")).out().lines().toList().get(1));
    }

    @Test
    void aWrongPasswordOrNoLoginIsRefused() throws IOException {
        failsWith(Harness.run("--url", h.url, "--user", "admin", "--password-file", h.monitorPassword.toString(),
                "list"), "cannot log in to " + h.url + " as 'admin': Authentication failed! Invalid username or "
                + "password");
        Path noLogins = h.dir.resolve("no-state");
        failsWith(Harness.run("--url", h.url, "--state-dir", noLogins.toString(), "list"), "cannot log in to " + h.url
                + " without a user name: Authentication failed! Credentials required. The agent's generated logins "
                + "cannot be used: " + noLogins.resolve("jmxremote.password") + " does not exist (no agent with "
                + "generated logins has started with this state directory). Run this as root or as the agent's user "
                + "(or give --state-dir DIR when the agent was started with one), or give --user USER and "
                + "--password-file FILE");
        failsWith(Harness.run("--url", h.url, "--user", "admin", "--password-file", h.dir.resolve("missing")
                .toString(), "list"), "the password file " + h.dir.resolve("missing") + " cannot be read: it does not exist");
    }

    @Test
    void anAgentThatIsNotThereCannotBeConnectedTo() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi";
        failsWith(Harness.run("--url", url, "list"), "cannot connect to " + url
                + ": Connection refused to host: 127.0.0.1");
        String wrongName = h.url.replace("/jmxrmi", "/nothing");
        int agentPort = RmiRegistryAddress.of(h.agent.agent.jmxAddress()).port;
        failsWith(Harness.run("--url", wrongName, "list"), "cannot connect to " + wrongName
                + ": the RMI registry at 127.0.0.1:" + agentPort + " has no 'nothing': Not bound: \"nothing\" (only bound "
                + "name is \"jmxrmi\")");
    }

    // --- usage errors: exit 2 ---

    @Test
    void usageErrorsExitWith2AndShowTheUsage() {
        usageError(Harness.run("--url", h.url, "frobnicate", "test"), "unknown verb 'frobnicate'");
        usageError(Harness.run(), "no verb given");
        usageError(Harness.run("vcpuinfo"), "vcpuinfo: DOMAIN is missing (usage: vcpuinfo DOMAIN [--pretty])");
        usageError(Harness.run("setvcpus", "test"), "setvcpus: COUNT is missing (usage: setvcpus DOMAIN COUNT "
                + "[--config])");
        usageError(Harness.run("setvcpus", "test", "two"), "COUNT 'two' is not a whole number");
        usageError(Harness.run("vcpupin", "test", "x", "1"), "VCPU 'x' is not a whole number");
        usageError(Harness.run("vcpucount", "test", "extra"), "vcpucount: unexpected argument 'extra' (usage: "
                + "vcpucount DOMAIN)");
        usageError(Harness.run("--bogus", "list"), "unknown option '--bogus'");
        usageError(Harness.run("list", "--url"), "--url needs a value");
        usageError(Harness.run("vcpucount", "test", "--config"), "vcpucount: --config is only for setvcpus, "
                + "vcpupin and emulatorpin with a CPULIST, and placement --apply");
        usageError(Harness.run("--password-file", "x", "list"), "--password-file needs --user");
        usageError(Harness.run("--url", "http://example.org/", "list"), "--url 'http://example.org/' is not a JMX "
                + "service URL: Service URL must start with service:jmx:");
    }

    @Test
    void helpGoesToStdoutWithExit0() {
        for (String help : List.of("--help", "-h", "help")) {
            Result r = Harness.run(help);
            assertEquals(0, r.code());
            assertEquals("", r.err());
            assertEquals(CommandLine.help(), r.out());
        }
    }

    @Test
    void optionsMayFollowTheVerbAndDoubleDashEndsThem() {
        assertEquals(ok(h.admin("vcpucount", "test")).out(), ok(Harness.run("vcpucount", "--url=" + h.url, "test",
                "--user", "admin", "--password-file=" + h.adminPassword)).out());
        failsWith(h.admin("vcpucount", "--", "--json"), "domain '--json' not found");
    }
}
