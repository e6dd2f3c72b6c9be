package org.vcpuagent.libvirt;

/**
 * Receives domain events from libvirt's event loop thread. Implementations must return quickly
 * and must not call libvirt: hand the work to another thread.
 */
public interface DomainEventListener {

    /** {@code VIR_DOMAIN_EVENT_*} numbers for {@link #lifecycle}. */
    int STARTED = 2;
    int SUSPENDED = 3;
    int RESUMED = 4;
    int STOPPED = 5;
    int SHUTDOWN = 6;
    int CRASHED = 8;

    /** A domain was defined, started, paused, resumed, stopped, ... ({@code VIR_DOMAIN_EVENT_ID_LIFECYCLE}). */
    void lifecycle(String uuid, String name, int event, int detail);

    /** A domain's cputune changed, e.g. a vCPU was pinned ({@code VIR_DOMAIN_EVENT_ID_TUNABLE}). */
    void tunable(String uuid, String name);
}
