package org.vcpuagent.agent;

import org.vcpuagent.common.NamedDaemonThreads;
import org.vcpuagent.domain.BoundedCalls;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The owner's libvirt calls that may never return, run on helper threads while the owner waits a bounded time.
 * libvirt has no per-call timeout: a call that takes a domain's job and then waits for its QEMU (a QEMU that is
 * stopped or stuck in the kernel) waits as long as QEMU does, even with {@code NOWAIT}, which only skips a job
 * that is already taken. A call not answered in time goes on alone; how it ends, if it does, is handed to the
 * caller's {@code lateEnd} on the helper thread, which posts what it needs to the owner.
 *
 * <p>Each unanswered call holds one of libvirtd's workers and one of the requests libvirtd serves at once per
 * client ({@code max_client_requests}, 5 by default): beyond {@code maxUnanswered} no call starts, so the
 * connection keeps room for the JMX callers' calls. Submitted by the owner thread; the count and the list of
 * unanswered calls are shared with the helper threads.
 */
final class LateCalls implements BoundedCalls, AutoCloseable {

    /** A call that did not answer in time: what it is and since when it waits (System.nanoTime). */
    record Unanswered(String what, long sinceNanos) {
        long waitingSeconds() {
            return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - sinceNanos);
        }

        @Override
        public String toString() {
            return what + " (waiting for " + waitingSeconds() + " s)";
        }
    }

    private final ExecutorService helpers;
    private final int maxUnanswered;
    private final AtomicInteger unanswered = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Unanswered> waiting = new ConcurrentHashMap<>();

    LateCalls(String threadName, int maxUnanswered) {
        this.helpers = Executors.newCachedThreadPool(new NamedDaemonThreads(threadName));
        this.maxUnanswered = maxUnanswered;
    }

    @Override
    public boolean hasRoom() {
        return unanswered.get() < maxUnanswered;
    }

    @Override
    public <T> Optional<T> call(String what, Supplier<T> call, Duration within, Consumer<Optional<T>> lateEnd) {
        if (!hasRoom()) {
            return Optional.empty();
        }
        long id = ids.incrementAndGet();
        long since = System.nanoTime();
        // 0 running, 1 answered in time, 2 late: whichever of the owner and the helper moves it first decides.
        AtomicInteger fate = new AtomicInteger();
        Future<T> f;
        try {
            f = helpers.submit(() -> {
                T answer = null;
                try {
                    answer = call.get();
                    return answer;
                } finally {
                    if (!fate.compareAndSet(0, 1)) {
                        waiting.remove(id);
                        unanswered.decrementAndGet();
                        lateEnd.accept(Optional.ofNullable(answer));
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            return Optional.empty();
        }
        return await(f, within, fate, new Unanswered(what, since), id);
    }

    private <T> Optional<T> await(Future<T> f, Duration within, AtomicInteger fate, Unanswered call, long id) {
        try {
            return Optional.ofNullable(f.get(within.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            unanswered.incrementAndGet();
            waiting.put(id, call);
            if (fate.compareAndSet(0, 2)) {
                return Optional.empty();
            }
            waiting.remove(id); // answered in between: take it
            unanswered.decrementAndGet();
            return await(f, within, fate, call, id);
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

    /** The calls that have not answered in time and still wait for libvirt, oldest first. Any thread. */
    List<Unanswered> stillWaiting() {
        return waiting.values().stream().sorted((a, b) -> Long.compare(a.sinceNanos(), b.sinceNanos())).toList();
    }

    /** The helpers are daemons: one stuck in libvirt does not hold the JVM. */
    @Override
    public void close() {
        helpers.shutdownNow();
    }
}
