package org.vcpuagent.jolokia;

import org.vcpuagent.common.SecretFiles;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
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
     *         password file), malformed, or names no user who can log in
     */
    public static JolokiaUsers load(Path passwordFile, Path accessFile) {
        if (passwordFile == null || accessFile == null) {
            throw new IllegalArgumentException("Jolokia needs a password file and an access file "
                    + "(jolokia.password.file and jolokia.access.file); it never runs without authentication");
        }
        SecretFiles.checkOwnerOnly(passwordFile, "Jolokia password file");
        Map<String, Entry> passwords = new HashMap<>();
        for (String[] f : lines(passwordFile, "Jolokia password file")) {
            Entry e = switch (f.length) {
                case 2 -> new Entry(null, f[1].getBytes(StandardCharsets.UTF_8), null);
                case 3, 4 -> hashed(passwordFile, f);
                default -> throw new IllegalArgumentException("bad line for user '" + f[0] + "' in the Jolokia "
                        + "password file " + passwordFile + ": give 'user password'");
            };
            passwords.put(f[0], e);
        }
        Map<String, JolokiaRole> roles = new HashMap<>();
        for (String[] f : lines(accessFile, "Jolokia access file")) {
            // The JDK's access file may add "create ..." and "unregister" clauses; Jolokia cannot use them.
            JolokiaRole role = switch (f.length < 2 ? "" : f[1]) {
                case "readwrite" -> JolokiaRole.ADMIN;
                case "readonly" -> JolokiaRole.MONITOR;
                default -> throw new IllegalArgumentException("bad line for user '" + f[0] + "' in the Jolokia access "
                        + "file " + accessFile + ": give 'user readonly' or 'user readwrite'");
            };
            roles.put(f[0], role);
        }
        if (passwords.keySet().stream().noneMatch(roles::containsKey)) {
            throw new IllegalArgumentException("no user is in both the Jolokia password file " + passwordFile
                    + " and the access file " + accessFile + ", so nobody could log in");
        }
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

    private static Entry hashed(Path file, String[] f) {
        String algorithm = f.length == 4 ? f[3] : "SHA3-512";
        try {
            Entry e = new Entry(Base64.getDecoder().decode(f[1]), Base64.getDecoder().decode(f[2]), algorithm);
            MessageDigest.getInstance(algorithm);
            return e;
        } catch (IllegalArgumentException | NoSuchAlgorithmException ex) {
            throw new IllegalArgumentException("bad hashed password for user '" + f[0] + "' in the Jolokia password "
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

    private static List<String[]> lines(Path file, String what) {
        return SecretFiles.readLines(file, what).stream().map(l -> l.split("\\s+")).toList();
    }
}
