package org.vcpuagent.testsupport;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import java.time.Duration;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Waiting, over JMX, for what the agent does in the background: a bean that appears or goes away, or any
 * other condition. Each wait fails the test, saying what did not happen, once its limit has passed.
 */
public final class JmxAwait {

    private static final long POLL_MILLIS = 10;

    private JmxAwait() {
    }

    /** What is awaited; may read over JMX, hence the exception. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /**
     * Waits until {@code name} is registered (or, with {@code registered} false, no longer is).
     *
     * @return how long that took, in milliseconds
     */
    public static long registered(MBeanServerConnection mbs, ObjectName name, boolean registered, Duration limit)
            throws Exception {
        return until(() -> name + (registered ? " did not appear" : " did not go away") + " within " + limit
                + "; registered in " + name.getDomain() + ": " + names(mbs, name.getDomain()), limit,
                () -> mbs.isRegistered(name) == registered);
    }

    /**
     * Waits until {@code condition} holds.
     *
     * @param failure what the failure says when the condition still does not hold after {@code limit}
     * @return how long that took, in milliseconds
     */
    public static long until(String failure, Duration limit, Condition condition) throws Exception {
        return until(() -> failure + " within " + limit, limit, condition);
    }

    private static long until(Supplier<String> failure, Duration limit, Condition condition) throws Exception {
        long start = System.nanoTime();
        while (!condition.holds()) {
            if (System.nanoTime() - start > limit.toNanos()) {
                throw new AssertionError(failure.get());
            }
            Thread.sleep(POLL_MILLIS);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static String names(MBeanServerConnection mbs, String domain) {
        try {
            return String.valueOf(new TreeSet<>(mbs.queryNames(new ObjectName(domain + ":*"), null)));
        } catch (Exception e) {
            return "(cannot tell: " + e + ")";
        }
    }
}
