package org.vcpuagent.libvirt;

/**
 * A libvirt call failed. Carries libvirt's own error code, error domain and message, as
 * {@code virGetLastError} reported them on the calling thread, and what the failure means for the
 * caller ({@link #isDomainGone()}, {@link #isConnectionLost()}), decided when it was thrown by
 * error code and, where a code is ambiguous, by asking libvirt; never by libvirt's message, which
 * libvirt translates.
 */
public class LibvirtException extends RuntimeException {

    /** {@code virErrorNumber} values the agent reacts to. */
    public static final int ERR_INTERNAL_ERROR = 1;
    public static final int ERR_NO_SUPPORT = 3;
    public static final int ERR_NO_CONNECT = 5;
    public static final int ERR_INVALID_CONN = 6;
    public static final int ERR_INVALID_DOMAIN = 7;
    public static final int ERR_INVALID_ARG = 8;
    public static final int ERR_OPERATION_FAILED = 9;
    public static final int ERR_OPERATION_DENIED = 29;
    public static final int ERR_SYSTEM_ERROR = 38;
    public static final int ERR_RPC = 39;
    public static final int ERR_NO_DOMAIN = 42;
    public static final int ERR_OPERATION_INVALID = 55;
    public static final int ERR_OPERATION_TIMEOUT = 68;
    public static final int ERR_OPERATION_UNSUPPORTED = 84;

    private final int code;
    private final int errorDomain;
    private final String operation;
    private final String libvirtMessage;
    private final boolean domainGone;
    private final boolean connectionLost;

    /** A failure whose meaning follows from its code alone. */
    public LibvirtException(String operation, int code, int errorDomain, String libvirtMessage) {
        this(operation, code, errorDomain, libvirtMessage, meansDomainGone(code), meansConnectionLost(code));
    }

    LibvirtException(String operation, int code, int errorDomain, String libvirtMessage, boolean domainGone,
                     boolean connectionLost) {
        super(operation + " failed: " + (libvirtMessage == null ? "unknown libvirt error" : libvirtMessage)
                + " (libvirt error code " + code + ", domain " + errorDomain + ")");
        this.operation = operation;
        this.code = code;
        this.errorDomain = errorDomain;
        this.libvirtMessage = libvirtMessage;
        this.domainGone = domainGone;
        this.connectionLost = connectionLost;
    }

    /** Codes that say the domain no longer exists, whatever else is true. */
    static boolean meansDomainGone(int code) {
        return code == ERR_NO_DOMAIN || code == ERR_INVALID_DOMAIN;
    }

    /** Codes that say the connection is broken, whatever else is true. */
    static boolean meansConnectionLost(int code) {
        return code == ERR_INVALID_CONN || code == ERR_NO_CONNECT || code == ERR_RPC;
    }

    /** libvirt's {@code virErrorNumber}. */
    public int getCode() {
        return code;
    }

    /** libvirt's {@code virErrorDomain}: which part of libvirt raised the error. */
    public int getErrorDomain() {
        return errorDomain;
    }

    /** The libvirt function that failed. */
    public String getOperation() {
        return operation;
    }

    /** libvirt's message, without our prefix. */
    public String getLibvirtMessage() {
        return libvirtMessage;
    }

    /** The domain is gone (destroyed, undefined) or no longer running. */
    public boolean isDomainGone() {
        return domainGone;
    }

    /** The connection to libvirt is broken; a reconnect is needed. */
    public boolean isConnectionLost() {
        return connectionLost;
    }
}
