package org.vcpuagent.client;

import org.vcpuagent.common.SecretFiles;


import javax.management.remote.JMXServiceURL;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.net.MalformedURLException;
import java.nio.file.Path;

/**
 * {@code vcpu-agent client [options] VERB [ARGS]}: virsh's vCPU verbs against a running agent,
 * over JMX.
 *
 * <p>Exit status 0 on success, 1 when the operation failed, 2 on a usage error. Errors go to stderr
 * as one line starting with {@code error:}. Start-up matters here, so this path loads nothing but
 * the JDK's JMX client and the few model classes it prints: no JNA, no libvirt, no logging.
 */
public final class ClientMain {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private ClientMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command, printing to {@code out} and {@code err}; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            return runCommand(args, out, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int runCommand(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl;
        try {
            cl = CommandLine.parse(args);
        } catch (UsageException e) {
            return usageError(err, e.getMessage());
        }
        if (cl.help) {
            out.print(CommandLine.help());
            return OK;
        }
        VcpuAgentClient agent;
        Login login;
        try {
            login = login(cl);
            agent = connect(cl, login);
        } catch (UsageException e) {
            return usageError(err, e.getMessage());
        } catch (Refused e) {
            return fail(err, e.getMessage());
        }
        String output;
        try {
            output = new VerbRunner(agent, cl).run();
        } catch (SecurityException e) {
            return fail(err, "permission denied" + (login.user() == null ? "" : " for user '" + login.user() + "'")
                    + ": " + e.getMessage());
        } catch (RuntimeException e) {
            // The agent's refusal, DomainNotFoundException, UncheckedIOException: their messages say it all.
            return fail(err, e.getMessage() != null ? e.getMessage() : e.toString());
        } finally {
            try {
                agent.close();
            } catch (IOException | RuntimeException e) {
                // The answer is in; a connection that does not close cleanly changes nothing for the caller.
            }
        }
        out.print(output);
        return OK;
    }

    /** Why the client could not connect, in one line for {@code error:}. */
    private static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** The --user given, or the agent's generated admin login when this user can read it. */
    private static Login login(CommandLine cl) throws UsageException, Refused {
        if (cl.user == null) {
            return Login.generated(cl.stateDir);
        }
        return Login.given(cl.user, secret(cl.passwordFile, "password file", "password for " + cl.user,
                "--user " + cl.user + " needs --password-file"));
    }

    private static VcpuAgentClient connect(CommandLine cl, Login login) throws UsageException, Refused {
        ClientTls tls = cl.tls ? tls(cl) : null;
        try {
            return VcpuAgentClient.connect(cl.url, login.user(), login.password(), tls);
        } catch (MalformedURLException e) {
            throw new UsageException("--url '" + cl.url + "' is not a JMX service URL: " + e.getMessage());
        } catch (IOException e) {
            String advice = TlsAdvice.explain(e, address(cl.url), tls);
            throw new Refused("cannot connect to " + cl.url + ": " + (advice != null ? advice : RemoteCall.describe(e)));
        } catch (SecurityException e) {
            throw new Refused(login.refused(cl.url, e.getMessage()));
        } catch (RuntimeException e) {
            throw new Refused("cannot connect to " + cl.url + ": " + RemoteCall.describe(e));
        }
    }

    private static ClientTls tls(CommandLine cl) throws UsageException, Refused {
        if (cl.trustStore == null && cl.keyStore == null) {
            return ClientTls.jvmDefaults();
        }
        String trust = cl.trustStorePasswordFile == null ? null
                : secret(cl.trustStorePasswordFile, "truststore password file", null, null);
        String key = cl.keyStore == null ? null : secret(cl.keyStorePasswordFile, "keystore password file",
                "password of the keystore " + cl.keyStore, "--keystore needs --keystore-password-file");
        try {
            return ClientTls.withStores(cl.trustStore, trust == null ? null : trust.toCharArray(), cl.keyStore,
                    key == null ? null : key.toCharArray());
        } catch (IllegalArgumentException e) {
            throw new Refused(e.getMessage());
        }
    }

    private static JMXServiceURL address(String url) {
        try {
            return new JMXServiceURL(url);
        } catch (MalformedURLException e) {
            throw new IllegalStateException("connect has accepted " + url, e);
        }
    }

    /**
     * A password: the first line of {@code file}, or asked for on the terminal when there is no file.
     *
     * @param prompt     what the terminal shows
     * @param noTerminal the usage error when there is no file and no terminal
     */
    private static String secret(Path file, String what, String prompt, String noTerminal)
            throws UsageException, Refused {
        if (file != null) {
            try {
                return new String(SecretFiles.readPassword(file, what));
            } catch (IllegalArgumentException e) {
                throw new Refused(e.getMessage());
            }
        }
        Console console = System.console();
        if (console == null) {
            throw new UsageException(noTerminal + " (there is no terminal to ask on)");
        }
        char[] typed = console.readPassword("%s: ", prompt);
        if (typed == null) {
            throw new UsageException("nothing typed for the " + prompt);
        }
        return new String(typed);
    }

    private static int usageError(PrintStream err, String message) {
        err.println("error: " + oneLine(message));
        err.print(CommandLine.usage());
        return USAGE;
    }

    private static int fail(PrintStream err, String message) {
        err.println("error: " + oneLine(message));
        return FAILED;
    }

    /** Messages may carry line breaks (libvirt's sometimes do); the error stays on one line. */
    static String oneLine(String message) {
        StringBuilder sb = new StringBuilder(message.length());
        boolean breakPending = false;
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '\n' || c == '\r') {
                breakPending = true;
                continue;
            }
            if (breakPending) {
                while (sb.length() > 0 && sb.charAt(sb.length() - 1) == ' ') {
                    sb.setLength(sb.length() - 1);
                }
                if (c == ' ' || c == '\t') {
                    continue;
                }
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                breakPending = false;
            }
            sb.append(c);
        }
        return sb.toString().strip();
    }
}
