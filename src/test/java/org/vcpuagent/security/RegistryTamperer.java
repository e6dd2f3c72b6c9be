package org.vcpuagent.security;

import javax.rmi.ssl.SslRMIClientSocketFactory;
import java.rmi.Remote;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.UnicastRemoteObject;
import java.util.Arrays;

/**
 * A local process that tries to take the agent's registry over, as any user of the host could: {@code main(host,
 * port, tls|plain, action)} with action {@code rebind} (put a stub of its own under {@code jmxrmi}), {@code unbind}
 * ({@code jmxrmi}), {@code bind} (a new name) or {@code list}. Prints {@code OK ...} or {@code REFUSED} and the
 * exception chain. Uses the JDK only, so it runs from a copy of its class files as another Unix user.
 */
public final class RegistryTamperer {

    /** What an attacker would bind: any remote object of its own. */
    public interface Fake extends Remote {
    }

    private static final class FakeImpl implements Fake {
    }

    private RegistryTamperer() {
    }

    public static void main(String[] args) {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        boolean tls = args[2].equals("tls");
        String action = args[3];
        try {
            Registry registry = tls ? LocateRegistry.getRegistry(host, port, new SslRMIClientSocketFactory())
                    : LocateRegistry.getRegistry(host, port);
            Fake fake = new FakeImpl();
            Remote stub = UnicastRemoteObject.exportObject(fake, 0);
            switch (action) {
                case "rebind" -> registry.rebind("jmxrmi", stub);
                case "unbind" -> registry.unbind("jmxrmi");
                case "bind" -> registry.bind("other", stub);
                case "list" -> {
                    System.out.println("OK " + Arrays.toString(registry.list()));
                    System.exit(0);
                }
                default -> throw new IllegalArgumentException("unknown action " + action);
            }
            System.out.println("OK " + action);
        } catch (Exception e) {
            StringBuilder b = new StringBuilder("REFUSED ").append(e);
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                b.append(" | caused by ").append(c);
            }
            System.out.println(b.toString().replace('\n', ' '));
        }
        System.exit(0);
    }
}
