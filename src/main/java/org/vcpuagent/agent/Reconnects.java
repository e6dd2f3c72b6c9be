package org.vcpuagent.agent;

import java.time.Duration;

/** The back-off between reconnect attempts: doubling from half a second, never beyond 15 s. Owner-thread only. */
final class Reconnects {

    private static final Duration FIRST = Duration.ofMillis(500);
    private static final Duration MAX = Duration.ofSeconds(15);

    private Duration delay = FIRST;

    /** After a loss: start again from the shortest delay. */
    Duration firstDelay() {
        delay = FIRST;
        return delay;
    }

    /** After a failed attempt: the delay before the next one. */
    Duration nextDelay() {
        Duration next = delay.multipliedBy(2);
        delay = next.compareTo(MAX) > 0 ? MAX : next;
        return delay;
    }
}
