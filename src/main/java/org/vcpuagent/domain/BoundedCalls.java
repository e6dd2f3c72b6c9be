package org.vcpuagent.domain;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Where the owner runs a libvirt call that may never return (one that takes a domain's job and waits for a QEMU that
 * does not answer), so that it waits a bounded time and the connection's other domains are not held with it.
 */
public interface BoundedCalls {

    /**
     * Runs {@code call} and waits at most {@code within} for it.
     *
     * @param what    the call and its domain, for the log when it is still unanswered as the agent stops
     * @param lateEnd told, on the thread that ran it, how a call that did not answer in time ended: its answer, or
     *                empty when it failed
     * @return the answer; empty when it did not answer in time (it goes on alone) or could not start
     * @throws RuntimeException what the call threw in time
     */
    <T> Optional<T> call(String what, Supplier<T> call, Duration within, Consumer<Optional<T>> lateEnd);

    /** Whether a call may start now; false while too many are unanswered. */
    boolean hasRoom();

    /**
     * Every call on the calling thread, waited for however long it takes: for tools and tests that have no owner
     * thread to protect.
     */
    BoundedCalls ON_CALLER = new BoundedCalls() {
        @Override
        public <T> Optional<T> call(String what, Supplier<T> call, Duration within, Consumer<Optional<T>> lateEnd) {
            return Optional.ofNullable(call.get());
        }

        @Override
        public boolean hasRoom() {
            return true;
        }
    };
}
