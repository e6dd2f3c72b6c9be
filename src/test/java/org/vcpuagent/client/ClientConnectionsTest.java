package org.vcpuagent.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vcpuagent.agent.AgentConfig;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.agent.VcpuAgent;
import org.vcpuagent.client.Harness.Result;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.model.CpuMap;

import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client against a real agent with two libvirt connections: {@code a} is libvirt's shared
 * test:///default (domain {@code test}, 2 vCPUs, 8 host CPUs), {@code b} a test driver node of the
 * test's own (domains {@code test} with 3 vCPUs and {@code solo} with 1, 4 host CPUs; the test
 * driver's CPU map still covers 8, so {@code PresentCpus} is 8 on both). So
 * {@code test} is on both and needs {@code --connection}, {@code solo} is found without it.
 *
 * <p>A pin through {@code a} is checked through a libvirt connection of the test's own, which shares
 * test:///default's state with the agent. A {@code test:///FILE} connection keeps its own copy of
 * the node, which no outside connection sees: pins through {@code b} are checked through b's bean,
 * and each check also shows the other connection's domain left alone.
 */
class ClientConnectionsTest {

    @TempDir
    static Path dir;
    private static VcpuAgent agent;
    private static String url;
    private static Path adminPassword;
    private static Connection outside;
    private static VcpuAgentClient library;

