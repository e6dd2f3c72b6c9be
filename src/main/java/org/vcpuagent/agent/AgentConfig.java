package org.vcpuagent.agent;

import org.vcpuagent.jmx.TlsSettings;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent's settings: built-in defaults, then a properties file ({@code --config}), then
 * command-line options, each overriding the one before. Every key has one option of the same name:
 * {@code jmx.port} is {@code --jmx-port}.
 */
public record AgentConfig(String uri, List<ConnectionSpec> connections, boolean readOnly, String jmxHost, int jmxPort,
                          Path jmxPasswordFile, Path jmxAccessFile, boolean jmxInsecure, Duration refreshInterval,
                          TlsSettings jmxTls) {

    /** One libvirt connection: its alias (for ObjectNames when there are several) and URI. */
    public record ConnectionSpec(String alias, String uri) {
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
        DEFAULTS.put("jmx.ssl.keystore", "");
        DEFAULTS.put("jmx.ssl.keystore.password.file", "");
        DEFAULTS.put("jmx.ssl.truststore", "");
        DEFAULTS.put("jmx.ssl.truststore.password.file", "");
        DEFAULTS.put("jmx.ssl.need.client.auth", "false");
        DEFAULTS.put("refresh.interval", "2s");
        // Read by scripts/vcpu-agent, which turns them into -javaagent options; accepted and ignored here.
        DEFAULTS.put("prometheus.host", "127.0.0.1");
        DEFAULTS.put("prometheus.port", "");
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
        Map<String, String> options = new LinkedHashMap<>();
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name;
            String value;
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'; options start with --. " + usage());
            }
            if (eq > 0) {
                name = arg.substring(2, eq);
                value = arg.substring(eq + 1);
            } else {
                name = arg.substring(2);
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option --" + name + " needs a value. " + usage());
                }
                value = args[++i];
            }
            if (name.equals("config")) {
                configFile = Path.of(value);
                continue;
            }
            String key = name.replace('-', '.');
            if (!DEFAULTS.containsKey(key)) {
                throw new IllegalArgumentException("unknown option --" + name + ". " + usage());
            }
            options.put(key, value);
        }
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        Path baseDir = Path.of("");
        if (configFile != null) {
            values.putAll(readFile(configFile));
            baseDir = configFile.toAbsolutePath().getParent();
        }
        values.putAll(options);
        return build(values, baseDir, options.keySet());
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

    /** File paths in the configuration file are relative to that file; on the command line, to the working directory. */
    private static AgentConfig build(Map<String, String> v, Path configDir, java.util.Set<String> fromCommandLine) {
        String uri = v.get("uri");
        if (uri.isBlank()) {
            throw new IllegalArgumentException("uri is empty: give a libvirt URI such as test:///default or qemu:///system");
        }
        return new AgentConfig(uri, connections(v.get("connections"), uri),
                bool(v, "read.only"),
                nonBlank(v, "jmx.host"),
                port(v.get("jmx.port")),
                path(v, "jmx.password.file", configDir, fromCommandLine),
                path(v, "jmx.access.file", configDir, fromCommandLine),
                bool(v, "jmx.insecure"),
                duration(v.get("refresh.interval")),
                TlsSettings.fromOptions(
                        path(v, "jmx.ssl.keystore", configDir, fromCommandLine),
                        path(v, "jmx.ssl.keystore.password.file", configDir, fromCommandLine),
                        path(v, "jmx.ssl.truststore", configDir, fromCommandLine),
                        path(v, "jmx.ssl.truststore.password.file", configDir, fromCommandLine),
                        bool(v, "jmx.ssl.need.client.auth")));
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

    private static String nonBlank(Map<String, String> v, String key) {
        String s = v.get(key).trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException(key + " is empty; give a host name or address such as 127.0.0.1");
        }
        return s;
    }

    private static boolean bool(Map<String, String> v, String key) {
        String s = v.get(key).trim();
        if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(s);
        }
        throw new IllegalArgumentException(key + " '" + s + "' is not allowed: give true or false");
    }

    private static int port(String s) {
        try {
            int p = Integer.parseInt(s.trim());
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("jmx.port '" + s + "' is not allowed: give a TCP port from 1 to 65535, "
                + "or 0 for any free port");
    }

    private static Path path(Map<String, String> v, String key, Path configDir, java.util.Set<String> fromCommandLine) {
        String s = v.get(key).trim();
        if (s.isEmpty()) {
            return null;
        }
        Path p = Path.of(s);
        return p.isAbsolute() || fromCommandLine.contains(key) ? p : configDir.resolve(p);
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
                + "[--jmx-ssl-keystore FILE --jmx-ssl-keystore-password-file FILE [--jmx-ssl-need-client-auth true|false "
                + "--jmx-ssl-truststore FILE --jmx-ssl-truststore-password-file FILE]] "
                + "[--refresh-interval 2s]; with scripts/vcpu-agent also [--prometheus-port PORT] "
                + "[--prometheus-host HOST] [--jolokia-port PORT] [--jolokia-host HOST] [--jolokia-password-file FILE] "
                + "[--jolokia-access-file FILE]";
    }
}
