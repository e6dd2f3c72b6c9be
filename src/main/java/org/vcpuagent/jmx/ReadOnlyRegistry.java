package org.vcpuagent.jmx;

import java.lang.reflect.Constructor;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.InvocationTargetException;
import java.rmi.Remote;
import java.rmi.RemoteException;
import java.rmi.registry.Registry;
import java.rmi.server.RMIClientSocketFactory;
import java.rmi.server.RMIServerSocketFactory;

/**
 * The RMI registry clients look the connector up in: it serves one name and refuses {@code bind},
 * {@code rebind} and {@code unbind} from every caller, local ones included. A registry from
 * {@code LocateRegistry.createRegistry} lets any process on the host replace or remove the connector's
 * stub (and so put a stub of its own in front of administrators and collect their passwords).
 *
 * <p>It is the JDK's own agent's registry, {@code sun.management.jmxremote.SingleEntryRegistry} of module
 * {@code jdk.management.agent}, which the Java API offers no equivalent of. Its constructor is package
 * private: the JVM must open that package ({@value #OPENS}; the jar's manifest has {@code Add-Opens} for
 * {@code java -jar}). It also refuses to deserialize anything but a name in lookups.
 */
public final class ReadOnlyRegistry {

    /** The JDK class the registry is. */
    public static final String CLASS = "sun.management.jmxremote.SingleEntryRegistry";
    /** The JVM option that opens the JDK's registry to the agent. */
    public static final String OPENS = "--add-opens=jdk.management.agent/sun.management.jmxremote=ALL-UNNAMED";

    private ReadOnlyRegistry() {
    }

    /**
     * Exports the registry on {@code port} with these socket factories (equal to the connector's, so that
     * both share one listening socket), serving {@code stub} under {@code name}.
     *
     * @throws IllegalArgumentException when this JVM cannot make it (see {@link #constructor()})
     */
    static Registry create(int port, RMIClientSocketFactory csf, RMIServerSocketFactory ssf, String name, Remote stub)
            throws RemoteException {
        Constructor<?> constructor = constructor();
        try {
            return (Registry) constructor.newInstance(port, csf, ssf, name, stub);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RemoteException re) {
                throw re;
            }
            throw new IllegalStateException("cannot create the read-only RMI registry: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create the read-only RMI registry: " + e, e);
        }
    }

    /**
     * The JDK's constructor, made accessible.
     *
     * @throws IllegalArgumentException when this JDK has no such registry, or the JVM was started without
     *         {@value #OPENS}: the message names what is needed, so that the start-up error says it
     */
    public static Constructor<?> constructor() {
        try {
            Class<?> type = Class.forName(CLASS);
            Constructor<?> c = type.getDeclaredConstructor(int.class, RMIClientSocketFactory.class,
                    RMIServerSocketFactory.class, String.class, Remote.class);
            if (!Registry.class.isAssignableFrom(type)) {
                throw new NoSuchMethodException(CLASS + " is no java.rmi.registry.Registry");
            }
            c.setAccessible(true);
            return c;
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw new IllegalArgumentException("this JDK (" + System.getProperty("java.version") + ") has no " + CLASS
                    + "(int, RMIClientSocketFactory, RMIServerSocketFactory, String, Remote), which the agent's "
                    + "read-only RMI registry needs: " + e, e);
        } catch (InaccessibleObjectException | SecurityException e) {
            throw new IllegalArgumentException("the read-only RMI registry needs the JDK's " + CLASS + ": start the "
                    + "JVM with " + OPENS + " (java -jar vcpu-agent.jar has it from the jar's manifest): " + e, e);
        }
    }
}
