package org.vcpuagent.security;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.jmx.JmxRemoteServer;
import org.vcpuagent.jmx.ReadOnlyRegistry;
import org.vcpuagent.jmx.TlsSettings;
import org.vcpuagent.testsupport.TestDomain;

import javax.management.remote.JMXConnector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.rmi.Remote;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.UnicastRemoteObject;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's RMI registry serves {@code jmxrmi} only and refuses bind, rebind and unbind from every caller:
 * the agent's own JVM, a second local process as root, and one as an unprivileged user (created by the test);
 * with and without TLS. After every attempt an administrator still reaches the real agent.
 */
class ReadOnlyRegistryTest {

    private static TestAgent agent;

    @BeforeAll
    static void start() throws Exception {
        agent = TestAgent.start();
    }

    @AfterAll
    static void stop() throws Exception {
        agent.close();
    }

    /** Fails when a JDK update removes or changes the JDK's own agent's registry, which the agent builds on. */
    @Test
    void theJdksSingleEntryRegistryIsThereAndOpened() {
        assertEquals(ReadOnlyRegistry.CLASS, ReadOnlyRegistry.constructor().getDeclaringClass().getName());
        assertTrue(Registry.class.isAssignableFrom(ReadOnlyRegistry.constructor().getDeclaringClass()));
    }

    /**
     * The registry refuses a bind or rebind before it reads the stub (its deserialization filter lets only a
     * name in), an unbind with an AccessException ("Cannot modify this registry").
     */
    /** Started from the class path without the option (the jar's manifest gives it to java -jar), it says which. */
    @Test
    void anAgentWithoutTheOptionRefusesToStartAndNamesIt() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.vcpuagent.agent.Main", "--jmx-port", "0",
                "--jmx-insecure", "true")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), out);
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("error: the read-only RMI registry needs the JDK's " + ReadOnlyRegistry.CLASS
                + ": start the JVM with " + ReadOnlyRegistry.OPENS), out);
        assertTrue(!out.contains("\tat "), () -> "one error line, no stack trace: " + out);
    }

    private static void assertRefused(String action, String output) {
        String modify = "java.rmi.AccessException: Cannot modify this registry";
        assertTrue(output.startsWith("REFUSED "), output);
        if (action.equals("unbind")) {
            assertTrue(output.contains(modify), output);
        } else {
            assertTrue(output.contains(modify) || output.contains("filter status: REJECTED"), output);
        }
    }

    /** An administrator connects anew, through the registry, and reaches the real agent. */
    private static void assertAdminReachesTheAgent() throws Exception {
        try (JMXConnector c = agent.connect(TestAgent.ADMIN, TestAgent.ADMIN_PASSWORD)) {
            assertEquals(2, c.getMBeanServerConnection().getAttribute(TestDomain.BEAN, "VcpuCount"));
        }
    }

    @Test
    void theAgentsOwnJvmCannotChangeIt() throws Exception {
        Registry registry = LocateRegistry.getRegistry("127.0.0.1", port());
        assertArrayEquals(new String[] {"jmxrmi"}, registry.list());
        RegistryTamperer.Fake impl = new RegistryTamperer.Fake() { };
        Remote mine = UnicastRemoteObject.exportObject(impl, 0);
        try {
            for (String action : List.of("rebind", "unbind", "bind")) {
                Exception e = assertThrows(java.rmi.RemoteException.class, () -> {
                    switch (action) {
                        case "rebind" -> registry.rebind("jmxrmi", mine);
                        case "unbind" -> registry.unbind("jmxrmi");
                        default -> registry.bind("other", mine);
                    }
                });
                assertRefused(action, "REFUSED " + chain(e));
            }
        } finally {
            UnicastRemoteObject.unexportObject(impl, true);
        }
        assertArrayEquals(new String[] {"jmxrmi"}, registry.list());
        assertAdminReachesTheAgent();
    }

    @Test
    void anotherProcessAsRootCannotChangeIt() throws Exception {
        for (String action : List.of("rebind", "unbind", "bind")) {
            assertRefused(action, UnprivilegedUser.java(RegistryTamperer.class, false, List.of(), "127.0.0.1",
                    String.valueOf(port()), "plain", action));
        }
        assertEquals("OK [jmxrmi]", UnprivilegedUser.java(RegistryTamperer.class, false, List.of(), "127.0.0.1",
                String.valueOf(port()), "plain", "list").strip());
        assertAdminReachesTheAgent();
    }

    @Test
    void anotherProcessAsAnUnprivilegedUserCannotChangeIt() throws Exception {
        UnprivilegedUser.ensure();
        assertTrue(UnprivilegedUser.java(RegistryTamperer.class, true, List.of(), "127.0.0.1", String.valueOf(port()),
                "plain", "list").startsWith("OK [jmxrmi]"), "the user reaches the registry");
        for (String action : List.of("rebind", "unbind", "bind")) {
            assertRefused(action, UnprivilegedUser.java(RegistryTamperer.class, true, List.of(), "127.0.0.1",
                    String.valueOf(port()), "plain", action));
        }
        assertAdminReachesTheAgent();
    }

    @Test
    void withTlsTooOnTheSamePort(@TempDir Path dir) throws Exception {
        TlsFixture.makeStores(dir);
        Path password = TestAgent.secretFile(dir.resolve("jmx.password"),
                TestAgent.ADMIN + " " + TestAgent.ADMIN_PASSWORD + "\n");
        Path access = Files.writeString(dir.resolve("jmx.access"), TestAgent.ADMIN + " readwrite\n");
        TlsSettings tls = TlsSettings.serverOnly(dir.resolve("server.p12"), dir.resolve("server.pass"));
        try (TlsFixture.Served served = new TlsFixture.Served(new JmxRemoteServer.Settings("127.0.0.1", 0, password,
                access, false, tls))) {
            String port = String.valueOf(served.port());
            List<String> trust = TlsFixture.trusting(dir);
            for (String action : List.of("rebind", "unbind", "bind")) {
                assertRefused(action, UnprivilegedUser.java(RegistryTamperer.class, false, trust, "127.0.0.1", port, "tls", action));
            }
            assertEquals("OK [jmxrmi]", UnprivilegedUser.java(RegistryTamperer.class, false, trust, "127.0.0.1", port,
                    "tls", "list").strip());
            JmxClientProcess.Result read = JmxClientProcess.run(trust, "jndi-tls", "127.0.0.1", served.port(),
                    TestAgent.ADMIN, TestAgent.ADMIN_PASSWORD, "read");
            assertTrue(read.ok(), read::toString);
        }
    }

    private static String chain(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            b.append(b.length() == 0 ? "" : " | caused by ").append(t);
        }
        return b.toString().replace('\n', ' ');
    }

    private static int port() {
        String url = agent.agent.jmxAddress().toString();
        String tail = url.substring(url.lastIndexOf(':') + 1);
        return Integer.parseInt(tail.substring(0, tail.indexOf('/')));
    }
}
