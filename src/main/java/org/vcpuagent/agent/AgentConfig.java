package org.vcpuagent.agent;

import org.vcpuagent.common.SecretFiles;
import org.vcpuagent.common.StateDir;
import org.vcpuagent.jmx.TlsSettings;
import org.vcpuagent.model.CpuMap;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent's settings: built-in defaults, then a properties file ({@code --config}), then
 * command-line options, each overriding the one before. Every key has one option of the same name:
 * {@code jmx.port} is {@code --jmx-port}. This is the one reader of agent.properties: scripts/vcpu-agent
 * asks {@link LaunchPlan} (which reads it here) how to start the JVM.
 *
 * @param prometheus null when off (no {@code prometheus.port})
 * @param jolokia    null when off (no {@code jolokia.port})
 * @param configFile the properties file read, or null
 * @param stateDir   where generated logins live ({@code state.dir}, default {@link StateDir#defaultForThisProcess})
 * @param hostReservedCpus {@code host.reserved.cpus}: the CPUs each connection's host keeps for itself, by alias
 */
public record AgentConfig(String uri, List<ConnectionSpec> connections, boolean readOnly, String jmxHost, int jmxPort,
                          Path jmxPasswordFile, Path jmxAccessFile, boolean jmxInsecure, boolean jmxJvmDiagnostics,
                          Duration refreshInterval, TlsSettings jmxTls, Prometheus prometheus, Jolokia jolokia,
                          Path configFile, Path stateDir, Map<String, CpuMap> hostReservedCpus) {

    /** The most host CPUs a cpulist in the configuration may name. */
    static final int MAX_HOST_CPUS = 8192;

    /** The CPUs the host of connection {@code alias} keeps for itself; empty when none are. */
    public CpuMap reservedCpus(String alias) {
        return hostReservedCpus.getOrDefault(alias, CpuMap.of());
    }

    /** One libvirt connection: its alias (for ObjectNames when there are several) and URI. */
    public record ConnectionSpec(String alias, String uri) {
    }

    /**
     * The agent's Prometheus {@code /metrics} endpoint (org.vcpuagent.prometheus).
     *
     * @param rules          jmx_exporter's rules file, or null for the copy inside the jar
     * @param affinityPerCpu whether to export one affinity sample per vCPU and host CPU
     */
    public record Prometheus(String host, int port, Path rules, boolean affinityPerCpu) {
    }

    /**
     * Jolokia's HTTP endpoint, a Java agent in the agent's JVM, and the files of its users: both null for the
     * generated logins in the state directory.
     */
    public record Jolokia(String host, int port, Path passwordFile, Path accessFile) {
    }

    /** One option of the command line, {@code --name value} or {@code --name=value}; {@code name} without the dashes. */
    record Option(String name, String value) {

        /** Its key in agent.properties: {@code jmx.port} for {@code --jmx-port}. */
        String key() {
            return name.replace('-', '.');
        }
    }

    private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** Keys, their defaults and what they mean; the same text documents config/agent.properties. */
    static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("uri", "test:///default");
        DEFAULTS.put("connections", "");
        DEFAULTS.put("read.only", "false");
        DEFAULTS.put("jmx.host", "127.0.0.1");
        DEFAULTS.put("jmx.port", "9875");
        DEFAULTS.put("jmx.password.file", "");
        DEFAULTS.put("jmx.access.file", "");
        DEFAULTS.put("jmx.insecure", "false");
        DEFAULTS.put("jmx.jvm.diagnostics", "false");
        DEFAULTS.put("jmx.ssl.keystore", "");
        DEFAULTS.put("jmx.ssl.keystore.password.file", "");
        DEFAULTS.put("jmx.ssl.truststore", "");
        DEFAULTS.put("jmx.ssl.truststore.password.file", "");
        DEFAULTS.put("jmx.ssl.need.client.auth", "false");
        DEFAULTS.put("refresh.interval", "2s");
        DEFAULTS.put("state.dir", "");
        DEFAULTS.put("host.reserved.cpus", "");
        DEFAULTS.put("prometheus.host", "127.0.0.1");
        DEFAULTS.put("prometheus.port", "");
        DEFAULTS.put("prometheus.rules", "");
        DEFAULTS.put("prometheus.affinity.per.cpu", "false");
        // Jolokia is a Java agent: LaunchPlan turns these into its -javaagent option; the agent starts none.
        DEFAULTS.put("jolokia.host", "127.0.0.1");
        DEFAULTS.put("jolokia.port", "");
        DEFAULTS.put("jolokia.password.file", "");
        DEFAULTS.put("jolokia.access.file", "");
    }

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m)");

    public static AgentConfig defaults() {
        return fromArgs(new String[0]);
    }

    /**
     * Parses the command line.
     *
     * @throws IllegalArgumentException naming the bad option or value and what is allowed
     */
    public static AgentConfig fromArgs(String[] args) {
        return fromOptions(options(args));
    }

    /**
     * Splits the command line into options, in order, {@code --config} among them.
     *
     * @throws IllegalArgumentException for an argument that is no option, a missing value or an unknown option
     */
    static List<Option> options(String[] args) {
        List<Option> options = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'; options start with --. " + usage());
            }
            int eq = arg.indexOf('=');
            Option option;
            if (eq > 0) {
                option = new Option(arg.substring(2, eq), arg.substring(eq + 1));
            } else if (i + 1 < args.length) {
                option = new Option(arg.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("option " + arg + " needs a value. " + usage());
            }
            if (!option.name().equals("config") && !DEFAULTS.containsKey(option.key())) {
                throw new IllegalArgumentException("unknown option --" + option.name() + ". " + usage());
            }
            options.add(option);
        }
        return options;
    }

    /** Defaults, then the last {@code --config} file, then the other options, later ones winning. */
    static AgentConfig fromOptions(List<Option> given) {
        Map<String, String> options = new LinkedHashMap<>();
        Path configFile = null;
        for (Option o : given) {
            if (o.name().equals("config")) {
                configFile = Path.of(o.value());
            } else {
                options.put(o.key(), o.value());
            }
        }
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        Path baseDir = Path.of("");
        if (configFile != null) {
            values.putAll(readFile(configFile));
            baseDir = configFile.toAbsolutePath().getParent();
        }
        values.putAll(options);
        return build(new Values(values, baseDir, options.keySet(), configFile));
    }

    private static Map<String, String> readFile(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the configuration file " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (!DEFAULTS.containsKey(key)) {
                throw new IllegalArgumentException("unknown key '" + key + "' in " + file + "; known keys: "
                        + String.join(", ", DEFAULTS.keySet()));
            }
            out.put(key, p.getProperty(key).trim());
        }
        return out;
    }

    /**
     * The merged values, and what the paths in them are relative to: file paths in the configuration file
     * are relative to that file's folder; on the command line, to the working directory.
     */
    private record Values(Map<String, String> map, Path configDir, Set<String> fromCommandLine, Path configFile) {

        String get(String key) {
            return map.get(key).trim();
        }

        Path path(String key) {
            String s = get(key);
            if (s.isEmpty()) {
                return null;
            }
            Path p = Path.of(s);
            return p.isAbsolute() || fromCommandLine.contains(key) ? p : configDir.resolve(p);
        }

        boolean bool(String key) {
            String s = get(key);
            if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(s);
            }
            throw new IllegalArgumentException(key + " '" + s + "' is not allowed: give true or false");
        }

        String host(String key) {
            String s = get(key);
            if (s.isEmpty()) {
                throw new IllegalArgumentException(key + " is empty; give a host name or address such as 127.0.0.1");
            }
            return s;
        }
    }

    private static AgentConfig build(Values v) {
        String uri = v.get("uri");
        if (uri.isEmpty()) {
            throw new IllegalArgumentException("uri is empty: give a libvirt URI such as test:///default or qemu:///system");
        }
        int jmxPort = port("jmx.port", v.get("jmx.port"), "or 0 for any free port");
        return new AgentConfig(uri, connections(v.get("connections"), uri),
                v.bool("read.only"),
                v.host("jmx.host"),
                jmxPort,
                v.path("jmx.password.file"),
                v.path("jmx.access.file"),
                v.bool("jmx.insecure"),
                v.bool("jmx.jvm.diagnostics"),
                duration(v.get("refresh.interval")),
                TlsSettings.fromOptions(v.path("jmx.ssl.keystore"), v.path("jmx.ssl.keystore.password.file"),
                        v.path("jmx.ssl.truststore"), v.path("jmx.ssl.truststore.password.file"),
                        v.bool("jmx.ssl.need.client.auth")),
                prometheus(v), jolokia(v), v.configFile(), stateDir(v),
                ReservedCpus.parse(v.get("host.reserved.cpus"), connections(v.get("connections"), uri)));
    }

    private static final String OFF = "or leave it empty to keep it off";
    /** jmx_exporter's rules as shipped in config/, used when they lie beside the configuration file. */
    static final String SHIPPED_RULES = "jmx_exporter.yaml";

    private static Prometheus prometheus(Values v) {
        int port = port("prometheus.port", v.get("prometheus.port"), OFF);
        boolean affinityPerCpu = v.bool("prometheus.affinity.per.cpu");
        Path rules = v.path("prometheus.rules");
        if (rules == null && v.configFile() != null) {
            Path beside = v.configFile().toAbsolutePath().resolveSibling(SHIPPED_RULES);
            rules = Files.isRegularFile(beside) ? beside : null;
        }
        if (port == 0) {
            return null;
        }
        if (rules != null) {
            SecretFiles.checkReadable(rules, "prometheus.rules (jmx_exporter's rules)");
        }
        return new Prometheus(v.host("prometheus.host"), port, rules, affinityPerCpu);
    }

    private static Jolokia jolokia(Values v) {
        int port = port("jolokia.port", v.get("jolokia.port"), OFF);
        if (port == 0) {
            return null;
        }
        Path passwordFile = v.path("jolokia.password.file");
        Path accessFile = v.path("jolokia.access.file");
        if ((passwordFile == null) != (accessFile == null)) {
            throw new IllegalArgumentException("Jolokia needs both files of its users or neither: give "
                    + "--jolokia-password-file and --jolokia-access-file (or jolokia.password.file and "
                    + "jolokia.access.file in " + (v.configFile() == null ? "agent.properties" : v.configFile())
                    + "), or neither for the agent's generated logins. It never runs without authentication. See "
                    + "config/jmxremote.password.example and config/jmxremote.access.example for the formats.");
        }
        return new Jolokia(v.host("jolokia.host"), port, passwordFile, accessFile);
    }

    private static Path stateDir(Values v) {
        Path dir = v.path("state.dir");
        return dir != null ? dir : StateDir.defaultForThisProcess();
    }

    /**
     * {@code alias=uri, alias=uri, ...}; empty means the one connection {@code uri}. An alias names
     * the connection in ObjectNames ({@code connection=alias}) when there is more than one.
     */
    static List<ConnectionSpec> connections(String text, String uri) {
        if (text.isBlank()) {
            return List.of(new ConnectionSpec("default", uri));
        }
        String allowed = "give alias=uri pairs separated by commas, e.g. local=qemu:///system,"
                + "remote=qemu+tcp://host/system, with aliases of letters, digits, '_', '.' or '-'";
        List<ConnectionSpec> out = new ArrayList<>();
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            String alias = eq < 0 ? "" : part.substring(0, eq).trim();
            String target = eq < 0 ? "" : part.substring(eq + 1).trim();
            if (!ALIAS.matcher(alias).matches() || target.isEmpty()) {
                throw new IllegalArgumentException("connections entry '" + part.trim() + "' is not allowed: " + allowed);
            }
            if (out.stream().anyMatch(c -> c.alias().equals(alias))) {
                throw new IllegalArgumentException("connections names alias '" + alias + "' twice: aliases must differ");
            }
            out.add(new ConnectionSpec(alias, target));
        }
        return List.copyOf(out);
    }

    /**
     * A TCP port from 1 to 65535; 0 for the empty text (off) or {@code 0} itself, which only
     * {@code jmx.port} allows (any free port).
     */
    private static int port(String key, String s, String orElse) {
        if (s.isEmpty() && orElse.equals(OFF)) {
            return 0;
        }
        try {
            int p = Integer.parseInt(s);
            if (p >= 1 && p <= 65535 || p == 0 && !orElse.equals(OFF)) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " '" + s + "' is not allowed: give a TCP port from 1 to 65535, " + orElse);
    }

    static Duration duration(String s) {
        Matcher m = DURATION.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("refresh.interval '" + s + "' is not allowed: give a number with a "
                    + "unit, such as 500ms, 2s or 1m");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
        if (d.toMillis() < 100 || d.toHours() > 24) {
            throw new IllegalArgumentException("refresh.interval '" + s + "' is not allowed: give between 100ms and 24 hours");
        }
        return d;
    }

    static String usage() {
        return "Usage: vcpu-agent [--config FILE] [--uri URI] [--connections alias=uri,...] [--read-only true|false] "
                + "[--jmx-host HOST] "
                + "[--jmx-port PORT] [--jmx-password-file FILE] [--jmx-access-file FILE] [--jmx-insecure true|false] "
                + "[--jmx-jvm-diagnostics true|false] "
                + "[--jmx-ssl-keystore FILE --jmx-ssl-keystore-password-file FILE [--jmx-ssl-need-client-auth true|false "
                + "--jmx-ssl-truststore FILE --jmx-ssl-truststore-password-file FILE]] "
                + "[--refresh-interval 2s] [--state-dir DIR] [--prometheus-port PORT [--prometheus-host HOST] [--prometheus-rules FILE] "
                + "[--prometheus-affinity-per-cpu true|false]] "
                + "[--jolokia-port PORT [--jolokia-host HOST] [--jolokia-password-file FILE --jolokia-access-file FILE]]. "
                + "--prometheus-port serves /metrics from the agent itself. The --jolokia-* options start Jolokia as a "
                + "Java agent in the agent's JVM when scripts/vcpu-agent starts it; java -jar checks them and starts it not. "
                + "Without --jmx-password-file the agent generates logins (admin, monitor) in the state directory at its "
                + "first start; --jmx-insecure true serves JMX without authentication. "
                + "See config/agent.properties for every option.";
    }
}
