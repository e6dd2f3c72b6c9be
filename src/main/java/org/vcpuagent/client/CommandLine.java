package org.vcpuagent.client;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's command line: {@code [options] VERB [ARGUMENTS]}, options anywhere (also after the
 * verb, as virsh allows), {@code --} ending them. Everything is checked here, before any connection,
 * so that a typing mistake costs no round trip and always exits with 2.
 */
final class CommandLine {

    final String url;
    final String user;
    final Path passwordFile;
    /** Where to look for the agent's generated logins without {@link #user}; null for the default. */
    final Path stateDir;
    /** The alias of the libvirt connection the domain is on; null to find it on whichever has it. */
    final String connection;
    final boolean tls;
    /** Null for the JDK's CAs; only with {@link #tls}. */
    final Path trustStore;
    final Path trustStorePasswordFile;
    /** The client certificate; only with {@link #tls}. */
    final Path keyStore;
    final Path keyStorePasswordFile;
    final boolean json;
    /** setvcpus, vcpupin, emulatorpin, placement --apply: also change the persistent configuration. */
    final boolean config;
    /** placement: apply the plan, not only show it. */
    final boolean apply;
    /** vcpuinfo: affinity as a cpulist instead of y/- per CPU. */
    final boolean pretty;
    final boolean help;
    /** Null only with {@link #help}. */
    final Verb verb;
    /** The positional arguments after the verb. */
    final List<String> args;

    private CommandLine(Builder b) {
        this.url = b.url;
        this.user = b.user;
        this.passwordFile = path(b.passwordFile);
        this.stateDir = path(b.stateDir);
        this.connection = b.connection;
        this.tls = b.tls;
        this.trustStore = path(b.trustStore);
        this.trustStorePasswordFile = path(b.trustStorePasswordFile);
        this.keyStore = path(b.keyStore);
        this.keyStorePasswordFile = path(b.keyStorePasswordFile);
        this.json = b.json;
        this.config = b.config;
        this.apply = b.apply;
        this.pretty = b.pretty;
        this.help = b.help;
        this.verb = b.verb;
        this.args = List.copyOf(b.positional);
    }

    private static final class Builder {
        String url = VcpuAgentClient.DEFAULT_URL;
        String user;
        String passwordFile;
        String stateDir;
        String connection;
        boolean tls;
        String trustStore;
        String trustStorePasswordFile;
        String keyStore;
        String keyStorePasswordFile;
        boolean json;
        boolean config;
        boolean apply;
        boolean pretty;
        boolean help;
        Verb verb;
        final List<String> positional = new ArrayList<>();
    }

