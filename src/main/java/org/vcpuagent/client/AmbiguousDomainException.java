package org.vcpuagent.client;

import java.util.List;

/**
 * The agent has several libvirt connections and a domain of this name on more than one: the
 * caller has to say which ({@code --connection ALIAS}, {@link VcpuAgentClient#domain(String, String)}).
 */
public final class AmbiguousDomainException extends IllegalArgumentException {

    private final String domain;
    private final List<String> connections;

    public AmbiguousDomainException(String domain, List<String> connections) {
        super("domain '" + domain + "' exists on connections " + String.join(", ", connections)
                + ": choose one with --connection ALIAS");
        this.domain = domain;
        this.connections = List.copyOf(connections);
    }

    public String domain() {
        return domain;
    }

    /** The aliases of the connections that have it, sorted. */
    public List<String> connections() {
        return connections;
    }
}
