package org.vcpuagent.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vcpuagent.agent.AgentConfig;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.agent.VcpuAgent;
import org.vcpuagent.client.ClientJarIT.Run;

import javax.management.MBeanServerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client against real TLS agents in this JVM: one with a server certificate only, one that
 * also requires client certificates, and a clear-text one; TLS files made by
 * scripts/make-test-keystore.sh (keytool), as users make them.
 *
 * <p>Each client run is a JVM of its own ({@code java -cp target/classes ... ClientMain}): the
 * agent's RMI stubs use the JVM's default SSL context, so a JVM holds one TLS identity
 * ({@link ClientTls}), and these runs need several.
 */
class ClientTlsTest {

    private static final String EXPECTED = "maximum      live           2\ncurrent      live           2\n";

    @TempDir
    static Path dir;
    private static VcpuAgent serverOnly;
    private static VcpuAgent clientCertificates;
    private static TestAgent plain;

    @BeforeAll
    static void start() throws Exception {
        Path script = Path.of("scripts", "make-test-keystore.sh");
        Run made = ClientJarIT.run(List.of("bash", script.toString(), "--client", dir.toString()), Map.of());
        assertEquals(0, made.code(), made::toString);
        List<String> tls = List.of("--uri", "test:///default", "--jmx-port", "0", "--refresh-interval", "1m",
                "--jmx-ssl-keystore", file("server.p12"), "--jmx-ssl-keystore-password-file", file("server.pass"));
        // TLS without logins, asked for by name: these tests are about the TLS handshake, not logins.
        List<String> serverOnlyArgs = new ArrayList<>(tls);
        serverOnlyArgs.addAll(List.of("--jmx-insecure", "true"));
        serverOnly = VcpuAgent.start(AgentConfig.fromArgs(serverOnlyArgs.toArray(String[]::new)),
                MBeanServerFactory.newMBeanServer());
        List<String> withClients = new ArrayList<>(tls);
        withClients.addAll(List.of("--jmx-ssl-need-client-auth", "true", "--jmx-ssl-truststore",
                file("server-truststore.p12"), "--jmx-ssl-truststore-password-file", file("server-truststore.pass")));
        clientCertificates = VcpuAgent.start(AgentConfig.fromArgs(withClients.toArray(String[]::new)),
                MBeanServerFactory.newMBeanServer());
        plain = TestAgent.start();
    }

    @AfterAll
    static void stop() throws IOException {
        for (VcpuAgent a : new VcpuAgent[] {serverOnly, clientCertificates}) {
            if (a != null) {
                a.close();
            }
        }
        if (plain != null) {
            plain.close();
        }
    }

    private static String file(String name) {
        return dir.resolve(name).toString();
    }

    private static String url(VcpuAgent agent) {
        return agent.jmxAddress().toString();
    }

    private static String hostPort(VcpuAgent agent) {
        return "127.0.0.1:" + agent.jmxAddress().getURLPath().replaceAll(".*:(\\d+)/jmxrmi", "$1");
    }

    private static List<String> trusting() {
        return List.of("--tls", "--truststore", file("client-truststore.p12"), "--truststore-password-file",
                file("client-truststore.pass"));
    }

