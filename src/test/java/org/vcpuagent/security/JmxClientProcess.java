package org.vcpuagent.security;

import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import javax.rmi.ssl.SslRMIClientSocketFactory;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A JMX client in its own JVM, so that each run has its own {@code javax.net.ssl.*} system
 * properties, as JConsole started with {@code -J-D...} flags has (SslRMIClientSocketFactory keeps
 * the first default SSL socket factory of a JVM for good). Uses the JDK only.
 *
 * <p>{@code main(how, host, port, user|-, password|-, action)} prints {@code OK ...} or
 * {@code FAIL ...} with the exception chain. {@code how}:
 * <ul>
 * <li>{@code jndi-tls}: {@code JMXConnectorFactory.connect(service URL)} with
 *     {@code com.sun.jndi.rmi.factory.socket} = SslRMIClientSocketFactory in the environment;</li>
 * <li>{@code plain}: the same without it, a clear-text client;</li>
 * <li>{@code jconsole-hostport} / {@code jconsole-url}: JConsole's own connection code
 *     ({@code sun.tools.jconsole.ProxyClient}) given {@code HOST:PORT} or the service URL on its
 *     command line, trying a secure connection first as JConsole does.</li>
 * </ul>
 * {@code action}: comma-separated steps done in order on one connection: {@code read} (Vcpus and
 * VcpuCount of domain test) or {@code setVcpus=N}.
 */
public final class JmxClientProcess {

    private JmxClientProcess() {
    }

    public static void main(String[] args) {
        String how = args[0];
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        String user = args[3].equals("-") ? null : args[3];
        String password = args[4].equals("-") ? null : args[4];
        String action = args[5];
        try {
            JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://" + host + ":" + port + "/jmxrmi");
            Map<String, Object> env = new HashMap<>();
            if (user != null) {
                env.put(JMXConnector.CREDENTIALS, new String[] {user, password});
            }
            MBeanServerConnection mbsc;
            AutoCloseable closer;
            switch (how) {
                case "jndi-tls", "plain" -> {
                    if (how.equals("jndi-tls")) {
                        env.put("com.sun.jndi.rmi.factory.socket", new SslRMIClientSocketFactory());
                    }
                    JMXConnector c = JMXConnectorFactory.connect(url, env);
                    mbsc = c.getMBeanServerConnection();
                    closer = c;
                }
                case "jconsole-hostport", "jconsole-url" -> {
                    Class<?> proxyClient = Class.forName("sun.tools.jconsole.ProxyClient");
                    Object client = how.equals("jconsole-hostport")
                            ? proxyClient.getMethod("getProxyClient", String.class, int.class, String.class, String.class)
                                    .invoke(null, host, port, user, password)
                            : proxyClient.getMethod("getProxyClient", String.class, String.class, String.class)
                                    .invoke(null, url.toString(), user, password);
                    // What JConsole's connect(true) does, without swallowing the exception: the secure
                    // attempt JConsole makes first. Success means no "Retry insecurely?" dialog.
                    Method tryConnect = proxyClient.getDeclaredMethod("tryConnect", boolean.class);
                    tryConnect.setAccessible(true);
                    tryConnect.invoke(client, true);
                    mbsc = (MBeanServerConnection) proxyClient.getMethod("getMBeanServerConnection").invoke(client);
                    closer = () -> proxyClient.getMethod("disconnect").invoke(client);
                }
                default -> throw new IllegalArgumentException("unknown client kind " + how);
            }
            ObjectName test = new ObjectName("libvirt.vcpu:type=Domain,name=test");
            List<String> results = new ArrayList<>();
            for (String step : action.split(",")) {
                if (step.startsWith("setVcpus=")) {
                    int n = Integer.parseInt(step.substring("setVcpus=".length()));
                    results.add("setVcpus=" + mbsc.invoke(test, "setVcpus", new Object[] {n}, new String[] {"int"}));
                } else if (step.equals("read")) {
                    TabularData vcpus = (TabularData) mbsc.getAttribute(test, "Vcpus");
                    results.add("vcpus=" + vcpus.size() + " VcpuCount=" + mbsc.getAttribute(test, "VcpuCount"));
                } else {
                    throw new IllegalArgumentException("unknown action " + step);
                }
            }
            String result = String.join("; ", results);
            closer.close();
            System.out.println("OK " + result);
        } catch (Throwable e) {
            Throwable t = e instanceof InvocationTargetException ite ? ite.getCause() : e;
            StringBuilder b = new StringBuilder("FAIL ").append(t);
            for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
                b.append(" | caused by ").append(c);
            }
            System.out.println(b.toString().replace('\n', ' '));
        }
        System.exit(0);
    }

    /** The outcome of one client run: its output line, {@code OK ...} or {@code FAIL ...}. */
    public record Result(String output) {
        public boolean ok() {
            return output.startsWith("OK ");
        }

        @Override
        public String toString() {
            return output;
        }
    }

    /** {@link #run} in the background, so that several clients start their JVMs at once. */
    public static CompletableFuture<Result> start(List<String> systemProperties, String how, String host, int port,
                                                  String user, String password, String action) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return run(systemProperties, how, host, port, user, password, action);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }, LAUNCHER);
    }

    /** Not the common pool: its parallelism is 1 on a 2-CPU machine, and these threads only wait. */
    private static final ExecutorService LAUNCHER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "jmx-client-launcher");
        t.setDaemon(true);
        return t;
    });

    /**
     * Runs the client in a new JVM.
     *
     * @param systemProperties {@code -D} options, as JConsole's {@code -J-D} flags give them
     */
    public static Result run(List<String> systemProperties, String how, String host, int port, String user,
                             String password, String action) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // A short-lived client: the C1 compiler alone starts TLS about twice as fast.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        if (how.startsWith("jconsole")) {
            command.add("--add-modules=jdk.jconsole");
            command.add("--add-opens=jdk.jconsole/sun.tools.jconsole=ALL-UNNAMED");
            command.add("-Djava.awt.headless=true");
        }
        command.addAll(systemProperties);
        command.add("-cp");
        command.add(classpath());
        command.add(JmxClientProcess.class.getName());
        command.addAll(List.of(how, host, String.valueOf(port), user == null ? "-" : user,
                password == null ? "-" : password, action));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the JMX client " + command + " did not finish within 90 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        for (String line : out.split("\n")) {
            if (line.startsWith("OK ") || line.startsWith("FAIL ")) {
                return new Result(line.strip());
            }
        }
        throw new AssertionError("the JMX client printed no result: " + out);
    }

    private static String classpath() {
        try {
            return new File(JmxClientProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
