package org.vcpuagent.jmx;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.remote.MBeanServerForwarder;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
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
final class PolicyForwarder implements InvocationHandler {

    private final JmxPolicy policy;
    private final MBeanServer mbeanServer;
    /** Set once by the connector when it installs this forwarder, before any client call. */
    private volatile MBeanServer next;

    private PolicyForwarder(JmxPolicy policy, MBeanServer mbeanServer) {
        this.policy = Objects.requireNonNull(policy);
        this.mbeanServer = Objects.requireNonNull(mbeanServer);
    }

    /** @param mbeanServer the MBean server itself, behind every forwarder, for the read-only operations */
    static MBeanServerForwarder create(JmxPolicy policy, MBeanServer mbeanServer) {
        return (MBeanServerForwarder) Proxy.newProxyInstance(PolicyForwarder.class.getClassLoader(),
                new Class<?>[] {MBeanServerForwarder.class}, new PolicyForwarder(policy, mbeanServer));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        int arity = args == null ? 0 : args.length;
        if (method.getDeclaringClass() == Object.class) {
            return switch (name) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> "PolicyForwarder in front of " + next;
            };
        }
        if (name.equals("getMBeanServer") && arity == 0) {
            return next;
        }
        if (name.equals("setMBeanServer") && arity == 1) {
            next = (MBeanServer) Objects.requireNonNull(args[0], "the policy forwarder needs an MBean server");
            return null;
        }
        MBeanServer target = check(name, args);
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Refuses what the policy forbids; otherwise the server to pass the call to. */
    private MBeanServer check(String method, Object[] args) {
        switch (method) {
            case "invoke" -> {
                ObjectName mbean = (ObjectName) args[0];
                String operation = (String) args[1];
                policy.checkInvoke(mbean, operation);
                if (JmxPolicy.isRead(mbean, operation)) {
                    return mbeanServer;
                }
            }
            case "setAttribute" -> policy.checkSetAttribute((ObjectName) args[0], ((Attribute) args[1]).getName());
            case "setAttributes" -> {
                for (Attribute a : ((AttributeList) args[1]).asList()) {
                    policy.checkSetAttribute((ObjectName) args[0], a.getName());
                }
            }
            case "createMBean", "instantiate" -> throw method.equals("createMBean")
                    ? JmxPolicy.lifecycleRefusal(method, args[0]) : JmxPolicy.classLoadingRefusal(method);
            case "registerMBean", "unregisterMBean" -> throw JmxPolicy.lifecycleRefusal(method,
                    method.equals("registerMBean") ? args[1] : args[0]);
            case "getClassLoader", "deserialize" -> throw JmxPolicy.classLoadingRefusal(method);
            default -> {
                // reads, queries and notification listeners: as the access file says
            }
        }
        MBeanServer n = next;
        if (n == null) {
            throw new IllegalStateException("the policy forwarder has no MBean server yet");
        }
        return n;
    }
}
