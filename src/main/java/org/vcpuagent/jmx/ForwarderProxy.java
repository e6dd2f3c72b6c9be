package org.vcpuagent.jmx;

import javax.management.MBeanServer;
import javax.management.remote.MBeanServerForwarder;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * The part every {@link MBeanServerForwarder} of the agent shares: a dynamic proxy (the MBeanServer
 * interface has some fifty methods, of which a forwarder looks at a few), the MBean server it forwards to,
 * and the {@code Object} methods. Subclasses get every other call in {@link #forward}.
 */
abstract class ForwarderProxy implements InvocationHandler {

    private final String what;
    /** Set by the connector when it installs the forwarder, before any client call; read by every call. */
    private volatile MBeanServer next;

    /** @param what how messages name this forwarder: {@code the audit forwarder} */
    ForwarderProxy(String what) {
        this.what = what;
    }

    /** This handler as a forwarder, not yet connected to an MBean server. */
    final MBeanServerForwarder asForwarder() {
        return (MBeanServerForwarder) Proxy.newProxyInstance(ForwarderProxy.class.getClassLoader(),
                new Class<?>[] {MBeanServerForwarder.class}, this);
    }

    @Override
    public final Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        int arity = args == null ? 0 : args.length;
        if (method.getDeclaringClass() == Object.class) {
            return switch (name) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> what + " in front of " + next;
            };
        }
        if (name.equals("getMBeanServer") && arity == 0) {
            return next;
        }
        if (name.equals("setMBeanServer") && arity == 1) {
            if (args[0] == null) {
                throw new IllegalArgumentException(what + " needs an MBean server to forward to");
            }
            next = (MBeanServer) args[0];
            return null;
        }
        MBeanServer target = next;
        if (target == null) {
            throw new IllegalStateException(what + " has no MBean server yet");
        }
        return forward(method, args, target);
    }

    /**
     * One call of the MBeanServer interface.
     *
     * @param next the MBean server (or forwarder) behind this one
     */
    abstract Object forward(Method method, Object[] args, MBeanServer next) throws Throwable;
}
