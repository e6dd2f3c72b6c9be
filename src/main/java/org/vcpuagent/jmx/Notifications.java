package org.vcpuagent.jmx;

import javax.management.AttributeChangeNotification;
import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;

/** The notifications a {@link DomainVcpuMXBean} sends, and their declarations for JMX tools. */
public final class Notifications {

    /** A vCPU's pinning changed; user data is a {@link #PIN_CHANGE_TYPE} record. */
    public static final String PIN_CHANGED = "libvirt.vcpu.pin.changed";

    public static final CompositeType PIN_CHANGE_TYPE;

    static {
        try {
            PIN_CHANGE_TYPE = new CompositeType("org.vcpuagent.PinChange", "A vCPU's pinning before and after.",
                    new String[] {"vcpu", "previous", "current"},
                    new String[] {"The vCPU number.", "Host CPUs before, cpulist text.", "Host CPUs now, cpulist text."},
                    new OpenType<?>[] {SimpleType.INTEGER, SimpleType.STRING, SimpleType.STRING});
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Notifications() {
    }

    static MBeanNotificationInfo[] domainNotificationInfo() {
        return new MBeanNotificationInfo[] {
            new MBeanNotificationInfo(new String[] {AttributeChangeNotification.ATTRIBUTE_CHANGE},
                    AttributeChangeNotification.class.getName(),
                    "VcpuCount changed, whoever changed it (this agent, virsh, or another tool)."),
            new MBeanNotificationInfo(new String[] {PIN_CHANGED}, Notification.class.getName(),
                    "A vCPU's pinning changed; user data holds vcpu, previous and current cpulists."),
        };
    }

    static CompositeData pinChange(int vcpu, String previous, String current) {
        try {
            return new CompositeDataSupport(PIN_CHANGE_TYPE, new String[] {"vcpu", "previous", "current"},
                    new Object[] {vcpu, previous, current});
        } catch (OpenDataException e) {
            throw new IllegalStateException(e);
        }
    }
}
