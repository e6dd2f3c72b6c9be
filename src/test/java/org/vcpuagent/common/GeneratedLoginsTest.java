package org.vcpuagent.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The logins the agent makes at its first start, in a state directory only its user may use. */
class GeneratedLoginsTest {

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void theFirstStartMakesOwnerOnlyFilesWithAdminAndMonitorAndLaterStartsKeepThem(@TempDir Path tmp) throws Exception {
        Path state = tmp.resolve("a/b/state");
        GeneratedLogins.Found first = GeneratedLogins.ensure(state);
        assertTrue(first.created());
        assertEquals("rwx------", mode(state));
        assertEquals("rw-------", mode(first.passwordFile()));
        assertEquals("rw-------", mode(first.accessFile()));
        LoginFiles files = LoginFiles.load(first.passwordFile(), first.accessFile(), "JMX");
        assertEquals(Map.of("admin", "readwrite", "monitor", "readonly"), files.roles());
        String admin = GeneratedLogins.password(state, "admin");
        String monitor = GeneratedLogins.password(state, "monitor");
        assertTrue(admin.matches("[A-Za-z0-9_-]{24}"), admin);
        assertNotEquals(admin, monitor);
        try (var listing = Files.list(state)) {
            assertEquals(2, listing.count(), "no temporary file is left behind");
        }

        String before = Files.readString(first.passwordFile());
        GeneratedLogins.Found again = GeneratedLogins.ensure(state);
        assertFalse(again.created());
        assertEquals(before, Files.readString(again.passwordFile()));
        // Another state directory, other passwords.
        assertNotEquals(admin, GeneratedLogins.password(GeneratedLogins.ensure(tmp.resolve("other")).passwordFile()
                .getParent(), "admin"));
    }

    @Test
    void aStateDirectoryOthersCanWriteOrThatIsAFileIsRefusedWithTheFix(@TempDir Path tmp) throws Exception {
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GeneratedLogins.ensure(open));
        assertTrue(e.getMessage().contains("the state directory " + open + " can be written by others (mode 777)")
                && e.getMessage().contains("run chmod 700 " + open), e.getMessage());
        try (var listing = Files.list(open)) {
            assertEquals(0, listing.count(), "nothing is written into it");
        }
        Path file = Files.writeString(tmp.resolve("file"), "");
        e = assertThrows(IllegalArgumentException.class, () -> GeneratedLogins.ensure(file));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
        Path below = file.resolve("state");
        e = assertThrows(IllegalArgumentException.class, () -> GeneratedLogins.ensure(below));
        assertTrue(e.getMessage().contains("the state directory " + below + " cannot be created")
                && e.getMessage().contains("--state-dir"), e.getMessage());
    }

    @Test
    void halfOfTheLoginsIsRefusedAndNeitherIsMadeAnew(@TempDir Path tmp) throws Exception {
        Path state = tmp.resolve("state");
        GeneratedLogins.Found made = GeneratedLogins.ensure(state);
        Files.delete(made.accessFile());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GeneratedLogins.ensure(state));
        assertTrue(e.getMessage().contains(made.accessFile() + " is missing. Restore it, or remove "
                + made.passwordFile() + " too"), e.getMessage());
        assertFalse(Files.exists(made.accessFile()));
    }

    @Test
    void theClientIsToldWhyItCannotUseThem(@TempDir Path tmp) throws Exception {
        GeneratedLogins.CannotRead none = assertThrows(GeneratedLogins.CannotRead.class,
                () -> GeneratedLogins.password(tmp, "admin"));
        assertTrue(none.getMessage().contains(tmp.resolve("jmxremote.password") + " does not exist"), none.getMessage());
        Files.writeString(tmp.resolve("jmxremote.password"), "admin c2FsdA== aGFzaA== SHA3-512\n");
        GeneratedLogins.CannotRead hashed = assertThrows(GeneratedLogins.CannotRead.class,
                () -> GeneratedLogins.password(tmp, "admin"));
        assertTrue(hashed.getMessage().contains("is hashed"), hashed.getMessage());
    }

    @Test
    void theDefaultIsSystemdsThenRootsThenTheUsersState() {
        assertEquals(Path.of("/var/lib/private/x"),
                StateDir.defaultFor(Map.of("STATE_DIRECTORY", "/var/lib/private/x:/other"), true, "/root"));
        assertEquals(Path.of("/var/lib/vcpu-agent"), StateDir.defaultFor(Map.of(), true, "/root"));
        assertEquals(Path.of("/home/u/.local/state/vcpu-agent"), StateDir.defaultFor(Map.of(), false, "/home/u"));
        assertEquals(Path.of("/x/vcpu-agent"), StateDir.defaultFor(Map.of("XDG_STATE_HOME", "/x"), false, "/home/u"));
        assertEquals(System.getProperty("user.name").equals("root"), StateDir.isRoot());
    }
}
