package org.vcpuagent.common;

import javax.management.AttributeChangeNotification;
import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The notifications of one MBean: its emitter, its sequence numbers and its name as the source. Listeners
 * are called on the sending thread (the connection's owner thread), in order.
 */
public final class Notifier {

    private final NotificationBroadcasterSupport emitter;
    private final AtomicLong sequence = new AtomicLong();
    private volatile ObjectName source;

    public Notifier(ObjectName source, MBeanNotificationInfo... declared) {
        this.source = source;
        this.emitter = new NotificationBroadcasterSupport(declared);
    }

    /** The emitter to register with the MBean. */
    public NotificationBroadcasterSupport emitter() {
        return emitter;
    }

    /** The name notifications carry as their source, once the MBean's name is known. */
    public void sourceIs(ObjectName name) {
        this.source = name;
    }

    public void send(String type, String message, Object userData) {
        Notification n = new Notification(type, source, sequence.incrementAndGet(), System.currentTimeMillis(),
                message);
        n.setUserData(userData);
        emitter.sendNotification(n);
    }

    public void sendAttributeChange(String message, String attribute, String type, Object before, Object after) {
        emitter.sendNotification(new AttributeChangeNotification(source, sequence.incrementAndGet(),
                System.currentTimeMillis(), message, attribute, type, before, after));
    }
}
