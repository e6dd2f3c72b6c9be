package org.vcpuagent.domain;

/**
 * How a pending unplug ended.
 *
 * @param unplug        the request
 * @param count         the count the domain settled on (QEMU's, when it could be asked)
 * @param libvirtCount  what libvirt reports at that moment, which may still be stale
 * @param message       a sentence for the administrator
 */
public record Settlement(PendingUnplug unplug, int count, int libvirtCount, String message) {

    public boolean reachedTarget() {
        return count == unplug.target();
    }
}
