package org.vcpuagent.jolokia;

import org.jolokia.server.core.config.ConfigKey;
import org.jolokia.server.core.config.Configuration;
import org.jolokia.server.core.restrictor.RestrictorFactory;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.util.HttpMethod;
import org.jolokia.server.core.util.RequestType;

import javax.management.ObjectName;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;

/**
 * Jolokia's policy file ({@code policyLocation}, the shipped jolokia-access.xml) plus roles
 * ({@code restrictorClass}): a request without a role, that is one that did not log in through
 * {@link JolokiaAuthenticator}, is refused outright; {@link JolokiaRole#MONITOR} may read, list, search and
 * ask the version; only {@link JolokiaRole#ADMIN} may write attributes, execute operations, or use any
 * other request type. Requests sent by browsers are refused (see {@link #isOriginAllowed}). The policy
 * file restricts all of this further.
 */
public final class JolokiaRestrictor implements Restrictor {

    private static final Set<RequestType> READS = EnumSet.of(RequestType.READ, RequestType.LIST, RequestType.SEARCH,
            RequestType.VERSION);

    private final Restrictor policy;

    /** Called by Jolokia; a missing or broken policy file stops Jolokia from starting, and says why. */
    public JolokiaRestrictor(Configuration config) {
        this(policy(config.getConfig(ConfigKey.POLICY_LOCATION)), config.getConfig(ConfigKey.POLICY_LOCATION));
    }

    private static Restrictor policy(String location) {
        try {
            Restrictor policy = RestrictorFactory.lookupPolicyRestrictor(location);
            if (policy == null) {
                throw new IllegalArgumentException("the Jolokia policy file " + location + " was not found");
            }
            return policy;
        } catch (IOException | RuntimeException e) {
            System.err.println("error: Jolokia not started: cannot use the policy file " + location + ": " + e.getMessage());
            throw new IllegalArgumentException("cannot use the Jolokia policy file " + location, e);
        }
    }

    JolokiaRestrictor(Restrictor policy, String location) {
        if (policy == null) {
            throw new IllegalArgumentException("the Jolokia policy file " + location + " was not found");
        }
        this.policy = policy;
    }

    private static boolean loggedIn() {
        return JolokiaRole.current().isPresent();
    }

    private static boolean admin() {
        return JolokiaRole.current().filter(r -> r == JolokiaRole.ADMIN).isPresent();
    }

    /** Asked once at the start of every request: refuses requests that did not log in. */
    @Override
    public boolean isRemoteAccessAllowed(String... hostOrAddress) {
        return loggedIn() && policy.isRemoteAccessAllowed(hostOrAddress);
    }

    @Override
    public boolean isTypeAllowed(RequestType type) {
        return (READS.contains(type) ? loggedIn() : admin()) && policy.isTypeAllowed(type);
    }

    @Override
    public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
        return loggedIn() && policy.isAttributeReadAllowed(name, attribute);
    }

    @Override
    public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
        return admin() && policy.isAttributeWriteAllowed(name, attribute);
    }

    @Override
    public boolean isOperationAllowed(ObjectName name, String operation) {
        return admin() && policy.isOperationAllowed(name, operation);
    }

    @Override
    public boolean isHttpMethodAllowed(HttpMethod method) {
        return policy.isHttpMethodAllowed(method);
    }

    /**
     * Refuses every request that carries an Origin (or, lacking one, a Referer) header, that is every
     * request a browser sends on behalf of a web page, and never allows cross-origin (CORS) access: the
     * endpoint is for scripts and collectors. Requests without the header (curl, collectors) pass.
     */
    @Override
    public boolean isOriginAllowed(String origin, boolean onlyWhenStrictCheckingIsEnabled) {
        return origin == null;
    }

    @Override
    public boolean isObjectNameHidden(ObjectName name) {
        return policy.isObjectNameHidden(name);
    }

    @Override
    public boolean ignoreScheme() {
        return policy.ignoreScheme();
    }
}
