package org.vcpuagent.security;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.vcpuagent.jmx.AuditForwarder;
import org.vcpuagent.jmx.AuditLine;
import org.vcpuagent.jmx.JmxRemoteServer;
import org.vcpuagent.jmx.TlsSettings;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.File;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * JMX over TLS end to end: keystores made by scripts/make-test-keystore.sh (keytool), the
 * connector in this JVM, and every client in a JVM of its own configured by system properties only,
 * exactly as JConsole's {@code -J-D} flags configure JConsole.
 */
class JmxTlsTest {

    static final String HOST = "127.0.0.1";

    @TempDir
    static Path dir;
    /** A client key and certificate the agent's truststore does not hold. */
    static Path stranger;
    static Path strangerPass;
    static Path passwordFile;
    static Path accessFile;

    private final ListAppender<ILoggingEvent> audit = new ListAppender<>();
    private final Logger auditLogger = (Logger) LoggerFactory.getLogger(AuditForwarder.LOGGER);

    @BeforeAll
    static void makeStores() throws Exception {
        TlsFixture.makeStores(dir, "--client");
        stranger = dir.resolve("stranger.p12");
        strangerPass = dir.resolve("stranger.pass");
        Files.writeString(strangerPass, "stranger-secret\n");
        TlsFixture.run(List.of(TlsFixture.keytool(), "-genkeypair", "-alias", "stranger", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=stranger", "-validity", "2", "-keystore", stranger.toString(),
                "-storetype", "PKCS12", "-storepass:file", strangerPass.toString(), "-J-XX:TieredStopAtLevel=1"));
        passwordFile = dir.resolve("jmxremote.password");
        accessFile = dir.resolve("jmxremote.access");
        Files.writeString(passwordFile, "admin admin-secret\nmonitor monitor-secret\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(accessFile, "admin readwrite\nmonitor readonly\n");
    }

    @AfterEach
    void detachAudit() {
        auditLogger.detachAppender(audit);
    }

    static TlsSettings serverOnly() {
        return TlsSettings.serverOnly(dir.resolve("server.p12"), dir.resolve("server.pass"));
    }

    static TlsSettings clientCertificates() {
        return new TlsSettings(dir.resolve("server.p12"), dir.resolve("server.pass"),
                dir.resolve("server-truststore.p12"), dir.resolve("server-truststore.pass"), true);
    }

    static CompletableFuture<JmxClientProcess.Result> client(List<String> props, String how, int port, String user,
                                                             String password, String action) {
        return JmxClientProcess.start(props, how, HOST, port, user, password, action);
    }

    static void assertFails(CompletableFuture<JmxClientProcess.Result> run, String expected) {
        JmxClientProcess.Result r = run.join();
        assertFalse(r.ok(), () -> "the client should have been refused: " + r);
        assertTrue(r.output().contains(expected), () -> "'" + r + "' should contain '" + expected + "'");
    }

    static void assertOk(String expected, CompletableFuture<JmxClientProcess.Result> run) {
        assertEquals("OK " + expected, run.join().output());
    }

    @Test
    void aClientTrustingTheAgentReadsVcpusOverTlsAndOthersCannotConnect() throws Exception {
        try (TlsFixture.Served served = new TlsFixture.Served(
                new JmxRemoteServer.Settings(HOST, 0, null, null, true, serverOnly()))) {
            assertTrue(served.jmx.isTls());
            int port = served.port();
            // Each client is a JVM of its own; they start together.
            var trusting = client(TlsFixture.trusting(dir), "jndi-tls", port, null, null, "read");
            // A clear-text client: the registry (same port) only speaks TLS.
            var plain = client(List.of(), "plain", port, null, null, "read");
            // TLS, but trusting only the JDK's public CAs: the self-signed agent is not trusted.
            var publicCas = client(List.of(), "jndi-tls", port, null, null, "read");

            assertOk("vcpus=2 VcpuCount=2", trusting);
            assertFails(plain, "non-JRMP server at remote endpoint");
            assertFails(publicCas, "PKIX path building failed");

            // What the port answers: TLS 1.2 or 1.3 with the agent's certificate.
            try (SSLSocket s = (SSLSocket) trustingContext().getSocketFactory().createSocket(HOST, port)) {
                s.startHandshake();
                assertTrue(s.getSession().getProtocol().matches("TLSv1\\.[23]"), s.getSession().getProtocol());
                X509Certificate cert = (X509Certificate) s.getSession().getPeerCertificates()[0];
                assertEquals("CN=vcpu-agent", cert.getSubjectX500Principal().getName());
            }
        }
    }

    @Test
    void theDocumentedJConsoleCommandConnectsWithHostPortButNotWithTheServiceUrl() throws Exception {
        assumeTrue(ModuleFinder.ofSystem().find("jdk.jconsole").isPresent(), "this JDK has no JConsole");
        try (TlsFixture.Served served = new TlsFixture.Served(
                new JmxRemoteServer.Settings(HOST, 0, passwordFile, accessFile, false, serverOnly()))) {
            int port = served.port();
            // jconsole -J-Djavax.net.ssl.trustStore=... -J-Djavax.net.ssl.trustStorePassword=... 127.0.0.1:PORT,
            // then user and password in JConsole's dialog.
            var hostPort = client(TlsFixture.trusting(dir), "jconsole-hostport", port, "monitor", "monitor-secret",
                    "read");
            // The service URL, even with -J-Dcom.sun.jndi.rmi.factory.socket=...: JConsole then looks the
            // registry up in clear text (the JNDI RMI provider takes that key from the JNDI environment
            // only, never from system properties) and offers to "Retry insecurely".
            List<String> withFactoryProperty = new ArrayList<>(TlsFixture.trusting(dir));
            withFactoryProperty.add("-Dcom.sun.jndi.rmi.factory.socket=javax.rmi.ssl.SslRMIClientSocketFactory");
            var serviceUrl = client(withFactoryProperty, "jconsole-url", port, "monitor", "monitor-secret", "read");

            assertOk("vcpus=2 VcpuCount=2", hostPort);
            assertFails(serviceUrl, "non-JRMP server at remote endpoint");
            assertEquals("jconsole -J-Djavax.net.ssl.trustStore=CLIENT_TRUSTSTORE "
                    + "-J-Djavax.net.ssl.trustStorePassword=PASSWORD 127.0.0.1:" + port, served.jmx.jconsoleCommand());
        }
    }

    @Test
    void withClientCertificatesRequiredOnlyATrustedClientGetsIn() throws Exception {
        audit.start();
        auditLogger.addAppender(audit);
        boolean jconsole = ModuleFinder.ofSystem().find("jdk.jconsole").isPresent();
        try (TlsFixture.Served served = new TlsFixture.Served(
                new JmxRemoteServer.Settings(HOST, 0, null, null, false, clientCertificates()))) {
            assertTrue(served.jmx.isClientCertificateRequired());
            int port = served.port();
            List<String> trusted = TlsFixture.trustingWithKey(dir, dir.resolve("client.p12"), dir.resolve("client.pass"));
            try {
                // No certificate: the handshake fails.
                var none = client(TlsFixture.trusting(dir), "jndi-tls", port, null, null, "read");
                // A certificate the agent does not trust.
                var strange = client(TlsFixture.trustingWithKey(dir, stranger, strangerPass), "jndi-tls", port, null,
                        null, "read");
                // The trusted client certificate: in, and it can change the domain.
                var ok = client(trusted, "jndi-tls", port, null, null, "read,setVcpus=1,read");
                // JConsole with the documented flags plus the client's keystore.
                var jconsoleOk = jconsole ? client(trusted, "jconsole-hostport", port, null, null, "read") : null;

                for (var refused : List.of(none.join(), strange.join())) {
                    assertFalse(refused.ok(), refused::toString);
                    assertTrue(refused.output().matches(".*(SSLHandshakeException|SSLException|SocketException"
                            + "|bad_certificate|certificate_required|Broken pipe|Connection reset).*"), refused::toString);
                }
                assertOk("vcpus=2 VcpuCount=2; setVcpus=domain 'test' has 1 vCPU; vcpus=1 VcpuCount=1", ok);
                if (jconsoleOk != null) {
                    assertTrue(jconsoleOk.join().ok(), () -> jconsoleOk.join().toString());
                }
            } finally {
                served.restoreTestDomain();
            }
            // Without a password file, certificate clients are audited as anonymous.
            List<Map<String, String>> lines = audit.list.stream().map(e -> AuditLines.parse(e.getFormattedMessage()))
                    .toList();
            assertEquals(1, lines.size(), () -> "one change, one line: " + lines);
            assertEquals("anonymous", lines.get(0).get("principal"));
            assertEquals("127.0.0.1", lines.get(0).get("remote"));
            assertEquals("setVcpus(1)", lines.get(0).get("request"));
            assertEquals("ok: domain 'test' has 1 vCPU", lines.get(0).get("outcome"));
        }
    }

    @Test
    void clientCertificatesAloneAllowANonLoopbackAddressButServerOnlyTlsDoesNot() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TlsFixture.Served(new JmxRemoteServer.Settings("0.0.0.0", 0, null, null, false, serverOnly()))
                        .close());
        assertTrue(e.getMessage().contains("without authentication"), e.getMessage());
        try (TlsFixture.Served served = new TlsFixture.Served(
                new JmxRemoteServer.Settings("0.0.0.0", 0, null, null, false, clientCertificates()))) {
            assertTrue(served.jmx.securitySummary().contains("client certificates required"),
                    served.jmx.securitySummary());
        }
    }

    private static SSLContext trustingContext() throws Exception {
        KeyStore trust = KeyStore.getInstance(new File(dir.resolve("client-truststore.p12").toString()),
                TlsFixture.password(dir.resolve("client-truststore.pass")).toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, tmf.getTrustManagers(), null);
        return c;
    }
}
