package org.vcpuagent.jolokia;

import org.vcpuagent.common.LoginFiles;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The users of the Jolokia endpoint, from a password file and an access file in the formats of the JDK's
 * JMX agent: {@code user password} (or the JDK's hashed form {@code user salt hash algorithm}) and
 * {@code user readonly|readwrite}. A user must be in both files to log in.
 */
public final class JolokiaUsers {

    private record Entry(byte[] salt, byte[] secret, String algorithm) {
    }

    private final Map<String, Entry> passwords;
    private final Map<String, JolokiaRole> roles;

    private JolokiaUsers(Map<String, Entry> passwords, Map<String, JolokiaRole> roles) {
        this.passwords = passwords;
        this.roles = roles;
    }

    /**
     * @throws IllegalArgumentException when a file is missing, unreadable, readable by others (the
     *         password file), malformed, names a user without a password or a role other than readonly and
     *         readwrite ({@link LoginFiles}), or names no user who can log in
     */
    public static JolokiaUsers load(Path passwordFile, Path accessFile) {
        if (passwordFile == null || accessFile == null) {
            throw new IllegalArgumentException("Jolokia needs a password file and an access file "
                    + "(jolokia.password.file and jolokia.access.file, or neither for the generated logins); it never "
                    + "runs without authentication");
        }
        LoginFiles files = LoginFiles.load(passwordFile, accessFile, "Jolokia");
        Map<String, Entry> passwords = new HashMap<>();
        files.passwords().forEach((user, f) -> passwords.put(user, switch (f.length) {
            case 1 -> new Entry(null, f[0].getBytes(StandardCharsets.UTF_8), null);
            default -> hashed(passwordFile, user, f);
        }));
        Map<String, JolokiaRole> roles = new HashMap<>();
        files.roles().forEach((user, role) -> roles.put(user,
                role.equals(LoginFiles.READWRITE) ? JolokiaRole.ADMIN : JolokiaRole.MONITOR));
        return new JolokiaUsers(passwords, roles);
    }

    /** The user's role when the password is right; empty otherwise. */
    public Optional<JolokiaRole> authenticate(String user, String password) {
        Entry e = passwords.get(user);
        JolokiaRole role = roles.get(user);
        if (e == null || role == null || password == null) {
            return Optional.empty();
        }
        byte[] given = password.getBytes(StandardCharsets.UTF_8);
        if (e.algorithm() != null) {
            given = digest(e.algorithm(), e.salt(), given);
        }
        return MessageDigest.isEqual(given, e.secret()) ? Optional.of(role) : Optional.empty();
    }

    /** {@code salt hash [algorithm]}, the JDK's hashed form. */
    private static Entry hashed(Path file, String user, String[] f) {
        String algorithm = f.length == 3 ? f[2] : "SHA3-512";
        try {
            Entry e = new Entry(Base64.getDecoder().decode(f[0]), Base64.getDecoder().decode(f[1]), algorithm);
            MessageDigest.getInstance(algorithm);
            return e;
        } catch (IllegalArgumentException | NoSuchAlgorithmException ex) {
            throw new IllegalArgumentException("bad hashed password for user '" + user + "' in the Jolokia password "
                    + "file " + file + ": " + ex.getMessage());
        }
    }

    /** As the JDK's JMX agent hashes: the digest of the salt followed by the UTF-8 password. */
    private static byte[] digest(String algorithm, byte[] salt, byte[] password) {
        try {
            MessageDigest d = MessageDigest.getInstance(algorithm);
            d.update(salt);
            return d.digest(password);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
