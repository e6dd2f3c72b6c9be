package org.vcpuagent.jmx;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.management.MBeanServerFactory;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;

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
        assertRefused(new JmxRemoteServer.Settings("127.0.0.1", 0, pw, dir.resolve("none"), false), "cannot be read");
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

    @Test
    void loopbackWithoutAuthenticationIsAllowedAndTheInsecureSwitchOpensOthers() throws Exception {
        JmxRemoteServer.start(MBeanServerFactory.newMBeanServer(),
                new JmxRemoteServer.Settings("127.0.0.1", 0, null, null, false)).close();
        JmxRemoteServer.start(MBeanServerFactory.newMBeanServer(),
                new JmxRemoteServer.Settings("0.0.0.0", 0, null, null, true)).close();
    }
}
