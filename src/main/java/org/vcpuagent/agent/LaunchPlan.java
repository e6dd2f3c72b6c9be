package org.vcpuagent.agent;

import org.vcpuagent.common.GeneratedLogins;
import org.vcpuagent.common.SecretFiles;
import org.vcpuagent.jmx.ReadOnlyRegistry;
import org.vcpuagent.jolokia.JolokiaAuthenticator;
import org.vcpuagent.jolokia.JolokiaUsers;
import org.vcpuagent.prometheus.MetricsEndpoint;

import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How scripts/vcpu-agent starts the agent's JVM, worked out from agent.properties and the command line by
 * {@link AgentConfig}, so that the launcher reads no setting itself:
 * {@code java -Dvcpu.agent.home=DIR -cp vcpu-agent.jar org.vcpuagent.agent.LaunchPlan [options]} prints the
 * arguments to give {@code java}, one a line: the JVM options, the Java agent (Jolokia) the
 * {@code jolokia.*} settings ask for, {@code -jar vcpu-agent.jar}, then the
 * agent's own options (as {@code --name=value}, so that no line is empty; the Java agents' options are not
 * passed on). A bad setting prints {@code error: ...} and exits 2, before anything starts.
 *
 * <p>The launcher's environment: {@code VCPU_AGENT_CONFIG} (the properties file when the command line
 * gives no {@code --config}; default DIR/config/agent.properties), {@code VCPU_AGENT_JAVAAGENTS} (the folder
 * with Jolokia's agent jar; default javaagents beside vcpu-agent.jar), {@code JAVA_OPTS} (the JVM
 * options, split at white space; when unset, {@link #SMALL_FOOTPRINT}).
 */
public final class LaunchPlan {

    /**
     * The JVM options when JAVA_OPTS is unset: the JVM's defaults on a big host start with a heap of
     * several hundred MiB, for an agent that keeps little live. The JVM's own statistics (what jstat shows)
     * are sampled each second instead of 20 times a second: on an agent that is otherwise idle those wake-ups
     * were a visible share of its CPU.
     */
    static final List<String> SMALL_FOOTPRINT = List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx128m",
            "-XX:MaxMetaspaceSize=64m", "-XX:ReservedCodeCacheSize=32m", "-Xss512k", "-XX:PerfDataSamplingInterval=1000");

    static final String JOLOKIA_JAR = "jolokia-agent-jvm.jar";

    /**
     * Where things are: {@code home} the installation (or checkout) with config/ in it, {@code jar} the
     * agent's jar, {@code javaAgents} the folder of the Java agents' jars, {@code config} the properties
     * file unless the command line names one, {@code javaOpts} JAVA_OPTS or null when unset.
     */
    record Layout(Path home, Path jar, Path javaAgents, Path config, String javaOpts) {

        /** From the system property vcpu.agent.home, this class's own jar and the environment. */
        static Layout ofThisProcess(Map<String, String> env) {
            String home = System.getProperty("vcpu.agent.home");
            if (home == null || home.isBlank()) {
                throw new IllegalArgumentException("LaunchPlan needs -Dvcpu.agent.home=DIR, the folder with config/ "
                        + "(scripts/vcpu-agent sets it)");
            }
            Path jar;
            try {
                jar = Path.of(LaunchPlan.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (URISyntaxException e) {
                throw new IllegalStateException("cannot tell where vcpu-agent.jar is", e);
            }
            Path homeDir = Path.of(home);
            return new Layout(homeDir, jar, Path.of(env.getOrDefault("VCPU_AGENT_JAVAAGENTS",
                    jar.toAbsolutePath().getParent().resolve("javaagents").toString())),
                    Path.of(env.getOrDefault("VCPU_AGENT_CONFIG", homeDir.resolve("config/agent.properties").toString())),
                    env.get("JAVA_OPTS"));
        }
    }

    private final Layout layout;
    private final PrintStream warnings;

    LaunchPlan(Layout layout, PrintStream warnings) {
        this.layout = layout;
        this.warnings = warnings;
    }

    public static void main(String[] args) {
        try {
            List<String> plan = new LaunchPlan(Layout.ofThisProcess(System.getenv()), System.err).javaArguments(args);
            StringBuilder out = new StringBuilder();
            for (String arg : plan) {
                out.append(arg).append('\n');
            }
            System.out.print(out);
            System.out.flush();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    /**
     * The arguments for {@code java}, for the launcher's command line {@code args}.
     *
     * @throws IllegalArgumentException naming the bad setting or missing file, and what is allowed
     */
    List<String> javaArguments(String[] args) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            return List.of("-jar", layout.jar().toString(), "--help");
        }
        List<AgentConfig.Option> options = new ArrayList<>();
        options.add(new AgentConfig.Option("config", layout.config().toString()));
        options.addAll(AgentConfig.options(args));
        AgentConfig config = AgentConfig.fromOptions(options);

        List<String> java = new ArrayList<>(jvmOptions());
        java.add(ReadOnlyRegistry.OPENS);
        if (config.prometheus() != null && !isLoopback(config.prometheus().host())) {
            warnings.println("warning: Prometheus metrics on " + config.prometheus().host() + ":"
                    + config.prometheus().port() + " can be read by anyone who reaches it (no authentication)");
        }
        if (config.jolokia() != null) {
            java.addAll(jolokia(config));
        }
        java.add("-Dlogback.configurationFile=" + layout.home().resolve("config/logback.xml"));
        // Before any Java agent can load the JDK's HTTP server (Jolokia's), which reads it once: see MetricsEndpoint.
        java.add("-D" + MetricsEndpoint.NO_DELAY_PROPERTY + "=true");
        java.add("-jar");
        java.add(layout.jar().toString());
        java.add("--config=" + config.configFile());
        for (AgentConfig.Option o : options.subList(1, options.size())) {
            if (!o.name().equals("config") && !isJavaAgentKey(o.key())) {
                java.add("--" + o.name() + "=" + o.value());
            }
        }
        for (String arg : java) {
            if (arg.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("'" + arg.replace("\n", "\\n") + "' has a line break, which the "
                        + "launcher cannot pass on: give the value without one");
            }
        }
        return java;
    }

    /** The settings the Jolokia agent reads, not the agent. */
    static boolean isJavaAgentKey(String key) {
        return key.startsWith("jolokia.");
    }

    private List<String> jvmOptions() {
        if (layout.javaOpts() == null) {
            return SMALL_FOOTPRINT;
        }
        return Arrays.stream(layout.javaOpts().trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * Jolokia with the agent's authenticator and restrictor, given after {@code config=} so that they win
     * over jolokia.properties: no edit of that file can switch authentication off.
     */
    private List<String> jolokia(AgentConfig config) {
        AgentConfig.Jolokia j = config.jolokia();
        Path passwordFile = j.passwordFile();
        Path accessFile = j.accessFile();
        if (passwordFile == null) {
            // This runs as the agent's user, before its JVM: the agent's JMX connector then finds them made.
            GeneratedLogins.Found generated = GeneratedLogins.ensure(config.stateDir());
            passwordFile = generated.passwordFile();
            accessFile = generated.accessFile();
            warnings.println("Jolokia logins: the agent's generated logins, passwords in " + passwordFile + ", roles in "
                    + accessFile);
        }
        // The same check Jolokia's authenticator makes when it starts, made here so that nothing starts.
        JolokiaUsers.load(passwordFile, accessFile);
        Path policy = shipped(config, "jolokia-access.xml", "Jolokia policy");
        Path settings = shipped(config, "jolokia.properties", "Jolokia settings");
        if (!isLoopback(j.host())) {
            warnings.println("warning: Jolokia on " + j.host() + ":" + j.port() + " uses plain HTTP unless "
                    + "jolokia.properties sets protocol=https: passwords travel in clear text");
        }
        // The classes by name: they need Jolokia's own, which only its agent jar brings.
        String options = "config=" + escape(settings.toString()) + ",host=" + escape(j.host()) + ",port=" + j.port()
                + ",policyLocation=" + escape("file:" + policy)
                + ",authClass=org.vcpuagent.jolokia.JolokiaAuthenticator"
                + ",restrictorClass=org.vcpuagent.jolokia.JolokiaRestrictor"
                + ",executor=single";
        return List.of("-D" + JolokiaAuthenticator.PASSWORD_FILE_PROPERTY + "=" + passwordFile.toAbsolutePath(),
                "-D" + JolokiaAuthenticator.ACCESS_FILE_PROPERTY + "=" + accessFile.toAbsolutePath(),
                "-javaagent:" + javaAgent(JOLOKIA_JAR) + "=" + options);
    }

    private Path javaAgent(String name) {
        Path jar = layout.javaAgents().resolve(name).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + " is missing: run mvn package (or set VCPU_AGENT_JAVAAGENTS to "
                    + "the folder that holds " + name + ")");
        }
        return jar;
    }

    /** A shipped file: beside the properties file in use, else in the installation's config folder. */
    private Path shipped(AgentConfig config, String name, String what) {
        Path beside = config.configFile().toAbsolutePath().resolveSibling(name);
        Path file = Files.isRegularFile(beside) ? beside : layout.home().resolve("config").resolve(name).toAbsolutePath();
        SecretFiles.checkReadable(file, what);
        return file;
    }

    /** By name, without asking DNS: the launcher must not wait on a resolver. */
    static boolean isLoopback(String host) {
        return host.startsWith("127.") || host.equals("localhost") || host.equals("::1") || host.equals("[::1]");
    }

    /** Jolokia's agent options are comma-separated key=value pairs: a comma or backslash in a value is escaped. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace(",", "\\,");
    }
}
