package org.vcpuagent.client;

import java.util.List;

/** A connection alias the agent does not have. */
public final class UnknownConnectionException extends IllegalArgumentException {

    private final String connection;
    private final List<String> known;

    public UnknownConnectionException(String connection, List<String> known) {
        super(known.isEmpty()
                ? "the agent has a single libvirt connection and names no connection aliases: leave out --connection "
                        + connection
                : "the agent has no connection '" + connection + "': its connections are " + String.join(", ", known));
        this.connection = connection;
        this.known = List.copyOf(known);
    }

    /** The alias that was asked for. */
    public String connection() {
        return connection;
    }

    /** The agent's aliases, sorted; empty when it has a single connection (its names carry no alias). */
    public List<String> known() {
        return known;
    }
}
