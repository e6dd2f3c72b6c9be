package org.vcpuagent.libvirt;

/**
 * Reads libvirt's thread-local last error.
 *
 * <p>libvirt keeps the last error per thread, so it must be read on the thread that made the
 * failing call and before any other libvirt call; every wrapper reads it right after the native
 * call for that reason. What an error means (domain gone, connection lost) is decided by
 * {@link Domain} and {@link Connection}, which hold the pointers to ask libvirt with; this class
 * knows only the error codes.
 */
final class Errors {

    /** Held forever: libvirt keeps this callback for the life of the process. */
    private static final LibvirtNative.ErrorFunc SILENT = (userData, error) -> { };

    static {
        // Without a handler libvirt prints every error to stderr, which the agent already reports.
        LibvirtNative.INSTANCE.virSetErrorFunc(null, SILENT);
    }

    /** libvirt's last error, copied out of libvirt's memory. */
    record Last(int code, int domain, String message) {

        /** The exception for this error, with what it means as the caller found out. */
        LibvirtException toException(String operation, boolean domainGone, boolean connectionLost) {
            return new LibvirtException(operation, code, domain, message, domainGone, connectionLost);
        }
    }

    private Errors() {
    }

    /** Forces the static initialiser; call before the first libvirt call. */
    static void init() {
    }

    /** Copies and clears this thread's last error. */
    static Last take() {
        VirError err = LibvirtNative.INSTANCE.virGetLastError();
        Last last = err == null ? new Last(-1, -1, "no error detail reported by libvirt")
                : new Last(err.code, err.domain, err.message);
        LibvirtNative.INSTANCE.virResetLastError();
        return last;
    }

    /** The last error, classified by its code alone: for calls made with no connection or domain at hand. */
    static LibvirtException last(String operation) {
        Last last = take();
        return last.toException(operation, LibvirtException.meansDomainGone(last.code()),
                LibvirtException.meansConnectionLost(last.code()));
    }

    static int check(int rc, String operation) {
        if (rc < 0) {
            throw last(operation);
        }
        return rc;
    }
}
