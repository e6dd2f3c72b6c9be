package org.vcpuagent.security;

import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What an unprivileged local user tries against the agent, run as that user by {@link UnprivilegedUserIT}:
 * {@code main(url, generatedPasswordFile)} connects without credentials and with guessed ones, pins vCPU 0 of
 * domain {@code test} wherever it gets in, and tries to read the generated password file. One line per attempt:
 * {@code ATTEMPT refused EXCEPTION} or {@code ATTEMPT CONNECTED}. One class, the JDK only: it is copied where that
 * user may read it.
 */
public final class GuessingJmxClient {

    private GuessingJmxClient() {
    }

    public static void main(String[] args) throws Exception {
        JMXServiceURL url = new JMXServiceURL(args[0]);
        String[][] guesses = {null, {"admin", "admin"}, {"admin", ""}, {"monitor", "monitor"}, {"root", "root"}};
        for (String[] guess : guesses) {
            String name = guess == null ? "no-credentials" : guess[0] + "/" + guess[1];
            Map<String, Object> env = new HashMap<>();
            if (guess != null) {
                env.put(JMXConnector.CREDENTIALS, guess);
            }
            try (JMXConnector c = JMXConnectorFactory.connect(url, env)) {
                c.getMBeanServerConnection().invoke(new javax.management.ObjectName(
                        "libvirt.vcpu:type=Domain,name=test"), "pinVcpu", new Object[] {0, "1"},
                        new String[] {"int", String.class.getName()});
                System.out.println(name + " CONNECTED");
            } catch (SecurityException | IOException e) {
                System.out.println(name + " refused " + e);
            }
        }
        try {
            Files.readString(Path.of(args[1]));
            System.out.println("read-passwords READ");
        } catch (IOException e) {
            System.out.println("read-passwords refused " + e);
        }
    }
}
