package org.vcpuagent.jolokia;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpExchange;
import org.jolokia.server.core.config.ConfigKey;
import org.jolokia.server.core.config.Configuration;

import javax.security.auth.Subject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * HTTP basic authentication for Jolokia's JVM agent ({@code authClass}), against the files named by the
 * system properties {@value #PASSWORD_FILE_PROPERTY} and {@value #ACCESS_FILE_PROPERTY} (the launcher
 * sets them from jolokia.password.file and jolokia.access.file). It tells {@link JolokiaRestrictor} the
 * user's role; see {@link JolokiaRole}. A {@code readwrite} user has the {@link JolokiaRole#ADMIN} role
 * in POST requests only; GET requests read.
 */
public final class JolokiaAuthenticator extends BasicAuthenticator {

    public static final String PASSWORD_FILE_PROPERTY = "vcpu.agent.jolokia.password.file";
    public static final String ACCESS_FILE_PROPERTY = "vcpu.agent.jolokia.access.file";

    /** The client address of the request this thread serves, for the audit log; set with the role. */
    private static final ThreadLocal<String> CLIENT = new ThreadLocal<>();

    private final JolokiaUsers users;
    private final ThreadLocal<JolokiaRole> checked = new ThreadLocal<>();

    /** Called by Jolokia, which reports only that this failed: so the reason is printed here. */
    public JolokiaAuthenticator(Configuration config) {
        this(config.getConfig(ConfigKey.REALM), loadUsers());
    }

    private static JolokiaUsers loadUsers() {
        try {
            return JolokiaUsers.load(path(PASSWORD_FILE_PROPERTY), path(ACCESS_FILE_PROPERTY));
        } catch (RuntimeException e) {
            System.err.println("error: Jolokia not started: " + e.getMessage());
            throw e;
        }
    }

    JolokiaAuthenticator(String realm, JolokiaUsers users) {
        super(realm == null ? "jolokia" : realm, StandardCharsets.UTF_8);
        this.users = users;
    }

    private static Path path(String property) {
        String s = System.getProperty(property, "").trim();
        return s.isEmpty() ? null : Path.of(s);
    }

    @Override
    public Result authenticate(HttpExchange exchange) {
        JolokiaRole.setForThisThread(null);
        CLIENT.remove();
        checked.remove();
        try {
            Result result = super.authenticate(exchange);
            JolokiaRole role = checked.get();
            if (role == JolokiaRole.ADMIN && !"POST".equalsIgnoreCase(exchange.getRequestMethod())) {
                // Changes need POST, which browsers send only with an Origin header (refused by the restrictor):
                // a web page cannot make an admin's browser change a domain with a plain link or image.
                role = JolokiaRole.MONITOR;
            }
            if (result instanceof Success success && role != null) {
                Subject subject = new Subject(true,
                        Set.of(new JolokiaRole.UserPrincipal(success.getPrincipal().getUsername()),
                                new JolokiaRole.RolePrincipal(role)), Set.of(), Set.of());
                exchange.setAttribute(ConfigKey.JAAS_SUBJECT_REQUEST_ATTRIBUTE, subject);
                JolokiaRole.setForThisThread(role);
                CLIENT.set(exchange.getRemoteAddress().getAddress().getHostAddress());
            }
            return result;
        } finally {
            checked.remove();
        }
    }

    /** The address of the client whose request this thread serves, or null outside a logged-in request. */
    static String clientAddress() {
        return CLIENT.get();
    }

    @Override
    public boolean checkCredentials(String user, String password) {
        Optional<JolokiaRole> role = users.authenticate(user, password);
        role.ifPresent(checked::set);
        return role.isPresent();
    }
}
