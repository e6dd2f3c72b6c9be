package org.vcpuagent.jmx;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.common.CurrentSubject;
import org.vcpuagent.common.ObjectNames;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.ReflectionException;
import javax.management.RuntimeErrorException;
import javax.management.RuntimeMBeanException;
import javax.management.RuntimeOperationsException;
import javax.management.remote.JMXPrincipal;
import javax.management.remote.MBeanServerForwarder;
import javax.security.auth.Subject;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;
import java.rmi.server.RemoteServer;
import java.rmi.server.ServerNotActiveException;
import java.security.Principal;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes one {@link AuditLine} per change made through the JMX connector, to the slf4j logger
 * {@value #LOGGER}: every attribute write and operation on {@code libvirt.vcpu:*} beans, whatever
 * its outcome, and every refused write, invoke, create or unregister on any bean.
 *
 * <p>It must sit in front of the {@link PolicyForwarder} and the JDK's access-file controller, so that
 * what they refuse before any MBean is reached is logged too: install it with
 * {@code JMXConnectorServer.setMBeanServerForwarder} after the connector has started and after the
 * policy (the connector puts its access controller in front of the MBean server during {@code start()},
 * and every forwarder set later goes in front of what is there). Jolokia's changes come through
 * {@link #record} instead.
 */
public final class AuditForwarder extends ForwarderProxy {

    /** The logger audit lines go to; logback.xml gives it its own file. */
    public static final String LOGGER = "org.vcpuagent.audit";

    private static final Logger AUDIT = LoggerFactory.getLogger(LOGGER);
    private static final Logger LOG = LoggerFactory.getLogger(AuditForwarder.class);

    /** Stands for "no name given" in createMBean/registerMBean; never an agent bean. */
    private static final ObjectName ANY = ObjectName.WILDCARD;

    private AuditForwarder() {
        super("the audit forwarder");
    }

    /** A new forwarder, not yet connected to an MBean server. */
    public static MBeanServerForwarder create() {
        return new AuditForwarder().asForwarder();
    }

    @Override
    Object forward(Method method, Object[] args, MBeanServer target) throws Throwable {
        String name = method.getName();
        ObjectName mbean = targetOf(name, args);
        boolean change = mbean != null;
        Object result;
        try {
            result = method.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable thrown = e.getCause();
            if (change) {
                auditFailure(name, args, mbean, thrown);
            }
            throw thrown;
        }
        // Every successful change is audited, on any bean (with jmx.jvm.diagnostics on, DiagnosticCommand
        // or HotSpotDiagnostic operations are more dangerous than a vCPU change); the read-only operations
        // JConsole's Threads tab invokes every few seconds are reads, not changes.
        if (change && !(name.equals("invoke") && JmxPolicy.isRead(mbean, (String) args[1]))) {
            auditSuccess(name, args, mbean, result);
        }
        return result;
    }

    /** The bean a changing call is about, or null for calls that only read. */
    private static ObjectName targetOf(String method, Object[] args) {
        return switch (method) {
            case "setAttribute", "setAttributes", "invoke", "unregisterMBean" -> (ObjectName) args[0];
            case "createMBean", "registerMBean" -> args[1] instanceof ObjectName n ? n : ANY;
            default -> null;
        };
    }

    private static boolean isAgentBean(ObjectName mbean) {
        return ObjectNames.DOMAIN.equals(mbean.getDomain());
    }

    private void auditSuccess(String method, Object[] args, ObjectName mbean, Object result) {
        try {
            if (method.equals("setAttributes")) {
                Set<String> set = new HashSet<>();
                for (Attribute a : ((AttributeList) result).asList()) {
                    set.add(a.getName());
                }
                for (Attribute a : ((AttributeList) args[1]).asList()) {
                    write(mbean, "set", a.getName() + "=" + AuditLine.value(a.getValue()),
                            set.contains(a.getName()) ? "ok" : "failed: the attribute was not set");
                }
                return;
            }
            String outcome = result == null || method.equals("setAttribute") ? "ok" : "ok: " + AuditLine.result(result);
            write(mbean, action(method), request(method, args), outcome);
        } catch (RuntimeException e) {
            LOG.error("cannot write the audit line for {} on {}: {}", method, mbean, e.toString());
        }
    }

    private void auditFailure(String method, Object[] args, ObjectName mbean, Throwable thrown) {
        try {
            Throwable cause = unwrap(thrown);
            boolean refused = cause instanceof SecurityException;
            if (!refused && !isAgentBean(mbean)) {
                return;
            }
            String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            String outcome = (refused ? "refused: " : "failed: ") + message;
            if (method.equals("setAttributes")) {
                for (Attribute a : ((AttributeList) args[1]).asList()) {
                    write(mbean, "set", a.getName() + "=" + AuditLine.value(a.getValue()), outcome);
                }
            } else {
                write(mbean, action(method), request(method, args), outcome);
            }
        } catch (RuntimeException e) {
            LOG.error("cannot write the audit line for {} on {}: {}", method, mbean, e.toString());
        }
    }

    private static String action(String method) {
        return switch (method) {
            case "setAttribute", "setAttributes" -> "set";
            case "invoke" -> "invoke";
            case "unregisterMBean" -> "unregister";
            default -> "create";
        };
    }

    private static String request(String method, Object[] args) {
        return switch (method) {
            case "setAttribute" -> {
                Attribute a = (Attribute) args[1];
                yield a.getName() + "=" + AuditLine.value(a.getValue());
            }
            case "invoke" -> AuditLine.call((String) args[1], (Object[]) args[2]);
            case "unregisterMBean" -> "unregisterMBean()";
            case "createMBean" -> "createMBean(" + AuditLine.value(args[0]) + ")";
            default -> method + "()";
        };
    }

    private static void write(ObjectName mbean, String action, String request, String outcome) {
        record(principal(), remote(), mbean == ANY ? null : mbean, action, request, outcome);
    }

    /**
     * Writes one audit line for a change that came another way than the RMI connector (Jolokia): the same
     * logger, the same keys.
     *
     * @param mbean null when the change names no MBean
     */
    public static void record(String principal, String remote, ObjectName mbean, String action, String request,
                              String outcome) {
        AUDIT.info(AuditLine.format(Instant.now(), principal, remote, mbean, action, request, outcome));
    }

    /** What the MBean server's wrappers hide: the exception the bean or the access controller threw. */
    static Throwable unwrap(Throwable t) {
        for (int depth = 0; depth < 10; depth++) {
            Throwable inner;
            if (t instanceof RuntimeMBeanException e) {
                inner = e.getTargetException();
            } else if (t instanceof MBeanException e) {
                inner = e.getTargetException();
            } else if (t instanceof RuntimeErrorException e) {
                inner = e.getTargetError();
            } else if (t instanceof ReflectionException e) {
                inner = e.getTargetException();
            } else if (t instanceof RuntimeOperationsException e) {
                inner = e.getTargetException();
            } else if (t instanceof UndeclaredThrowableException e) {
                inner = e.getUndeclaredThrowable();
            } else {
                return t;
            }
            if (inner == null || inner == t) {
                return t;
            }
            t = inner;
        }
        return t;
    }

    /** The authenticated JMX user(s) of this call, or {@code anonymous}. */
    static String principal() {
        Subject subject = currentSubject();
        if (subject == null) {
            return "anonymous";
        }
        Set<JMXPrincipal> jmx = subject.getPrincipals(JMXPrincipal.class);
        Set<? extends Principal> principals = jmx.isEmpty() ? subject.getPrincipals() : jmx;
        String names = principals.stream().map(Principal::getName).sorted().collect(Collectors.joining(","));
        return names.isEmpty() ? "anonymous" : names;
    }

    private static Subject currentSubject() {
        try {
            return CurrentSubject.get();
        } catch (RuntimeException e) {
            LOG.debug("cannot read the JMX subject: {}", e.toString());
            return null;
        }
    }

    /** The client's address as RMI saw it, or {@code local} outside an RMI call. */
    static String remote() {
        try {
            return RemoteServer.getClientHost();
        } catch (ServerNotActiveException e) {
            return "local";
        }
    }
}
