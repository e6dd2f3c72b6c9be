package org.vcpuagent.jmx;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.management.MBeanServerFactory;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connector's safe defaults: each unsafe setting is refused before anything listens. */
class JmxSecurityTest {

    private static void assertRefused(JmxRemoteServer.Settings s, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JmxRemoteServer.start(MBeanServerFactory.newMBeanServer(), s).close());
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
    }

    @Test
    void aPasswordFileOthersCanReadIsRefused(@TempDir Path dir) throws Exception {
        Path pw = dir.resolve("pw");
        Path access = dir.resolve("access");
        Files.writeString(pw, "admin x\n");
        Files.writeString(access, "admin readwrite\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-r--r--"));
        assertRefused(new JmxRemoteServer.Settings("127.0.0.1", 0, pw, access, false), "chmod 600");
    }

    @Test
    void aPasswordFileWithoutAnAccessFileIsRefused(@TempDir Path dir) throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "admin x\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        assertRefused(new JmxRemoteServer.Settings("127.0.0.1", 0, pw, null, false), "without an access file");
        assertRefused(new JmxRemoteServer.Settings("127.0.0.1", 0, null, pw, false), "without a password file");
        assertRefused(new JmxRemoteServer.Settings("127.0.0.1", 0, pw, dir.resolve("none"), false), "does not exist");
    }

    @Test
    void aNonLoopbackAddressWithoutAuthenticationIsRefused() throws Exception {
        assertRefused(new JmxRemoteServer.Settings("0.0.0.0", 0, null, null, false), "without authentication");
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (!a.isLoopbackAddress()) {
                    assertRefused(new JmxRemoteServer.Settings(a.getHostAddress(), 0, null, null, false),
                            "without authentication");
                }
            }
        }
    }

    /** No connector without authentication unless asked for by name, loopback included. */
    @Test
    void withoutLoginsOnlyTheInsecureSwitchServesOnLoopbackAndOthers() throws Exception {
        assertRefused(new JmxRemoteServer.Settings("127.0.0.1", 0, null, null, false), "jmx.insecure=true");
        try (JmxRemoteServer s = JmxRemoteServer.start(MBeanServerFactory.newMBeanServer(),
                new JmxRemoteServer.Settings("127.0.0.1", 0, null, null, true))) {
            assertTrue(s.securitySummary().contains("no authentication (jmx.insecure)"), s.securitySummary());
        }
        JmxRemoteServer.start(MBeanServerFactory.newMBeanServer(),
                new JmxRemoteServer.Settings("0.0.0.0", 0, null, null, true)).close();
    }

    /** What the JDK's connector would accept silently is refused at start, naming the file and the fix. */
    @Test
    void badLoginFilesAreRefusedWithTheFileAndTheFix(@TempDir Path dir) throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "admin x\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        Path missing = dir.resolve("missing.access");
        assertRefused(new JmxRemoteServer.Settings("127.0.0.1", 0, pw, missing, false),
                "the JMX access file " + missing + " does not exist: create it");
        Path stranger = dir.resolve("stranger.access");
        Files.writeString(stranger, "admin readwrite\nmonitor readonly\n");
        assertRefused(new JmxRemoteServer.Settings("127.0.0.1", 0, pw, stranger, false),
                "user 'monitor' of the JMX access file " + stranger + " has no password in " + pw + ": add a 'monitor");
        Path unknownRole = dir.resolve("role.access");
        Files.writeString(unknownRole, "admin superuser\n");
        assertRefused(new JmxRemoteServer.Settings("127.0.0.1", 0, pw, unknownRole, false),
                "give 'user readonly' or 'user readwrite'");
        Path create = dir.resolve("create.access");
        Files.writeString(create, "admin readwrite create javax.management.monitor.*\n");
        assertRefused(new JmxRemoteServer.Settings("127.0.0.1", 0, pw, create, false), "no create or unregister");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-r-----"));
        assertRefused(new JmxRemoteServer.Settings("127.0.0.1", 0, pw, stranger, false), "run chmod 600 " + pw);
    }

    /** The JDK's connector would rewrite a writable password file with hashes; the agent keeps it as it is. */
    @Test
    void aPasswordFileIsUsedAsItIsAndNotRewritten(@TempDir Path dir) throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "admin a-secret\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        Path access = dir.resolve("access");
        Files.writeString(access, "admin readwrite\n");
        try (JmxRemoteServer s = JmxRemoteServer.start(MBeanServerFactory.newMBeanServer(),
                new JmxRemoteServer.Settings("127.0.0.1", 0, pw, access, false))) {
            try (JMXConnector c = JMXConnectorFactory.connect(s.address(),
                    Map.of(JMXConnector.CREDENTIALS, new String[] {"admin", "a-secret"}))) {
                assertTrue(c.getMBeanServerConnection().getMBeanCount() >= 0);
            }
            assertThrows(SecurityException.class, () -> JMXConnectorFactory.connect(s.address()).close());
        }
        assertEquals("admin a-secret\n", Files.readString(pw));
    }
}
