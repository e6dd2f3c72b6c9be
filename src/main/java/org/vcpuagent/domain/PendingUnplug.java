package org.vcpuagent.domain;

import java.time.Instant;

/**
 * A vCPU unplug that libvirt gave up waiting for. The guest may still finish it, so the outcome is
 * unknown until the count stops moving.
 *
 * @param from        the count before the request
 * @param target      the count asked for
 * @param requestedAt when libvirt was asked
 * @param lastSeen    the count seen at the last check
 * @param stableSince when the count last changed (or the request time)
 */
public record PendingUnplug(int from, int target, Instant requestedAt, int lastSeen, Instant stableSince) {

    PendingUnplug seen(int count, Instant now) {
        return count == lastSeen ? this : new PendingUnplug(from, target, requestedAt, count, now);
    }

    String describe() {
        return "unplug from " + from + " to " + target + " vCPUs requested at " + requestedAt
                + " is pending: libvirt timed out waiting for the guest; the count seen now is " + lastSeen;
    }
}
