package org.vcpuagent.libvirt;

/**
 * Turns libvirt's thread-local last error into a {@link LibvirtException}.
 *
 * <p>libvirt keeps the last error per thread, so it must be read on the thread that made the
 * failing call and before any other libvirt call; every wrapper calls {@link #check} right after
 * the native call for that reason.
 */
final class Errors {

    /** Held forever: libvirt keeps this callback for the life of the process. */
    private static final LibvirtNative.ErrorFunc SILENT = (userData, error) -> { };

    static {
        // Without a handler libvirt prints every error to stderr, which the agent already reports.
        LibvirtNative.INSTANCE.virSetErrorFunc(null, SILENT);
    }

    private Errors() {
    }

    /** Forces the static initialiser; call before the first libvirt call. */
    static void init() {
    }

    static LibvirtException last(String operation) {
        VirError err = LibvirtNative.INSTANCE.virGetLastError();
        LibvirtException ex = err == null
                ? new LibvirtException(operation, -1, -1, "no error detail reported by libvirt")
                : new LibvirtException(operation, err.code, err.domain, err.message);
        LibvirtNative.INSTANCE.virResetLastError();
        return ex;
    }

    static int check(int rc, String operation) {
        if (rc < 0) {
            throw last(operation);
        }
        return rc;
    }
}
