package org.vcpuagent.jmx;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/** Checks on the files that hold secrets or settings, with messages that say what to do. */
final class SecureFiles {

    private static final Logger LOG = LoggerFactory.getLogger(SecureFiles.class);

    private SecureFiles() {
    }

    /** @param what e.g. "JMX access file", named in the message */
    static void checkReadable(Path file, String what) {
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

    /** The JDK's own agent refuses a password file others can read; so do we, for every file holding a secret. */
    static void checkOwnerOnly(Path file, String what) throws IOException {
        checkReadable(file, what);
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new IllegalArgumentException("the " + what + " " + file + " can be read by others ("
                        + PosixFilePermissions.toString(perms) + "): run chmod 600 " + file);
            }
        } catch (UnsupportedOperationException e) {
            LOG.warn("cannot check the permissions of {} on this file system", file);
        }
    }

    /**
     * The password in a password file: its first line, without the line end. The caller clears
     * the array when done.
     */
    static char[] readPassword(Path file, String what) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        CharBuffer chars;
        try {
            chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the " + what + " " + file + " is not UTF-8 text");
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
        int end = 0;
        while (end < chars.length() && chars.get(end) != '\n' && chars.get(end) != '\r') {
            end++;
        }
        char[] password = new char[end];
        chars.get(password, 0, end);
        if (chars.hasArray()) {
            Arrays.fill(chars.array(), '\0');
        }
        if (end == 0) {
            throw new IllegalArgumentException("the " + what + " " + file + " is empty: its first line must be "
                    + "the password");
        }
        return password;
    }
}
