package org.vcpuagent.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The rules for the files that hold settings and secrets, the same for the agent, its Java agents, the
 * launcher and the remote client: each refusal is an {@link IllegalArgumentException} whose message names
 * the file, what is wrong and what to do. {@code what} names the file's role in the message, e.g.
 * {@code "JMX access file"}.
 *
 * <p>Loaded by the remote client too: it uses nothing but the JDK.
 */
public final class SecretFiles {

    private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private SecretFiles() {
    }

    /** A regular file this user can read. */
    public static void checkReadable(Path file, String what) {
        if (file == null) {
            throw new IllegalArgumentException("no " + what + " was given");
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("the " + what + " " + file + " cannot be read: it does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("the " + what + " " + file + " cannot be read: it is a directory, "
                    + "not a file");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("the " + what + " " + file + " cannot be read by this user "
                    + "(check its owner and permissions)");
        }
    }

    /**
     * A readable file that neither its group nor others may use, as the JDK's own JMX agent demands of
     * its password file; the message gives the mode and the fix, {@code chmod 600 FILE}.
     */
    public static void checkOwnerOnly(Path file, String what) {
        checkReadable(file, what);
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            // Linux's default file system provider always has POSIX permissions, whatever the mounted file
            // system; only other providers (zip file systems and the like) lack them, and they hold no owner.
            return;
        } catch (IOException e) {
            throw new IllegalArgumentException("the permissions of the " + what + " " + file + " cannot be read: "
                    + e.getMessage(), e);
        }
        if (perms.stream().anyMatch(OTHERS::contains)) {
            throw new IllegalArgumentException("the " + what + " " + file + " can be read by others (mode "
                    + octal(perms) + "): run chmod 600 " + file);
        }
    }

    /** {@code 644} for {@code rw-r--r--}. */
    static String octal(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return Integer.toOctalString(mode);
    }

    /**
     * The password in a password file: its first line, without the line end. The file must be readable
     * by its owner only ({@link #checkOwnerOnly}), UTF-8, and its first line not empty. The caller clears
     * the array when done.
     */
    public static char[] readPassword(Path file, String what) {
        CharBuffer chars = readText(file, what, true);
        try {
            int end = 0;
            while (end < chars.length() && chars.get(end) != '\n' && chars.get(end) != '\r') {
                end++;
            }
            if (end == 0) {
                throw new IllegalArgumentException("the " + what + " " + file + " is empty: its first line must be "
                        + "the password");
            }
            char[] password = new char[end];
            chars.get(password, 0, end);
            return password;
        } finally {
            clear(chars);
        }
    }

    /**
     * The lines of a readable file in the format of the JDK's JMX password and access files
     * ({@code user secret}, {@code user role}), trimmed, without blank lines and {@code #} comments. A
     * password file must pass {@link #checkOwnerOnly} first.
     */
    public static List<String> readLines(Path file, String what) {
        CharBuffer chars = readText(file, what, false);
        try {
            return chars.toString().lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .toList();
        } finally {
            clear(chars);
        }
    }

    /** The whole file, strictly decoded as UTF-8. */
    private static CharBuffer readText(Path file, String what, boolean ownerOnly) {
        if (ownerOnly) {
            checkOwnerOnly(file, what);
        } else {
            checkReadable(file, what);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("the " + what + " " + file + " cannot be read: " + e.getMessage(), e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the " + what + " " + file + " is not UTF-8 text");
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static void clear(CharBuffer chars) {
        if (chars.hasArray()) {
            Arrays.fill(chars.array(), '\0');
        }
    }
}
