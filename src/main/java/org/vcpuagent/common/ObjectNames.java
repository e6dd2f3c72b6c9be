package org.vcpuagent.common;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * The agent's ObjectNames. With one libvirt connection: {@code libvirt.vcpu:type=Domain,name=X} and
 * {@code libvirt.vcpu:type=Host}. With several, each also carries {@code connection=<alias>}, so the
 * same domain name on two hosts gives two names. The agent builds them here and the client reads
 * them back here; this class needs nothing but the JDK, so the client may load it.
 */
public final class ObjectNames {

    public static final String DOMAIN = "libvirt.vcpu";

    private ObjectNames() {
    }

    /** @param connection the connection's alias, or null when the agent has only one connection */
    public static ObjectName domain(String connection, String domainName) {
        return of("type=Domain" + connectionKey(connection) + ",name=" + value(domainName), domainName);
    }

    /**
     * {@code libvirt.vcpu:type=Vcpu[,connection=<alias>],name=<domain>,vcpu=<n>}: one vCPU's bean. The key is
     * {@code name}, as on the Domain bean: Zabbix's bean discovery turns keys into macros but skips {@code domain}.
     *
     * @param connection the connection's alias, or null when the agent has only one connection
     */
    public static ObjectName vcpu(String connection, String domainName, int vcpu) {
        return of("type=Vcpu" + connectionKey(connection) + ",name=" + value(domainName) + ",vcpu=" + vcpu, domainName);
    }

    /** Every vCPU bean, on every connection. */
    public static ObjectName allVcpus() {
        return of("type=Vcpu,*", "type=Vcpu");
    }

    /** @param connection the connection's alias, or null when the agent has only one connection */
    public static ObjectName host(String connection) {
        return of("type=Host" + connectionKey(connection), connection);
    }

    /** Every domain bean, on every connection. */
    public static ObjectName allDomains() {
        return of("type=Domain,*", "type=Domain");
    }

    /** Every host bean: one per connection. */
    public static ObjectName allHosts() {
        return of("type=Host,*", "type=Host");
    }

    /** The beans of domains called {@code domainName}, on whichever connections have one. */
    public static ObjectName domainOnAnyConnection(String domainName) {
        return of("type=Domain,name=" + value(domainName) + ",*", domainName);
    }

    /** The {@code connection} key of one of the agent's names, unquoted; null when the agent has one connection. */
    public static String connection(ObjectName name) {
        return unquoted(name.getKeyProperty("connection"));
    }

    /** The {@code name} key of a domain bean's name, unquoted; null for other names. */
    public static String domainName(ObjectName name) {
        return unquoted(name.getKeyProperty("name"));
    }

    private static String unquoted(String value) {
        return value != null && value.startsWith("\"") ? ObjectName.unquote(value) : value;
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
