package org.vcpuagent.client;

import org.vcpuagent.common.GeneratedLogins;
import org.vcpuagent.common.StateDir;

import java.nio.file.Path;

/**
 * Who the client logs in as: the {@code --user} given, else the agent's generated {@code admin} when this user can
 * read it (root, or the agent's user), else nobody; and what to tell the caller when the agent refuses that.
 *
 * @param user      null to connect without credentials
 * @param generated the generated password file the password came from; null otherwise
 * @param whyNot    why the generated logins could not be used, when they were looked for and not used
 */
record Login(String user, String password, Path generated, String whyNot) {

    static Login given(String user, String password) {
        return new Login(user, password, null, null);
    }

    /** The generated admin login in {@code stateDir} (null: the default for this user), if this user can read it. */
    static Login generated(Path stateDir) {
        Path dir = stateDir != null ? stateDir : StateDir.defaultForThisProcess();
        try {
            return new Login(GeneratedLogins.ADMIN, GeneratedLogins.password(dir, GeneratedLogins.ADMIN),
                    GeneratedLogins.passwordFile(dir), null);
        } catch (GeneratedLogins.CannotRead e) {
            return new Login(null, null, null, e.getMessage());
        }
    }

    /** The error line when the agent at {@code url} refused this login with {@code reason}. */
    String refused(String url, String reason) {
        if (generated != null) {
            return "cannot log in to " + url + " as '" + user + "' with the generated login in " + generated + ": "
                    + reason + ". That agent has other logins: give --user USER and --password-file FILE, or --state-dir "
                    + "DIR of that agent";
        }
        if (user != null) {
            return "cannot log in to " + url + " as '" + user + "': " + reason;
        }
        return "cannot log in to " + url + " without a user name: " + reason + ". The agent's generated logins "
                + "cannot be used: " + whyNot + ". Run this as root or as the agent's user (or give --state-dir DIR "
                + "when the agent was started with one), or give --user USER and --password-file FILE";
    }
}
