package org.vcpuagent.agent;

import org.vcpuagent.common.NamedDaemonThreads;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The owner's libvirt calls that may never return, run on helper threads while the owner waits a bounded time.
 * libvirt has no per-call timeout: a call that takes a domain's job and then waits for its QEMU (a QEMU that is
 * stopped or stuck in the kernel) waits as long as QEMU does, even with {@code NOWAIT}, which only skips a job
 * that is already taken. A call not answered in time goes on alone; its answer, if one comes, is handed to the
 * caller's {@code lateAnswer} on the helper thread, which posts it to the owner.
 *
 * <p>Each unanswered call holds one of libvirtd's workers and one of the requests libvirtd serves at once per
 * client ({@code max_client_requests}, 5 by default): beyond {@link #MAX_UNANSWERED} no call starts, so the
 * connection keeps room for the JMX callers' calls. Submitted by the owner thread; the count is shared with the
 * helper threads.
 */
final class LateCalls implements AutoCloseable {

    static final int MAX_UNANSWERED = 2;

    private final ExecutorService helpers;
    private final AtomicInteger unanswered = new AtomicInteger();

    LateCalls(String threadName) {
        this.helpers = Executors.newCachedThreadPool(new NamedDaemonThreads(threadName));
    }

    /**
     * Runs {@code call} and waits at most {@code within} for it; empty when it did not answer in time or could
     * not start (too many unanswered). A libvirt error it throws in time is thrown here.
     */
    <T> Optional<T> call(Supplier<T> call, Duration within, Consumer<T> lateAnswer) {
        if (unanswered.get() >= MAX_UNANSWERED) {
            return Optional.empty();
        }
        // 0 running, 1 answered in time, 2 late: whichever of the owner and the helper moves it first decides.
        AtomicInteger fate = new AtomicInteger();
        Future<T> f;
        try {
            f = helpers.submit(() -> {
                try {
                    T answer = call.get();
                    if (!fate.compareAndSet(0, 1)) {
                        lateAnswer.accept(answer);
                    }
                    return answer;
                } finally {
                    if (fate.get() == 2) {
                        unanswered.decrementAndGet();
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            return Optional.empty();
        }
        return await(f, within, fate);
    }

    private <T> Optional<T> await(Future<T> f, Duration within, AtomicInteger fate) {
        try {
            return Optional.ofNullable(f.get(within.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            unanswered.incrementAndGet();
            if (fate.compareAndSet(0, 2)) {
                return Optional.empty();
            }
            unanswered.decrementAndGet(); // answered in between: take it
            return await(f, within, fate);
        } catch (ExecutionException e) {
            throw OwnerExecutor.thrownBy(e, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** How many calls have not answered in time and are still waiting for libvirt. Any thread. */
    int unanswered() {
        return unanswered.get();
    }

    /** The helpers are daemons: one stuck in libvirt does not hold the JVM. */
    @Override
    public void close() {
        helpers.shutdownNow();
    }
}
