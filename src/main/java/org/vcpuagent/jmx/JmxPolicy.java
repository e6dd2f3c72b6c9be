package org.vcpuagent.jmx;

import org.vcpuagent.common.ObjectNames;

import javax.management.ObjectName;
import java.util.Map;
import java.util.Set;

/**
 * What a logged-in JMX user may change, whatever the access file says: the agent runs as root, and the
 * JVM's own MBeans can write files as root ({@code HotSpotDiagnostic.dumpHeap}), load native code
 * ({@code DiagnosticCommand} {@code jvmtiAgentLoad}) or create MBeans from remote code ({@code MLet}).
 *
 * <p>The rules, each named in its refusal:
 * <ul>
 * <li>{@value #AGENT_BEANS_ONLY}: attribute writes and operations on {@code libvirt.vcpu:*} MBeans only;
 *     of the JVM's own MBeans only the operations of {@link #READS} (what JConsole and VisualVM invoke to
 *     show threads), and {@code java.lang:type=Memory} {@code gc} (their "Perform GC" buttons);</li>
 * <li>{@value #NO_MBEAN_LIFECYCLE}: no {@code createMBean}, {@code registerMBean} or {@code unregisterMBean},
 *     on any MBean (MLet among them);</li>
 * <li>{@value #NO_CLASS_LOADING}: no class loader and no deserialization through the MBean server
 *     ({@code getClassLoader*}, {@code instantiate}, {@code deserialize}).</li>
 * </ul>
 * With {@code jmx.jvm.diagnostics = true} ({@link #withJvmDiagnostics}) the first rule is off: the JVM's
 * own MBeans may be written and invoked as the access file allows, as with the JDK's own agent. The other
 * two rules always hold. Immutable.
 */
public final class JmxPolicy {

    static final String AGENT_BEANS_ONLY = "agent-beans-only";
    static final String NO_MBEAN_LIFECYCLE = "no-mbean-lifecycle";
    static final String NO_CLASS_LOADING = "no-class-loading";

    /**
     * Side-effect-free operations of the JVM's MBeans that the JDK's tools invoke: they only read, so any
     * logged-in user may call them, as any may read attributes. Keyed by ObjectName, canonical.
     */
    static final Map<String, Set<String>> READS = Map.of(
            "java.lang:type=Threading", Set.of("getThreadInfo", "dumpAllThreads", "findDeadlockedThreads",
                    "findMonitorDeadlockedThreads", "getThreadCpuTime", "getThreadUserTime",
                    "getThreadAllocatedBytes"),
            "com.sun.management:type=HotSpotDiagnostic", Set.of("getVMOption"),
            "java.util.logging:type=Logging", Set.of("getLoggerLevel", "getParentLoggerName"));

    /** Changes the JDK's tools offer that cannot write a file or load code. */
    private static final Map<String, Set<String>> HARMLESS_CHANGES = Map.of("java.lang:type=Memory", Set.of("gc"));

    private static final JmxPolicy DEFAULT = new JmxPolicy(false);

    private final boolean jvmDiagnostics;

    private JmxPolicy(boolean jvmDiagnostics) {
        this.jvmDiagnostics = jvmDiagnostics;
    }

    /** The agent's MBeans only: the default. */
    public static JmxPolicy standard() {
        return DEFAULT;
    }

    /** Also the JVM's own MBeans, as the access file allows: root for a readwrite user of a root agent. */
    public static JmxPolicy withJvmDiagnostics() {
        return new JmxPolicy(true);
    }

    /** {@link #standard()}, or {@link #withJvmDiagnostics()} when {@code jvmDiagnostics}. */
    public static JmxPolicy of(boolean jvmDiagnostics) {
        return jvmDiagnostics ? withJvmDiagnostics() : standard();
    }

    public boolean allowsJvmDiagnostics() {
        return jvmDiagnostics;
    }

    /** Whether {@code operation} of {@code mbean} only reads (one of {@link #READS}). */
    static boolean isRead(ObjectName mbean, String operation) {
        Set<String> ops = READS.get(mbean.getCanonicalName());
        return ops != null && ops.contains(operation);
    }

    private static boolean isAgentBean(ObjectName mbean) {
        return ObjectNames.DOMAIN.equals(mbean.getDomain()) && !mbean.isPattern();
    }

    /** @throws SecurityException naming the rule, when {@code operation} of {@code mbean} may not be invoked */
    void checkInvoke(ObjectName mbean, String operation) {
        if (isAgentBean(mbean) || jvmDiagnostics || isRead(mbean, operation)) {
            return;
        }
        Set<String> harmless = HARMLESS_CHANGES.get(mbean.getCanonicalName());
        if (harmless != null && harmless.contains(operation)) {
            return;
        }
        throw refusal(AGENT_BEANS_ONLY, "operation " + operation + " of " + mbean + " may not be invoked: only "
                + "libvirt.vcpu MBeans may be changed, and of the JVM's own MBeans only the read-only operations "
                + "the JDK's tools use (jmx.jvm.diagnostics=true allows the JVM's diagnostics)");
    }

    /** @throws SecurityException naming the rule, when attribute {@code attribute} of {@code mbean} may not be set */
    void checkSetAttribute(ObjectName mbean, String attribute) {
        if (isAgentBean(mbean) || jvmDiagnostics) {
            return;
        }
        throw refusal(AGENT_BEANS_ONLY, "attribute " + attribute + " of " + mbean + " may not be set: only "
                + "libvirt.vcpu MBeans may be changed (jmx.jvm.diagnostics=true allows the JVM's diagnostics)");
    }

    /** @throws SecurityException always: no MBean is created, registered or unregistered through the connector */
    static SecurityException lifecycleRefusal(String method, Object mbeanOrClass) {
        return refusal(NO_MBEAN_LIFECYCLE, method + "(" + mbeanOrClass + ") is not allowed: MBeans are not "
                + "created, registered or unregistered over JMX");
    }

    /** @throws SecurityException always: no class loader or deserialization is reachable through the connector */
    static SecurityException classLoadingRefusal(String method) {
        return refusal(NO_CLASS_LOADING, method + " is not allowed: no class loading or deserialization over JMX");
    }

    private static SecurityException refusal(String rule, String message) {
        return new SecurityException("refused by JMX policy rule '" + rule + "': " + message);
    }
}
