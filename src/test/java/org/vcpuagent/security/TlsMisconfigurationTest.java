package org.vcpuagent.security;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vcpuagent.jmx.JmxRemoteServer;
import org.vcpuagent.jmx.TlsSettings;

import javax.management.MBeanServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Every TLS mistake is refused before anything listens, with a message naming the file and the fix. */
class TlsMisconfigurationTest {

    @TempDir
    static Path dir;
    static Path keyStore;
    static Path keyPass;

    @BeforeAll
    static void makeStores() throws Exception {
        TlsFixture.makeStores(dir);
        keyStore = dir.resolve("server.p12");
        keyPass = dir.resolve("server.pass");
    }

    private static void assertRefused(TlsSettings tls, String... expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JmxRemoteServer.start(MBeanServerFactory.newMBeanServer(),
                        new JmxRemoteServer.Settings("127.0.0.1", 0, null, null, true, tls)).close());
        for (String x : expected) {
            assertTrue(e.getMessage().contains(x), () -> "'" + e.getMessage() + "' should contain '" + x + "'");
        }
    }

    private static Path file(String name, String content, String perms) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        return p;
    }

    @Test
    void theScriptsKeystoreStartsAndSaysSo() throws Exception {
        try (JmxRemoteServer s = JmxRemoteServer.start(MBeanServerFactory.newMBeanServer(),
                new JmxRemoteServer.Settings("127.0.0.1", 0, null, null, true, TlsSettings.serverOnly(keyStore, keyPass)))) {
            assertTrue(s.isTls());
            assertEquals("TLS, no authentication (jmx.insecure): every local user may connect", s.securitySummary());
        }
    }

    @Test
    void missingOrWrongKeystoreFiles() throws Exception {
        assertRefused(TlsSettings.serverOnly(dir.resolve("nothing.p12"), keyPass),
                "JMX TLS keystore", "nothing.p12 cannot be read: it does not exist");
        assertRefused(TlsSettings.serverOnly(dir, keyPass), "is a directory, not a file");
        assertRefused(TlsSettings.serverOnly(file("garbage.p12", "not a keystore", "rw-------"), keyPass),
                "garbage.p12 is not a PKCS12 or JKS keystore");
        // The clients' truststore by mistake: certificates only, no key.
        Path trustPass = dir.resolve("client-truststore.pass");
        Files.setPosixFilePermissions(trustPass, PosixFilePermissions.fromString("rw-------"));
        assertRefused(TlsSettings.serverOnly(dir.resolve("client-truststore.p12"), trustPass),
                "holds no private key", "is it a truststore?");
    }

    @Test
    void missingWrongOrExposedPasswords() throws Exception {
        assertRefused(TlsSettings.serverOnly(keyStore, null), "without its password file", "--jmx-ssl-keystore-password-file");
        assertRefused(TlsSettings.serverOnly(keyStore, dir.resolve("nothing.pass")), "password file", "cannot be read: it does not exist");
        assertRefused(TlsSettings.serverOnly(keyStore, file("wrong.pass", "wrong\n", "rw-------")),
                "the password in", "wrong.pass does not open the JMX TLS keystore", "password was incorrect");
        assertRefused(TlsSettings.serverOnly(keyStore, file("empty.pass", "\n", "rw-------")), "is empty");
        Path exposed = file("exposed.pass", TlsFixture.password(keyPass) + "\n", "rw-r--r--");
        assertRefused(TlsSettings.serverOnly(keyStore, exposed), "can be read by others", "chmod 600 " + exposed);
    }

    @Test
    void anUnreadableKeystoreIsNamed() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")), "root reads files whatever their mode");
        Path copy = dir.resolve("unreadable.p12");
        Files.copy(keyStore, copy);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("---------"));
        assertRefused(TlsSettings.serverOnly(copy, keyPass), "unreadable.p12 cannot be read by this user");
    }

    @Test
    void clientCertificateSettingsMustBeComplete() throws Exception {
        assertRefused(new TlsSettings(keyStore, keyPass, null, null, true), "no truststore", "--jmx-ssl-truststore");
        assertRefused(new TlsSettings(keyStore, keyPass, dir.resolve("client-truststore.p12"), null, true),
                "without its password file", "--jmx-ssl-truststore-password-file");
        // A keystore (private key only) as truststore trusts nobody.
        assertRefused(new TlsSettings(keyStore, keyPass, keyStore, keyPass, true),
                "holds no trusted certificate", "is it a keystore?");
        assertRefused(new TlsSettings(keyStore, keyPass, dir.resolve("client-truststore.p12"),
                file("bad-trust.pass", "nope\n", "rw-------"), true), "does not open the JMX TLS truststore");
    }

    @Test
    void tlsOptionsWithoutAKeystoreAreRefusedAndNoneMeansClearText() {
        assertNull(TlsSettings.fromOptions(null, null, null, null, false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsSettings.fromOptions(null, null, null, null, true));
        assertTrue(e.getMessage().contains("without a keystore"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TlsSettings.fromOptions(null, keyPass, null, null, false));
        assertEquals(TlsSettings.serverOnly(keyStore, keyPass), TlsSettings.fromOptions(keyStore, keyPass, null, null, false));
    }

    @Test
    void anExpiredCertificateAndAKeyWithAnotherPasswordAreRefusedAndJksWorks() throws Exception {
        Path storePass = file("jks.pass", "store-secret\n", "rw-------");
        Path keyPassFile = file("jks-key.pass", "key-secret\n", "rw-------");
        Path expired = dir.resolve("expired.p12");
        TlsFixture.run(List.of(TlsFixture.keytool(), "-J-XX:TieredStopAtLevel=1", "-genkeypair", "-alias", "old",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=old", "-startdate", "-3d", "-validity", "1",
                "-keystore", expired.toString(), "-storetype", "PKCS12", "-storepass:file", storePass.toString()));
        assertRefused(TlsSettings.serverOnly(expired, storePass), "certificate 'old'", "expired on");

        Path jks = dir.resolve("other-key-password.jks");
        TlsFixture.run(List.of(TlsFixture.keytool(), "-J-XX:TieredStopAtLevel=1", "-genkeypair", "-alias", "agent",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=agent", "-validity", "2",
                "-keystore", jks.toString(), "-storetype", "JKS", "-storepass:file", storePass.toString(),
                "-keypass:file", keyPassFile.toString()));
        assertRefused(TlsSettings.serverOnly(jks, storePass), "private key 'agent'",
                "cannot be opened with the keystore's password");

        Path goodJks = dir.resolve("good.jks");
        TlsFixture.run(List.of(TlsFixture.keytool(), "-J-XX:TieredStopAtLevel=1", "-genkeypair", "-alias", "agent",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=agent", "-validity", "2",
                "-keystore", goodJks.toString(), "-storetype", "JKS", "-storepass:file", storePass.toString(),
                "-keypass:file", storePass.toString()));
        JmxRemoteServer.start(MBeanServerFactory.newMBeanServer(),
                new JmxRemoteServer.Settings("127.0.0.1", 0, null, null, true, TlsSettings.serverOnly(goodJks, storePass)))
                .close();
    }
}