    /** The client in a JVM of its own, started now. */
    private static CompletableFuture<Run> client(VcpuAgent agent, List<String> options, String... verb) {
        List<String> command = new ArrayList<>(List.of(ClientJarIT.java(), "-XX:TieredStopAtLevel=1", "-cp",
                Path.of("target", "classes").toString(), ClientMain.class.getName(), "--url", url(agent)));
        command.addAll(options);
        command.addAll(List.of(verb));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return ClientJarIT.run(command, Map.of());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    private static void refused(CompletableFuture<Run> run, VcpuAgent agent, String reason) {
        assertEquals(new Run(1, "", "error: cannot connect to " + url(agent) + ": " + reason + "\n"), run.join());
    }

    @Test
    void withTheRightStoresTheClientReadsOverTlsAndEachMismatchSaysWhatToGive() {
        List<String> withKey = new ArrayList<>(trusting());
        withKey.addAll(List.of("--keystore", file("client.p12"), "--keystore-password-file", file("client.pass")));
        List<String> strangerKey = new ArrayList<>(trusting());
        strangerKey.addAll(List.of("--keystore", file("server.p12"), "--keystore-password-file", file("server.pass")));
        // Every run starts at once; each is a JVM.
        var trusted = client(serverOnly, trusting(), "vcpucount", "test");
        var clearText = client(serverOnly, List.of(), "vcpucount", "test");
        var jdkCas = client(serverOnly, List.of("--tls"), "vcpucount", "test");
        var certified = client(clientCertificates, withKey, "vcpucount", "test");
        var noCertificate = client(clientCertificates, trusting(), "vcpucount", "test");
        var stranger = client(clientCertificates, strangerKey, "vcpucount", "test");
        var tlsAtPlain = client(plain.agent, trusting(), "vcpucount", "test");

        assertEquals(new Run(0, EXPECTED, ""), trusted.join());
        assertEquals(new Run(0, EXPECTED, ""), certified.join());
        refused(clearText, serverOnly, hostPort(serverOnly) + " speaks TLS (the agent has jmx.ssl.keystore set): give "
                + "--tls, with --truststore FILE unless a CA the JDK trusts signed its certificate, and --keystore FILE "
                + "when it requires client certificates");
        refused(jdkCas, serverOnly, "the certificate of " + hostPort(serverOnly) + " is not trusted by the JDK's CAs: "
                + "give --truststore FILE holding it or its CA (scripts/make-test-keystore.sh writes "
                + "client-truststore.p12)");
        refused(tlsAtPlain, plain.agent, hostPort(plain.agent) + " does not speak TLS (the agent has no "
                + "jmx.ssl.keystore): leave out --tls and the truststore and keystore options");
        Run none = noCertificate.join();
        assertEquals(1, none.code(), none::toString);
        assertTrue(none.err().startsWith("error: cannot connect to " + url(clientCertificates) + ": the TLS connection to "
                + hostPort(clientCertificates) + " was closed: the agent requires a client certificate "
                + "(jmx.ssl.need.client.auth): give --keystore FILE with the client's key ("), none::toString);
        Run strange = stranger.join();
        assertEquals(1, strange.code(), strange::toString);
        assertTrue(strange.err().startsWith("error: cannot connect to " + url(clientCertificates) + ": the TLS "
                + "connection to " + hostPort(clientCertificates) + " was closed: the agent does not accept the client "
                + "certificate in " + file("server.p12") + " (its jmx.ssl.truststore must hold it or its CA) ("),
                strange::toString);
    }

    @Test
    void storesThatCannotBeUsedAreRefusedBeforeConnecting() throws IOException {
        Path wrong = TestAgent.secretFile(dir.resolve("wrong.pass"), "not-the-password\n");
        assertEquals("the password given does not open the truststore " + file("client-truststore.p12"),
                assertThrows(IllegalArgumentException.class, () -> ClientTls.withStores(
                        Path.of(file("client-truststore.p12")), "not-the-password".toCharArray(), null, null))
                        .getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClientTls.withStores(Path.of(file("client.p12")),
                        Files.readString(Path.of(file("client.pass"))).strip().toCharArray(), null, null)).getMessage()
                .startsWith("the truststore " + file("client.p12") + " holds no trusted certificate (it needs the "
                        + "agent's certificate or its CA"));
        assertEquals("the keystore " + file("client-truststore.p12") + " holds no private key: a client certificate "
                + "needs a keystore made with keytool -genkeypair (scripts/make-test-keystore.sh --client writes "
                + "client.p12); a truststore goes to --truststore",
                assertThrows(IllegalArgumentException.class, () -> ClientTls.withStores(null, null,
                        Path.of(file("client-truststore.p12")),
                        Files.readString(Path.of(file("client-truststore.pass"))).strip().toCharArray())).getMessage());
        assertEquals("cannot read the truststore " + file("nosuch.p12") + ": no such file",
                assertThrows(IllegalArgumentException.class, () -> ClientTls.withStores(Path.of(file("nosuch.p12")),
                        null, null, null)).getMessage());

        Harness.Result r = Harness.run("--url", url(serverOnly), "--tls", "--truststore", file("client-truststore.p12"),
                "--truststore-password-file", wrong.toString(), "vcpucount", "test");
        assertEquals(new Harness.Result(1, "", "error: the password given does not open the truststore "
                + file("client-truststore.p12") + "\n"), r);
    }
}
