package org.vcpuagent.bench;

import javax.management.MBeanServerConnection;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerNotification;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A JMX client's view of one domain bean: its registration and unregistration (MBeanServerDelegate
 * notifications) and its own notifications, each stamped with System.nanoTime() when it arrived.
 */
final class Watcher implements AutoCloseable {

    record Event(long nanos, Notification n) {
    }

    final BlockingQueue<Event> delegate = new LinkedBlockingQueue<>();
    final BlockingQueue<Event> bean = new LinkedBlockingQueue<>();
    private final MBeanServerConnection jmx;
    private final ObjectName name;
    private final NotificationListener delegateListener;
    private final NotificationListener beanListener = (n, hb) -> bean.add(new Event(System.nanoTime(), n));

    Watcher(MBeanServerConnection jmx, ObjectName name) {
        this.jmx = jmx;
        this.name = name;
        this.delegateListener = (n, hb) -> {
            long now = System.nanoTime();
            if (n instanceof MBeanServerNotification m && m.getMBeanName().equals(name)) {
                delegate.add(new Event(now, n));
            }
        };
        try {
            jmx.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, delegateListener, null, null);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen to the MBeanServerDelegate: " + e, e);
        }
    }

    static boolean isRegistration(Notification n) {
        return n.getType().equals(MBeanServerNotification.REGISTRATION_NOTIFICATION);
    }

    static boolean isUnregistration(Notification n) {
        return n.getType().equals(MBeanServerNotification.UNREGISTRATION_NOTIFICATION);
    }

    /** Subscribes to the bean's notifications; again after each re-registration. */
    void listenToBean() {
        try {
            jmx.addNotificationListener(name, beanListener, null, null);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen to " + name + ": " + e, e);
        }
    }

    Event await(BlockingQueue<Event> q, Predicate<Notification> which, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            while (true) {
                Event e = q.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (e == null) {
                    throw new IllegalStateException("no matching notification from " + name + " within "
                            + limit.toMillis() + " ms");
                }
                if (which.test(e.n())) {
                    return e;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            jmx.removeNotificationListener(MBeanServerDelegate.DELEGATE_NAME, delegateListener);
        } catch (Exception e) {
            // gone
        }
    }
}
