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

    /** libvirt timed out on a vCPU unplug; the agent follows it. */
    public static final String UNPLUG_PENDING = "libvirt.vcpu.unplug.pending";

    /** A pending unplug has settled; user data is a {@link #SETTLEMENT_TYPE} record. */
    public static final String UNPLUG_SETTLED = "libvirt.vcpu.unplug.settled";

    /** An IOThread's pinning changed through this agent; user data is a {@link #PIN_CHANGE_TYPE} record (vcpu: its id). */
    public static final String IOTHREAD_PIN_CHANGED = "libvirt.vcpu.iothread.pin.changed";

    public static final CompositeType PIN_CHANGE_TYPE;
    public static final CompositeType SETTLEMENT_TYPE;

    static {
        try {
            PIN_CHANGE_TYPE = new CompositeType("org.vcpuagent.PinChange", "A vCPU's pinning before and after.",
                    new String[] {"vcpu", "previous", "current"},
                    new String[] {"The vCPU number.", "Host CPUs before, cpulist text.", "Host CPUs now, cpulist text."},
                    new OpenType<?>[] {SimpleType.INTEGER, SimpleType.STRING, SimpleType.STRING});
            SETTLEMENT_TYPE = new CompositeType("org.vcpuagent.UnplugSettlement", "How a pending vCPU unplug ended.",
                    new String[] {"from", "target", "count", "libvirtCount"},
                    new String[] {"vCPUs before the request.", "vCPUs asked for.",
                        "vCPUs the domain settled on (QEMU's count when it could be asked).",
                        "vCPUs libvirt reports at that moment; differs from count while libvirt is stale."},
                    new OpenType<?>[] {SimpleType.INTEGER, SimpleType.INTEGER, SimpleType.INTEGER, SimpleType.INTEGER});
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
            // One entry for the three types of one class: JConsole names entries by class, so three
            // entries would show as three identical "javax.management.Notification" nodes.
            new MBeanNotificationInfo(new String[] {PIN_CHANGED, UNPLUG_PENDING, UNPLUG_SETTLED, IOTHREAD_PIN_CHANGED},
                    Notification.class.getName(), "pin.changed: a vCPU's pinning changed; unplug.pending: libvirt "
                    + "timed out on a vCPU unplug; unplug.settled: that unplug ended; iothread.pin.changed: an IOThread was "
                    + "pinned through this agent. Each has a readable message "
                    + "and user data."),
        };
    }

    static CompositeData settlement(org.vcpuagent.domain.Settlement s) {
        try {
            return new CompositeDataSupport(SETTLEMENT_TYPE, new String[] {"from", "target", "count", "libvirtCount"},
                    new Object[] {s.unplug().from(), s.unplug().target(), s.count(), s.libvirtCount()});
        } catch (OpenDataException e) {
            throw new IllegalStateException(e);
        }
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
