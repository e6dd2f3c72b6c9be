package org.vcpuagent.domain;

import java.util.function.Supplier;

/**
 * The one thread that owns a connection's mutable state (counts, pending unplugs, pins, statistics, which
 * beans exist). Other threads never change that state themselves: they hand the change to this thread.
 */
public interface OwnerThread {

    /** Queues {@code task} on the owner thread and returns at once. */
    void post(Runnable task);

    /**
     * Runs {@code task} on the owner thread and waits for its result, up to a bound: a JMX caller must get
     * an answer even when the owner is stuck in a slow libvirt call. Runs at once when called on the owner.
     *
     * @param what what the task does, for the error when the owner does not answer in time
     * @throws IllegalStateException when the owner did not answer in time or is shut down
     */
    <T> T await(String what, Supplier<T> task);
}
