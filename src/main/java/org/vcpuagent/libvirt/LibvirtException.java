package org.vcpuagent.libvirt;

/**
 * A libvirt call failed. Carries libvirt's own error code, error domain and message, as
 * {@code virGetLastError} reported them on the calling thread.
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

    public LibvirtException(String operation, int code, int errorDomain, String libvirtMessage) {
        super(operation + " failed: " + (libvirtMessage == null ? "unknown libvirt error" : libvirtMessage)
                + " (libvirt error code " + code + ", domain " + errorDomain + ")");
        this.operation = operation;
        this.code = code;
        this.errorDomain = errorDomain;
        this.libvirtMessage = libvirtMessage;
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
        return code == ERR_NO_DOMAIN || code == ERR_INVALID_DOMAIN
                || (code == ERR_OPERATION_INVALID && libvirtMessage != null
                    && libvirtMessage.contains("not running"));
    }

    /** The connection to libvirt is broken; a reconnect is needed. */
    public boolean isConnectionLost() {
        return code == ERR_INVALID_CONN || code == ERR_NO_CONNECT || code == ERR_RPC
                || (code == ERR_SYSTEM_ERROR && libvirtMessage != null
                    && libvirtMessage.contains("connection"));
    }
}