    static CommandLine parse(String[] argv) throws UsageException {
        Builder b = new Builder();
        boolean optionsEnded = false;
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (optionsEnded || !a.startsWith("-") || a.equals("-") || isNumber(a)) {
                positional(b, a);
            } else if (a.equals("--")) {
                optionsEnded = true;
            } else if (a.equals("-h") || a.equals("--help")) {
                b.help = true;
            } else if (a.startsWith("--")) {
                i = option(b, argv, i);
            } else {
                throw new UsageException("unknown option '" + a + "'");
            }
        }
        if (b.help) {
            return new CommandLine(b);
        }
        check(b);
        return new CommandLine(b);
    }

    /** Reads the option at {@code argv[i]} into {@code b}; returns the index of its last word. */
    private static int option(Builder b, String[] argv, int i) throws UsageException {
        String a = argv[i];
        int eq = a.indexOf('=');
        String name = eq < 0 ? a : a.substring(0, eq);
        String inline = eq < 0 ? null : a.substring(eq + 1);
        switch (name) {
            case "--json" -> b.json = flag(name, inline);
            case "--config" -> b.config = flag(name, inline);
            case "--apply" -> b.apply = flag(name, inline);
            case "--pretty" -> b.pretty = flag(name, inline);
            case "--tls" -> b.tls = flag(name, inline);
            case "--url", "--user", "--password-file", "--state-dir", "--connection", "--truststore",
                 "--truststore-password-file", "--keystore", "--keystore-password-file" -> {
                String value = nonEmpty(name, inline != null ? inline : next(argv, ++i, name));
                switch (name) {
                    case "--url" -> b.url = value;
                    case "--user" -> b.user = value;
                    case "--password-file" -> b.passwordFile = value;
                    case "--state-dir" -> b.stateDir = value;
                    case "--connection" -> b.connection = value;
                    case "--truststore" -> b.trustStore = value;
                    case "--truststore-password-file" -> b.trustStorePasswordFile = value;
                    case "--keystore" -> b.keyStore = value;
                    default -> b.keyStorePasswordFile = value;
                }
            }
            default -> throw new UsageException("unknown option '" + name + "'");
        }
        return i;
    }

    private static void positional(Builder b, String a) throws UsageException {
        if (b.verb != null) {
            b.positional.add(a);
            return;
        }
        if (a.equals("help")) {
            b.help = true;
            return;
        }
        b.verb = Verb.of(a);
        if (b.verb == null) {
            throw new UsageException("unknown verb '" + a + "'");
        }
    }

    private static void check(Builder b) throws UsageException {
        Verb v = b.verb;
        if (v == null) {
            throw new UsageException("no verb given");
        }
        int n = b.positional.size();
        if (n < v.minArgs) {
            String missing = v.arguments.split(" ")[n];
            throw new UsageException(v.word + ": " + missing + " is missing (usage: " + v.synopsis() + ")");
        }
        if (n > v.maxArgs) {
            throw new UsageException(v.word + ": unexpected argument '" + b.positional.get(v.maxArgs)
                    + "' (usage: " + v.synopsis() + ")");
        }
        checkConfigAndApply(v, n, b);
        if (b.pretty && v != Verb.VCPUINFO) {
            throw new UsageException(v.word + ": --pretty is only for vcpuinfo");
        }
        if (b.passwordFile != null && b.user == null) {
            throw new UsageException("--password-file needs --user");
        }
        if (b.stateDir != null && b.user != null) {
            throw new UsageException("--state-dir is where the agent's generated logins are found: not with --user");
        }
        checkTls(b);
        if (v == Verb.SETVCPUS) {
            wholeNumber(b.positional.get(1), "COUNT");
        }
        if (v == Verb.VCPUPIN && n >= 2) {
            wholeNumber(b.positional.get(1), "VCPU");
        }
        if (v == Verb.IOTHREADPIN) {
            wholeNumber(b.positional.get(1), "ID");
        }
    }

    /**
     * --config only where it changes something persistent: the agent shows the running domain's pins, not the
     * persistent configuration's, so a reading vcpupin or emulatorpin with --config would mislead.
     */
    private static void checkConfigAndApply(Verb v, int n, Builder b) throws UsageException {
        if (b.apply && v != Verb.PLACEMENT) {
            throw new UsageException(v.word + ": --apply is only for placement");
        }
        if (!b.config) {
            return;
        }
        switch (v) {
            case SETVCPUS -> { }
            case VCPUPIN -> {
                if (n < 3) {
                    throw new UsageException("vcpupin: --config pins in the persistent configuration too: give VCPU "
                            + "and CPULIST (the agent shows the running domain's pinning only)");
                }
            }
            case EMULATORPIN -> {
                if (n < 2) {
                    throw new UsageException("emulatorpin: --config pins in the persistent configuration too: give "
                            + "CPULIST (the agent shows the running domain's pinning only)");
                }
            }
            case PLACEMENT -> {
                if (!b.apply) {
                    throw new UsageException("placement: --config needs --apply (a plan alone changes nothing)");
                }
            }
            default -> throw new UsageException(v.word + ": --config is only for setvcpus, vcpupin and emulatorpin "
                    + "with a CPULIST, and placement --apply");
        }
    }

    private static void checkTls(Builder b) throws UsageException {
        if (!b.tls) {
            for (String[] option : new String[][] {{"--truststore", b.trustStore}, {"--keystore", b.keyStore},
                {"--truststore-password-file", b.trustStorePasswordFile},
                {"--keystore-password-file", b.keyStorePasswordFile}}) {
                if (option[1] != null) {
                    throw new UsageException(option[0] + " is for TLS: give --tls too");
                }
            }
        }
        if (b.trustStorePasswordFile != null && b.trustStore == null) {
            throw new UsageException("--truststore-password-file needs --truststore");
        }
        if (b.keyStorePasswordFile != null && b.keyStore == null) {
            throw new UsageException("--keystore-password-file needs --keystore");
        }
    }

    private static Path path(String file) {
        return file == null ? null : Path.of(file);
    }

    String domain() {
        return args.get(0);
    }

    /** The positional argument at {@code index} as a number; {@link #parse} has checked it. */
    int number(int index) {
        return Integer.parseInt(args.get(index));
    }

    /** The positional argument at {@code index}, or null when not given. */
    String optional(int index) {
        return index < args.size() ? args.get(index) : null;
    }

    private static String next(String[] argv, int i, String option) throws UsageException {
        if (i >= argv.length) {
            throw new UsageException(option + " needs a value");
        }
        return argv[i];
    }

    private static String nonEmpty(String option, String value) throws UsageException {
        if (value.isEmpty()) {
            throw new UsageException(option + " needs a value");
        }
        return value;
    }

    private static boolean flag(String option, String inline) throws UsageException {
        if (inline != null) {
            throw new UsageException(option + " takes no value");
        }
        return true;
    }

    /** Negative numbers are arguments, not options: the agent explains why they are refused. */
    private static boolean isNumber(String a) {
        if (a.length() < 2 || a.charAt(0) != '-') {
            return false;
        }
        for (int i = 1; i < a.length(); i++) {
            if (a.charAt(i) < '0' || a.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static void wholeNumber(String text, String what) throws UsageException {
        try {
            Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new UsageException(what + " '" + text + "' is not a whole number");
        }
    }

    /** The short usage printed after a usage error. */
    static String usage() {
        StringBuilder sb = new StringBuilder(600);
        sb.append("usage: vcpu-agent client [--url URL] [--user USER [--password-file FILE] | --state-dir DIR]\n"
                + "         [--tls [--truststore FILE] [--keystore FILE]] [--connection ALIAS] [--json] VERB [ARGS]\n");
        sb.append("verbs:\n");
        for (Verb v : Verb.values()) {
            sb.append("  ").append(v.synopsis()).append('\n');
        }
        return sb.toString();
    }

    /** The usage with every option explained, for --help. */
    static String help() {
        return usage()
                + "options:\n"
                + "  --url URL             the agent's JMX service URL (default " + VcpuAgentClient.DEFAULT_URL + ")\n"
                + "  --user USER           log in as USER (the agent's jmx.password.file); without it\n"
                + "                        the client logs in as admin with the agent's generated logins\n"
                + "                        when it can read them (as root or the agent's user)\n"
                + "  --password-file FILE  read USER's password from the first line of FILE;\n"
                + "                        without it the password is asked for on the terminal\n"
                + "  --state-dir DIR       where the agent keeps its generated logins (its --state-dir);\n"
                + "                        default: $STATE_DIRECTORY, /var/lib/vcpu-agent for root, else\n"
                + "                        ${XDG_STATE_HOME:-~/.local/state}/vcpu-agent\n"
                + "  --tls                 connect over TLS, for an agent with jmx.ssl.keystore set\n"
                + "  --truststore FILE     TLS: trust the agent's certificate (or its CA) in FILE, PKCS12 or JKS;\n"
                + "                        without it the JDK's CAs decide\n"
                + "  --truststore-password-file FILE\n"
                + "                        its password, first line of FILE (not needed for a PKCS12\n"
                + "                        truststore whose certificates are stored unencrypted)\n"
                + "  --keystore FILE       TLS: present the client certificate in FILE, for an agent that\n"
                + "                        requires them (jmx.ssl.need.client.auth)\n"
                + "  --keystore-password-file FILE\n"
                + "                        its password, first line of FILE; without it the password is\n"
                + "                        asked for on the terminal\n"
                + "  --connection ALIAS    the agent's libvirt connection the domain is on, for an agent\n"
                + "                        with several (its beans carry connection=ALIAS); without it a domain\n"
                + "                        name only one connection has is found; with list, only that\n"
                + "                        connection's domains\n"
                + "  --json                print one JSON object instead of virsh's layout\n"
                + "  --config              setvcpus, vcpupin and emulatorpin with a CPULIST, placement --apply:\n"
                + "                        also change the persistent configuration (virsh --live --config)\n"
                + "  --apply               placement: apply the plan (without it the plan is only shown)\n"
                + "  --pretty              vcpuinfo: show affinity as a cpulist\n"
                + "placement's POLICY:   dedicated[,prefer|,isolate|,require] or shared, then optionally\n"
                + "                        ,emulator=share|isolate, e.g. dedicated,isolate,emulator=isolate\n"
                + "exit status: 0 success, 1 the operation failed, 2 usage error\n";
    }
}
