package org.vcpuagent.client;

/** The agent has no bean for the named domain: it does not exist, is not running, or the agent has not seen it yet. */
public final class DomainNotFoundException extends RuntimeException {

    private final String domain;
    private final String connection;

    public DomainNotFoundException(String domain) {
        this(domain, null);
    }

    /** @param connection the alias it was looked for on, or null when it was looked for everywhere */
    public DomainNotFoundException(String domain, String connection) {
        super("domain '" + domain + "' not found" + (connection == null ? "" : " on connection '" + connection + "'"));
        this.domain = domain;
        this.connection = connection;
    }

    /** The name that was asked for. */
    public String domain() {
        return domain;
    }

    /** The connection alias it was looked for on; null when it was looked for on every connection. */
    public String connection() {
        return connection;
    }
}
