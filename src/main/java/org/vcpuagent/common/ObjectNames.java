package org.vcpuagent.common;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * The agent's ObjectNames. With one libvirt connection: {@code libvirt.vcpu:type=Domain,name=X} and
 * {@code libvirt.vcpu:type=Host}. With several, each also carries {@code connection=<alias>}, so the
 * same domain name on two hosts gives two names.
 */
public final class ObjectNames {

    public static final String DOMAIN = "libvirt.vcpu";

    private ObjectNames() {
    }

    /** @param connection the connection's alias, or null when the agent has only one connection */
    public static ObjectName domain(String connection, String domainName) {
        return of("type=Domain" + connectionKey(connection) + ",name=" + value(domainName), domainName);
    }

    /** @param connection the connection's alias, or null when the agent has only one connection */
    public static ObjectName host(String connection) {
        return of("type=Host" + connectionKey(connection), connection);
    }

    private static String connectionKey(String connection) {
        return connection == null ? "" : ",connection=" + value(connection);
    }

    private static ObjectName of(String keys, String what) {
        try {
            return new ObjectName(DOMAIN + ":" + keys);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("'" + what + "' cannot form an ObjectName: " + e.getMessage(), e);
        }
    }

    /** Plain when every character is safe in an ObjectName value; quoted otherwise. */
    static String value(String s) {
        boolean plain = !s.isEmpty() && s.chars().allMatch(c -> c < 128
                && (Character.isLetterOrDigit(c) || "-_.+@#%^~/".indexOf(c) >= 0));
        return plain ? s : ObjectName.quote(s);
    }
}
