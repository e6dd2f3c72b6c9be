package org.vcpuagent.jmx;

/**
 * The deserialization filter of the connector's calls after login
 * ({@code RMIConnectorServer.SERIAL_FILTER_PATTERN}): only the types the agent's MBeans and the JDK's tools
 * (JConsole, VisualVM, jmx_exporter, the agent's client) send. Everything else is refused before any of
 * its code runs, so no gadget class of the class path can be reached through an argument.
 *
 * <ul>
 * <li>{@code java.lang} boxes and strings: operation arguments ({@code setVcpus(int, boolean)},
 *     {@code pinVcpu(int, String)}, {@code getThreadInfo(long[], int)}); arrays of them and of primitives
 *     ({@code byte[]} for {@code pinVcpuMap}) are filtered by their element type;</li>
 * <li>{@code java.rmi.MarshalledObject}: the connector wraps every argument list in one;</li>
 * <li>{@code javax.management.*} (not its subpackages): ObjectNames, {@code Attribute},
 *     {@code AttributeList}, the notification filters JConsole sends and query expressions;</li>
 * <li>{@code java.util.ArrayList} and {@code Vector}: inside {@code AttributeList} and the notification
 *     filters;</li>
 * <li>{@code javax.security.auth.Subject}: the connector's methods take delegation subjects, as arrays
 *     too ({@code addNotificationListeners}); clients send nulls. A real one cannot pass: its principal set
 *     is of another class.</li>
 * </ul>
 * Arrays may have up to 16 Mi elements: the MarshalledObject's bytes are one array, and an oversized
 * {@code pinVcpuMap} cpumap is better refused by the bean, with a message that says what is allowed.
 */
final class CallFilter {

    static final String PATTERN = String.join(";",
            "maxdepth=16", "maxarray=16777216",
            "java.lang.String", "java.lang.Number", "java.lang.Integer", "java.lang.Long", "java.lang.Short",
            "java.lang.Byte", "java.lang.Boolean", "java.lang.Character", "java.lang.Float", "java.lang.Double",
            "java.lang.Object",
            "java.rmi.MarshalledObject",
            "javax.management.*",
            "java.util.ArrayList", "java.util.Vector",
            "javax.security.auth.Subject",
            "!*");

    private CallFilter() {
    }
}
