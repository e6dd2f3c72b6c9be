package org.vcpuagent.client;

import org.vcpuagent.common.ObjectNames;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Finds domain beans by name across the agent's libvirt connections. With one connection the
 * names carry no {@code connection} key; with several, a name is unique when only one connection
 * has it, and otherwise needs its connection's alias.
 */
final class DomainLookup {

    private static final Comparator<ListedDomain> BY_CONNECTION_THEN_NAME = Comparator
            .comparing(ListedDomain::connection, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(ListedDomain::name);

    private final MBeanServerConnection jmx;

    DomainLookup(MBeanServerConnection jmx) {
        this.jmx = jmx;
    }

    /** Every domain bean, sorted by connection alias, then name. */
    List<ListedDomain> all() {
        return listed(query(ObjectNames.allDomains(), "the domain list"));
    }

    /** The aliases of the agent's connections, sorted; empty when it has one (its names carry none). */
    List<String> connections() {
        List<String> out = new ArrayList<>();
        for (ObjectName host : query(ObjectNames.allHosts(), "the connection list")) {
            String alias = ObjectNames.connection(host);
            if (alias != null) {
                out.add(alias);
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * The bean of domain {@code name}: on connection {@code connection}, or, when that is null, on
     * whichever connection has it.
     *
     * @throws DomainNotFoundException     when no bean matches
     * @throws AmbiguousDomainException    when {@code connection} is null and several connections have it
     * @throws UnknownConnectionException  when the agent has no connection {@code connection}
     */
    ObjectName resolve(String connection, String name) {
        if (connection != null) {
            ObjectName bean = ObjectNames.domain(connection, name);
            if (RemoteCall.run(name, "the domain lookup", () -> jmx.isRegistered(bean))) {
                return bean;
            }
            List<String> known = connections();
            if (!known.contains(connection)) {
                throw new UnknownConnectionException(connection, known);
            }
            throw new DomainNotFoundException(name, connection);
        }
        List<ListedDomain> found = listed(query(ObjectNames.domainOnAnyConnection(name), "the domain lookup"));
        if (found.isEmpty()) {
            throw new DomainNotFoundException(name);
        }
        if (found.size() > 1) {
            throw new AmbiguousDomainException(name, found.stream().map(ListedDomain::connection).toList());
        }
        return found.get(0).objectName();
    }

    private Set<ObjectName> query(ObjectName pattern, String what) {
        return RemoteCall.run(null, what, () -> jmx.queryNames(pattern, null));
    }

    private static List<ListedDomain> listed(Set<ObjectName> names) {
        List<ListedDomain> out = new ArrayList<>(names.size());
        for (ObjectName n : names) {
            String name = ObjectNames.domainName(n);
            if (name != null) {
                out.add(new ListedDomain(ObjectNames.connection(n), name, n));
            }
        }
        out.sort(BY_CONNECTION_THEN_NAME);
        return out;
    }
}
