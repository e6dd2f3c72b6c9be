package org.vcpuagent.jolokia;

import org.vcpuagent.common.CurrentSubject;

import javax.security.auth.Subject;
import java.security.Principal;
import java.util.Optional;
import java.util.Set;

/**
 * The two roles of the Jolokia endpoint: {@code readwrite} in the access file is {@link #ADMIN},
 * {@code readonly} is {@link #MONITOR}.
 *
 * <p>The role of the request being served is known twice, and both must agree: the
 * {@link JolokiaAuthenticator} records it for the thread that runs the request (the JDK's HTTP server
 * runs the authenticator and the handler on one thread), and hands Jolokia a {@link Subject} carrying it,
 * which Jolokia makes current while it serves the request. A request that did not pass the authenticator
 * (Jolokia's {@code /jolokia/config} context has none) has no Subject, and a Subject that belongs to
 * another request (the JDK 17 HTTP server shares exchange attributes within a context) disagrees with
 * the thread: either way the request has no role and {@link JolokiaRestrictor} refuses it.
 */
public enum JolokiaRole {
    ADMIN, MONITOR;

    private static final ThreadLocal<JolokiaRole> THREAD = new ThreadLocal<>();

    /** The role as a principal of the request's Subject. */
    public record RolePrincipal(JolokiaRole role) implements Principal {
        @Override
        public String getName() {
            return role.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The user name as a principal of the request's Subject. */
    public record UserPrincipal(String getName) implements Principal {
    }

    static void setForThisThread(JolokiaRole role) {
        if (role == null) {
            THREAD.remove();
        } else {
            THREAD.set(role);
        }
    }

    /** The role of the request this thread serves now, when the thread and Jolokia's Subject agree. */
    public static Optional<JolokiaRole> current() {
        JolokiaRole thread = THREAD.get();
        Subject subject = currentSubject();
        if (thread == null || subject == null) {
            return Optional.empty();
        }
        Set<RolePrincipal> roles = subject.getPrincipals(RolePrincipal.class);
        if (roles.size() != 1 || roles.iterator().next().role() != thread) {
            return Optional.empty();
        }
        return Optional.of(thread);
    }

    private static Subject currentSubject() {
        try {
            return CurrentSubject.get();
        } catch (RuntimeException e) {
            // No Subject to be read is no role: the restrictor refuses.
            return null;
        }
    }
}
