package org.vcpuagent.domain;

/**
 * libvirt refused or failed a call about one domain. The layers above see this, never the binding's
 * exceptions, so they need not know libvirt's error codes to tell a gone domain from a broken connection.
 */
public final class DomainCallException extends RuntimeException {

    /** Why the call failed, as far as the layers above need to tell. */
    public enum Kind {
        /** The domain stopped or was undefined. */
        DOMAIN_GONE,
        /** The connection to libvirt broke. */
        CONNECTION_LOST,
        /** The agent closed the domain's handle (the domain went away, or the agent is stopping). */
        HANDLE_CLOSED,
        /** Anything else: libvirt's refusal, with its message. */
        REFUSED
    }

    private final Kind kind;
    private final int libvirtCode;

    DomainCallException(Kind kind, int libvirtCode, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.libvirtCode = libvirtCode;
    }

    public Kind kind() {
        return kind;
    }

    /** libvirt's virErrorNumber, or -1 when libvirt was not asked. */
    public int libvirtCode() {
        return libvirtCode;
    }

    public boolean isDomainGone() {
        return kind == Kind.DOMAIN_GONE;
    }

    public boolean isConnectionLost() {
        return kind == Kind.CONNECTION_LOST;
    }
}
