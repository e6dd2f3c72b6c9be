package org.vcpuagent.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecretFilesTest {

    @TempDir
    Path dir;

    private Path file(String name, byte[] content, String perms) throws Exception {
        Path p = Files.write(dir.resolve(name), content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        return p;
    }

    private Path file(String name, String content, String perms) throws Exception {
        return file(name, content.getBytes(java.nio.charset.StandardCharsets.UTF_8), perms);
    }

    private static void assertRefused(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
    }

    @Test
    void aFileOthersCanUseIsRefusedWithItsModeAndTheFix() throws Exception {
        for (String perms : List.of("rw-r--r--", "rw-r-----", "rw----r--", "rw--w----", "rwx-----x")) {
            Path p = file("pw-" + perms.replace('-', '_'), "x\n", perms);
            String mode = Integer.toOctalString(Integer.parseInt(perms.replaceAll("[rwx]", "1").replace('-', '0'), 2));
            assertRefused("the test password file " + p + " can be read by others (mode " + mode + "): run chmod 600 " + p,
                    () -> SecretFiles.checkOwnerOnly(p, "test password file"));
        }
        SecretFiles.checkOwnerOnly(file("ok", "x\n", "rw-------"), "test password file");
        SecretFiles.checkOwnerOnly(file("ro", "x\n", "r--------"), "test password file");
    }

    @Test
    void aMissingFileADirectoryOrNoneAtAllIsNamed() {
        assertRefused("the JMX access file " + dir.resolve("none") + " cannot be read: it does not exist",
                () -> SecretFiles.checkReadable(dir.resolve("none"), "JMX access file"));
        assertRefused("cannot be read: it is a directory, not a file",
                () -> SecretFiles.checkOwnerOnly(dir, "JMX password file"));
        assertRefused("no JMX password file was given", () -> SecretFiles.readPassword(null, "JMX password file"));
    }

    @Test
    void thePasswordIsTheFirstLineWithoutItsEnd() throws Exception {
        assertArrayEquals("s3cret pass".toCharArray(),
                SecretFiles.readPassword(file("a", "s3cret pass\r\nsecond line\n", "rw-------"), "password file"));
        assertArrayEquals("only".toCharArray(), SecretFiles.readPassword(file("b", "only", "rw-------"), "password file"));
        assertArrayEquals("pässwörd".toCharArray(),
                SecretFiles.readPassword(file("c", "pässwörd\n", "rw-------"), "password file"));
    }

    @Test
    void aPasswordFileMustBeOwnerOnlyUtf8AndStartWithThePassword() throws Exception {
        Path open = file("open", "x\n", "rw-r--r--");
        assertRefused("run chmod 600 " + open, () -> SecretFiles.readPassword(open, "password file"));
        assertRefused("is empty: its first line must be the password",
                () -> SecretFiles.readPassword(file("empty", "\nx\n", "rw-------"), "password file"));
        assertRefused("is not UTF-8 text",
                () -> SecretFiles.readPassword(file("latin1", new byte[] {'p', (byte) 0xe4, '\n'}, "rw-------"),
                        "password file"));
    }

    @Test
    void linesAreTrimmedWithoutBlanksAndComments() throws Exception {
        Path p = file("users", "# users\n  admin  a-secret \n\n\tmonitor m\n#x y\n", "rw-r--r--");
        assertEquals(List.of("admin  a-secret", "monitor m"), SecretFiles.readLines(p, "access file"));
        assertRefused("is not UTF-8 text",
                () -> SecretFiles.readLines(file("bad", new byte[] {(byte) 0xff}, "rw-------"), "access file"));
    }
}
