package org.vcpuagent.common;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A password file and an access file in the formats of the JDK's JMX agent, checked as a pair: the password file
 * readable by its owner only, the access file present, every user in the access file with a password, and every
 * role {@code readonly} or {@code readwrite}. The JDK's connector checks none of the last two (a user without a
 * password silently cannot log in; {@code readwrite create ...} grants creating MBeans), so the agent and its
 * Jolokia endpoint refuse them here, at start. {@code what} names the pair in messages, e.g. {@code "JMX"}.
 *
 * @param passwords each user's fields after the name: {@code [password]} or the JDK's hashed
 *                  {@code [salt, hash, algorithm]}
 * @param roles     each user of the access file and the role, in the file's order
 */
public record LoginFiles(Path passwordFile, Path accessFile, Map<String, String[]> passwords,
                         Map<String, String> roles) {

    public static final String READONLY = "readonly";
    public static final String READWRITE = "readwrite";

    /** @throws IllegalArgumentException naming the file, the line's user, what is wrong and the fix */
    public static LoginFiles load(Path passwordFile, Path accessFile, String what) {
        if (accessFile == null) {
            throw new IllegalArgumentException("the " + what + " password file " + passwordFile + " was given without "
                    + "an access file: give one too (see config/jmxremote.access.example), or every user could do "
                    + "everything");
        }
        SecretFiles.checkOwnerOnly(passwordFile, what + " password file");
        if (!java.nio.file.Files.exists(accessFile)) {
            throw new IllegalArgumentException("the " + what + " access file " + accessFile + " does not exist: create "
                    + "it with one 'user readonly' or 'user readwrite' line per user (see config/jmxremote.access.example)");
        }
        Map<String, String[]> passwords = new LinkedHashMap<>();
        for (String line : SecretFiles.readLines(passwordFile, what + " password file")) {
            String[] f = line.split("\\s+");
            if (f.length < 2 || f.length > 4) {
                throw new IllegalArgumentException("bad line for user '" + f[0] + "' in the " + what + " password file "
                        + passwordFile + ": give 'user password'");
            }
            passwords.put(f[0], java.util.Arrays.copyOfRange(f, 1, f.length));
        }
        Map<String, String> roles = new LinkedHashMap<>();
        for (String line : SecretFiles.readLines(accessFile, what + " access file")) {
            String[] f = line.split("\\s+");
            if (f.length != 2 || !f[1].equals(READONLY) && !f[1].equals(READWRITE)) {
                throw new IllegalArgumentException("bad line for user '" + f[0] + "' in the " + what + " access file "
                        + accessFile + ": '" + line + "' has an unknown role; give 'user readonly' or 'user readwrite' "
                        + "(nothing else is allowed, no create or unregister clauses)");
            }
            if (!passwords.containsKey(f[0])) {
                throw new IllegalArgumentException("user '" + f[0] + "' of the " + what + " access file " + accessFile
                        + " has no password in " + passwordFile + ": add a '" + f[0] + " PASSWORD' line there, or "
                        + "remove the user from the access file");
            }
            roles.put(f[0], f[1]);
        }
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("the " + what + " access file " + accessFile + " names no user, so "
                    + "nobody could log in: add 'user readonly' or 'user readwrite' lines");
        }
        return new LoginFiles(passwordFile, accessFile, Map.copyOf(passwords), java.util.Collections.unmodifiableMap(roles));
    }

    /** {@code admin (readwrite), monitor (readonly)}: the users who can log in, for the start-up message. */
    public String describeUsers() {
        StringJoiner out = new StringJoiner(", ");
        roles.forEach((user, role) -> out.add(user + " (" + role + ")"));
        return out.toString();
    }

    /** The users of the access file, in its order. */
    public List<String> users() {
        return List.copyOf(roles.keySet());
    }
}
