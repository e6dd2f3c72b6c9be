package org.vcpuagent.libvirt;

/**
 * libvirt's {@code virDomainControlInfo}: the state of its channel to the domain.
 *
 * @param state           {@link #OK}, {@link #JOB}, {@link #OCCUPIED} or {@link #ERROR}
 * @param details         libvirt's {@code virDomainControlErrorReason} when {@link #ERROR}
 * @param stateTimeMillis how long the channel has been in this state, in ms (libvirt leaves 0 for {@link #OK})
 */
public record DomainControl(int state, int details, long stateTimeMillis) {

    /** {@code VIR_DOMAIN_CONTROL_OK}: the channel is free. */
    public static final int OK = 0;
    /** {@code VIR_DOMAIN_CONTROL_JOB}: a background job runs (virDomainGetJobInfo can follow it). */
    public static final int JOB = 1;
    /** {@code VIR_DOMAIN_CONTROL_OCCUPIED}: a call holds the domain's job and waits for QEMU's monitor. */
    public static final int OCCUPIED = 2;
    /** {@code VIR_DOMAIN_CONTROL_ERROR}: the channel is unusable. */
    public static final int ERROR = 3;
}
