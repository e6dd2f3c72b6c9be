package org.vcpuagent.jmx;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.remote.MBeanServerForwarder;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Objects;

/**
 * Applies the {@link JmxPolicy} to every call of the JMX connector. It sits in front of the JDK's
 * access-file controller and behind the {@link AuditForwarder}, so that its refusals are audited:
 *
 * <pre>
 * client → RMI connector → AuditForwarder → PolicyForwarder → access-file controller → MBean server
 * </pre>
 *
 * The read-only operations of the JVM's MBeans ({@link JmxPolicy#READS}) go straight to the MBean
 * server: the access file refuses every operation to {@code readonly} users, and these only read, as
 * attribute reads do. {@code getClassLoaderFor} and {@code getClassLoaderRepository} pass: the connector
 * itself asks them to deserialize arguments, which the connector's serial filter limits to plain types.
 */
final class PolicyForwarder extends ForwarderProxy {

    private final JmxPolicy policy;
    private final MBeanServer mbeanServer;

    private PolicyForwarder(JmxPolicy policy, MBeanServer mbeanServer) {
        super("the policy forwarder");
        this.policy = Objects.requireNonNull(policy);
        this.mbeanServer = Objects.requireNonNull(mbeanServer);
    }

    /** @param mbeanServer the MBean server itself, behind every forwarder, for the read-only operations */
    static MBeanServerForwarder create(JmxPolicy policy, MBeanServer mbeanServer) {
        return new PolicyForwarder(policy, mbeanServer).asForwarder();
    }

    @Override
    Object forward(Method method, Object[] args, MBeanServer next) throws Throwable {
        MBeanServer target = check(method.getName(), args) ? mbeanServer : next;
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Refuses what the policy forbids; true when the call goes straight to the MBean server (a read). */
    private boolean check(String method, Object[] args) {
        switch (method) {
            case "invoke" -> {
                ObjectName mbean = (ObjectName) args[0];
                String operation = (String) args[1];
                policy.checkInvoke(mbean, operation);
                return JmxPolicy.isRead(mbean, operation);
            }
            case "setAttribute" -> policy.checkSetAttribute((ObjectName) args[0], ((Attribute) args[1]).getName());
            case "setAttributes" -> {
                for (Attribute a : ((AttributeList) args[1]).asList()) {
                    policy.checkSetAttribute((ObjectName) args[0], a.getName());
                }
            }
            // createMBean(className, ...), registerMBean(object, name), unregisterMBean(name)
            case "createMBean", "unregisterMBean" -> throw JmxPolicy.lifecycleRefusal(method, args[0]);
            case "registerMBean" -> throw JmxPolicy.lifecycleRefusal(method, args[1]);
            case "instantiate", "getClassLoader", "deserialize" -> throw JmxPolicy.classLoadingRefusal(method);
            default -> {
                // reads, queries and notification listeners: as the access file says
            }
        }
        return false;
    }
}
