package org.vcpuagent.jolokia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JolokiaUsersTest {

    private static Path write(Path dir, String name, String text, String perms) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        return p;
    }

    @Test
    void readwriteIsAdminAndReadonlyIsMonitor(@TempDir Path dir) throws Exception {
        JolokiaUsers users = JolokiaUsers.load(
                write(dir, "pw", "# users\nadmin a-secret\n\nmonitor m-secret\nstranger s-secret\n", "rw-------"),
                write(dir, "access", "admin readwrite\nmonitor readonly\n", "rw-r--r--"));
        assertEquals(Optional.of(JolokiaRole.ADMIN), users.authenticate("admin", "a-secret"));
        assertEquals(Optional.of(JolokiaRole.MONITOR), users.authenticate("monitor", "m-secret"));
        assertEquals(Optional.empty(), users.authenticate("admin", "m-secret"));
        assertEquals(Optional.empty(), users.authenticate("admin", ""));
        assertEquals(Optional.empty(), users.authenticate("admin", null));
        assertEquals(Optional.empty(), users.authenticate("nobody", "a-secret"));
        assertEquals(Optional.empty(), users.authenticate("stranger", "s-secret"), "no role, no login");
    }

    /** The JDK's JMX agent may hash a password file: "user salt hash algorithm", hash of salt then password. */
    @Test
    void acceptsTheJdksHashedPasswords(@TempDir Path dir) throws Exception {
        byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.UTF_8);
        MessageDigest d = MessageDigest.getInstance("SHA3-512");
        d.update(salt);
        byte[] hash = d.digest("a-secret".getBytes(StandardCharsets.UTF_8));
        Base64.Encoder b64 = Base64.getEncoder();
        JolokiaUsers users = JolokiaUsers.load(
                write(dir, "pw", "admin " + b64.encodeToString(salt) + " " + b64.encodeToString(hash) + " SHA3-512\n",
                        "rw-------"),
                write(dir, "access", "admin readwrite\n", "rw-------"));
        assertEquals(Optional.of(JolokiaRole.ADMIN), users.authenticate("admin", "a-secret"));
        assertEquals(Optional.empty(), users.authenticate("admin", "other"));
    }

    @Test
    void refusesUnsafeOrBrokenFiles(@TempDir Path dir) throws Exception {
        Path access = write(dir, "access", "admin readwrite\n", "rw-r--r--");
        assertMessage("never runs without authentication", () -> JolokiaUsers.load(null, access));
        assertMessage("run chmod 600", () -> JolokiaUsers.load(write(dir, "open", "admin x\n", "rw-r-----"), access));
        assertMessage("does not exist", () -> JolokiaUsers.load(dir.resolve("missing"), access));
        Path pw = write(dir, "pw", "admin x\n", "rw-------");
        assertMessage("give 'user readonly' or 'user readwrite'",
                () -> JolokiaUsers.load(pw, write(dir, "bad", "admin admin\n", "rw-------")));
        assertMessage("user 'monitor' of the Jolokia access file",
                () -> JolokiaUsers.load(pw, write(dir, "other", "monitor readonly\n", "rw-------")));
        assertMessage("no create or unregister clauses", () -> JolokiaUsers.load(pw,
                write(dir, "create", "admin readwrite create javax.management.monitor.* unregister\n", "rw-------")));
        assertMessage("names no user", () -> JolokiaUsers.load(pw, write(dir, "empty", "# nobody\n", "rw-------")));
        assertMessage("give 'user password'", () -> JolokiaUsers.load(write(dir, "pw1", "admin\n", "rw-------"), access));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
    }
}
