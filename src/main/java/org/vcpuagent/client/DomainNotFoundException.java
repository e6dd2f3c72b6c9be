package org.vcpuagent.client;

/** The agent has no bean for the named domain: it does not exist, is not running, or the agent has not seen it yet. */
public final class DomainNotFoundException extends RuntimeException {

    private final String domain;

    public DomainNotFoundException(String domain) {
        super("domain '" + domain + "' not found");
        this.domain = domain;
    }

    /** The name that was asked for. */
    public String domain() {
        return domain;
    }
}