    @BeforeAll
    static void start() throws IOException {
        Path node = dir.resolve("node-b.xml");
        Files.writeString(node, """
                <node>
                  <cpu><mhz>2000</mhz><model>x86_64</model><nodes>1</nodes><sockets>1</sockets><cores>4</cores>\
                <threads>1</threads><active>4</active></cpu>
                  <memory>8388608</memory>
                  <domain type='test'><name>test</name><memory>65536</memory><vcpu>3</vcpu><os><type>hvm</type></os></domain>
                  <domain type='test'><name>solo</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>
                </node>
                """);
        Path password = TestAgent.secretFile(dir.resolve("jmxremote.password"),
                TestAgent.ADMIN + " " + TestAgent.ADMIN_PASSWORD + "\n");
        Path access = dir.resolve("jmxremote.access");
        Files.writeString(access, TestAgent.ADMIN + " readwrite\n");
        adminPassword = TestAgent.secretFile(dir.resolve("admin.pw"), TestAgent.ADMIN_PASSWORD + "\n");
        agent = VcpuAgent.start(AgentConfig.fromArgs(new String[] {
            "--connections", "a=test:///default,b=test://" + node.toAbsolutePath(), "--jmx-port", "0",
            "--jmx-password-file", password.toString(), "--jmx-access-file", access.toString(),
            "--refresh-interval", "1m"}), MBeanServerFactory.newMBeanServer());
        url = agent.jmxAddress().toString();
        outside = Connection.open("test:///default", true);
        library = VcpuAgentClient.connect(url, TestAgent.ADMIN, TestAgent.ADMIN_PASSWORD);
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            library.close();
        } finally {
            agent.close();
            outside.close();
        }
    }

    /** test:///default is shared by every test in this JVM: its domain goes back as libvirt starts it. */
    @AfterEach
    void restore() {
        RemoteDomain test = library.domain("a", "test");
        for (Map.Entry<Integer, String> pin : test.pinInfo().entrySet()) {
            if (!pin.getValue().equals("0-7")) {
                test.pinVcpu(pin.getKey(), "r");
            }
        }
    }

    private static Result admin(String... args) {
        return Harness.run(Harness.with(List.of("--url", url, "--user", TestAgent.ADMIN, "--password-file",
                adminPassword.toString()), args));
    }

    private static void failsWith(Result r, String message) {
        assertEquals(1, r.code(), r::toString);
        assertEquals("", r.out(), r::toString);
        assertEquals("error: " + message + "\n", r.err());
    }

    /** The pins libvirt itself reports for test:///default's domain {@code test}, read past the agent. */
    private static List<String> outsidePins() {
        for (Domain d : outside.listActiveDomains()) {
            try (d) {
                if (d.name().equals("test")) {
                    return d.vcpuPinInfo(2, 1).stream().map(CpuMap::toCpuList).toList();
                }
            }
        }
        throw new AssertionError("test:///default has no running domain 'test'");
    }

    @Test
    void listShowsEveryConnectionsDomainsWithTheirAlias() {
        Result r = admin("list");
        assertEquals(new Result(0, """
                 Connection   Name   State     vCPUs
                --------------------------------------
                 a            test   running   2
                 b            solo   running   1
                 b            test   running   3
                """, ""), r);
        assertEquals(new Result(0, "{\"domains\":["
                + "{\"name\":\"test\",\"connection\":\"a\",\"state\":\"running\",\"vcpuCount\":2,\"maxVcpus\":2},"
                + "{\"name\":\"solo\",\"connection\":\"b\",\"state\":\"running\",\"vcpuCount\":1,\"maxVcpus\":1},"
                + "{\"name\":\"test\",\"connection\":\"b\",\"state\":\"running\",\"vcpuCount\":3,\"maxVcpus\":3}]}\n",
                ""), admin("--json", "list"));
        assertEquals(new Result(0, """
                 Connection   Name   State     vCPUs
                --------------------------------------
                 b            solo   running   1
                 b            test   running   3
                """, ""), admin("list", "--connection", "b"));
        failsWith(admin("list", "--connection", "c"), "the agent has no connection 'c': its connections are a, b");
    }

    @Test
    void aNameOnSeveralConnectionsNeedsConnectionAndANameOnOneIsFound() {
        failsWith(admin("vcpucount", "test"),
                "domain 'test' exists on connections a, b: choose one with --connection ALIAS");
        assertEquals(new Result(0, "maximum      live           2\ncurrent      live           2\n", ""),
                admin("--connection", "a", "vcpucount", "test"));
        assertEquals(new Result(0, "maximum      live           3\ncurrent      live           3\n", ""),
                admin("vcpucount", "test", "--connection=b"));
        assertEquals(new Result(0, "{\"domain\":\"solo\",\"connection\":\"b\",\"maxVcpus\":1,\"vcpuCount\":1}\n", ""),
                admin("--json", "vcpucount", "solo"));
        failsWith(admin("--connection", "a", "vcpucount", "solo"), "domain 'solo' not found on connection 'a'");
        failsWith(admin("--connection", "c", "vcpucount", "test"),
                "the agent has no connection 'c': its connections are a, b");
        failsWith(admin("vcpucount", "nosuch"), "domain 'nosuch' not found");
    }

    @Test
    void vcpuinfoShowsTheNamedConnectionsDomain() {
        Result a = admin("--connection", "a", "vcpuinfo", "test");
        assertEquals(0, a.code(), a::toString);
        assertEquals(2, a.out().split("CPU Affinity:   yyyyyyyy\n", -1).length - 1, a::toString);
        Result b = admin("--connection", "b", "--json", "vcpuinfo", "test");
        assertEquals(0, b.code(), b::toString);
        assertTrue(b.out().startsWith("{\"domain\":\"test\",\"connection\":\"b\",\"presentCpus\":8,"), b::toString);
        assertEquals(3, b.out().split("\"affinity\":\"0-3\",\"affinityMap\":\"yyyy----\"", -1).length - 1,
                b::toString);
    }

    @Test
    void aPinGoesToTheNamedConnectionsDomainOnly() {
        assertEquals(List.of("0-7", "0-7"), outsidePins());
        assertEquals(new Result(0, "", ""), admin("--connection", "a", "vcpupin", "test", "1", "2-3"));
        assertEquals(List.of("0-7", "2-3"), outsidePins(), "libvirt has a's pin");
        assertEquals(Map.of(0, "0-3", 1, "0-3", 2, "0-3"), library.domain("b", "test").pinInfo(), "b's test is untouched");

        assertEquals(new Result(0, "", ""), admin("--connection", "b", "vcpupin", "test", "0", "1"));
        assertEquals(Map.of(0, "1", 1, "0-3", 2, "0-3"), library.domain("b", "test").pinInfo(), "b's bean has b's pin");
        assertEquals(List.of("0-7", "2-3"), outsidePins(), "a's test is untouched");

        assertEquals(new Result(0, "{\"domain\":\"solo\",\"connection\":\"b\",\"pins\":[{\"vcpu\":0,\"cpulist\":\"3\"}]}\n",
                ""), admin("--json", "vcpupin", "solo", "0", "3"));
        library.domain("b", "test").pinVcpu(0, "r");
        library.domain("b", "solo").pinVcpu(0, "r");
    }

    @Test
    void theLibraryListsFullNamesAndAddressesEachConnection() throws Exception {
        assertEquals(List.of("a", "b"), library.connections());
        assertEquals(List.of(
                new ListedDomain("a", "test", new ObjectName("libvirt.vcpu:type=Domain,connection=a,name=test")),
                new ListedDomain("b", "solo", new ObjectName("libvirt.vcpu:type=Domain,connection=b,name=solo")),
                new ListedDomain("b", "test", new ObjectName("libvirt.vcpu:type=Domain,connection=b,name=test"))),
                library.listDomains());
        assertEquals(List.of("solo", "test"), library.domains());

        AmbiguousDomainException ambiguous = assertThrows(AmbiguousDomainException.class, () -> library.domain("test"));
        assertEquals(List.of("a", "b"), ambiguous.connections());
        UnknownConnectionException unknown = assertThrows(UnknownConnectionException.class,
                () -> library.domain("c", "test"));
        assertEquals(List.of("a", "b"), unknown.known());
        DomainNotFoundException notThere = assertThrows(DomainNotFoundException.class, () -> library.domain("a", "solo"));
        assertEquals("a", notThere.connection());

        RemoteDomain solo = library.domain("solo");
        assertEquals("b", solo.connectionAlias());
        assertEquals(new ObjectName("libvirt.vcpu:type=Domain,connection=b,name=solo"), solo.objectName());
        assertEquals(8, solo.presentCpus());
        assertEquals(8, library.presentCpus("a"));
        assertEquals(8, library.presentCpus("b"));
        assertEquals(4, library.connection().getAttribute(new ObjectName("libvirt.vcpu:type=Host,connection=b"), "Cpus"),
                "b's host is the test's node");
        IllegalStateException several = assertThrows(IllegalStateException.class, library::presentCpus);
        assertEquals("the agent has several connections (a, b): ask for one with presentCpus(alias)",
                several.getMessage());
    }
}
