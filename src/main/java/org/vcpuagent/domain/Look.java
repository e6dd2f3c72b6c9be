package org.vcpuagent.domain;

/** How hard the owner thread looks at a domain again. */
public enum Look {
    /**
     * The periodic look: the count from the connection's last bulk statistics where they have it, the
     * pinning only if never read, and a pending unplug followed. A healthy domain costs no call of its own.
     */
    QUICK,
    /** Everything asked of libvirt: virDomainGetVcpus (which shows a stale libvirt), the count and the pinning. */
    THOROUGH
}
