package org.vcpuagent.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.common.NamedDaemonThreads;
import org.vcpuagent.domain.OwnerThread;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The owner thread of one libvirt connection: ticks, looks, events, reconnects, registrations and the
 * follow-up of operations all run here, one after the other, so the connection's state needs no lock.
 */
final class OwnerExecutor implements OwnerThread, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OwnerExecutor.class);

    /**
     * How long a JMX caller waits for the owner. Longer than libvirt's keepalive takes to declare a hung
     * daemon dead, so a wait ends because the owner answered or the connection was given up, not in between.
     */
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(20);

    private final String name;
    private final ScheduledExecutorService executor;
    private volatile Thread thread;

    OwnerExecutor(String threadName) {
        this.name = threadName;
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new NamedDaemonThreads(threadName).newThread(r);
            thread = t;
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        this.executor = e;
    }

    @Override
    public void post(Runnable task) {
        try {
            executor.execute(guarded(task));
        } catch (RejectedExecutionException e) {
            // stopping: nothing is left to look at
        }
    }

    @Override
    public <T> T await(String what, Supplier<T> task) {
        if (Thread.currentThread() == thread) {
            return task.get();
        }
        Future<T> f;
        try {
            f = executor.submit(task::get);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("cannot " + what + ": the agent is stopping");
        }
        try {
            return f.get(ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw thrownBy(e, "cannot " + what + ": ");
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot " + what + ": " + name + " did not answer within "
                    + ANSWER_WITHIN.toSeconds() + " s (libvirt is slow to answer it); it will still do it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("cannot " + what + ": interrupted", e);
        }
    }

    /** What the task threw, to throw again on the waiting thread: itself if unchecked, else wrapped. */
    static RuntimeException thrownBy(ExecutionException e, String prefix) {
        if (e.getCause() instanceof RuntimeException r) {
            return r;
        }
        return new IllegalStateException(prefix + e.getCause(), e.getCause());
    }

    /** As {@link #await}, without a bound: for the first connection, which may take as long as libvirt needs. */
    <T> T awaitUnbounded(Supplier<T> task) {
        try {
            return executor.submit(task::get).get();
        } catch (ExecutionException e) {
            throw thrownBy(e, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting", e);
        }
    }

    /** Runs {@code task} every {@code period}, first after one period. */
    void every(Duration period, Runnable task) {
        long ms = period.toMillis();
        executor.scheduleWithFixedDelay(guarded(task), ms, ms, TimeUnit.MILLISECONDS);
    }

    void after(Duration delay, Runnable task) {
        try {
            executor.schedule(guarded(task), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    /**
     * A task that fails is logged, never thrown: an exception would end a periodic task for good, and nobody
     * waits for a posted one to hear of it.
     */
    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("{}: a task failed: {}", name, e.toString());
            }
        };
    }

    /**
     * Stops the thread and waits for it. Afterwards the caller owns what the thread owned; false when the
     * thread is still stuck in a call after the wait.
     */
    boolean stop(Duration wait) {
        executor.shutdownNow();
        try {
            return executor.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    String name() {
        return name;
    }

    /** Where the owner thread is now, its innermost frame of the agent's own code: for the log of a stop that waits. */
    String where() {
        Thread t = thread;
        if (t == null) {
            return "not started";
        }
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getClassName().startsWith("org.vcpuagent.")) {
                return "in " + f;
            }
        }
        return "state " + t.getState();
    }
}
