package org.vcpuagent.testsupport;

import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Listens to one bean's notifications over JMX and keeps them, in order, for a test to take. Closing it
 * removes the listener.
 */
public final class NotificationRecorder implements NotificationListener, AutoCloseable {

    private final MBeanServerConnection mbs;
    private final ObjectName name;
    private final BlockingQueue<Notification> received = new LinkedBlockingQueue<>();

    private NotificationRecorder(MBeanServerConnection mbs, ObjectName name) {
        this.mbs = mbs;
        this.name = name;
    }

    /** Starts listening to {@code name}. */
    public static NotificationRecorder listen(MBeanServerConnection mbs, ObjectName name) throws Exception {
        NotificationRecorder recorder = new NotificationRecorder(mbs, name);
        recorder.listenAgain();
        return recorder;
    }

    /** Listens to the bean again, as needed once it has been registered anew (its domain restarted). */
    public void listenAgain() throws Exception {
        mbs.addNotificationListener(name, this, null, null);
    }

    @Override
    public void handleNotification(Notification notification, Object handback) {
        received.add(notification);
    }

    /** Forgets what was received so far. */
    public void clear() {
        received.clear();
    }

    /** The next notification received, waiting up to {@code limit} for it; null if none came. */
    public Notification next(Duration limit) throws InterruptedException {
        return received.poll(limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * The first notification {@code which} accepts, waiting up to {@code limit}; those it passes over are
     * dropped.
     *
     * @param what what the failure calls the notification awaited
     */
    public Notification await(String what, Predicate<Notification> which, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            Notification n = received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (n == null) {
                throw new AssertionError("no " + what + " notification within " + limit);
            }
            if (which.test(n)) {
                return n;
            }
        }
    }

    /** The first notification of this type, as {@link #await}. */
    public Notification awaitType(String type, Duration limit) throws InterruptedException {
        return await(type, n -> n.getType().equals(type), limit);
    }

    @Override
    public void close() throws Exception {
        mbs.removeNotificationListener(name, this);
    }
}
