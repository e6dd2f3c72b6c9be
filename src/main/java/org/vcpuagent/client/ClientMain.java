package org.vcpuagent.client;

import org.vcpuagent.common.SecretFiles;

import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.net.MalformedURLException;

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
        String password;
        try {
            password = password(cl);
        } catch (UsageException e) {
            return usageError(err, e.getMessage());
        } catch (IllegalArgumentException e) {
            return fail(err, e.getMessage());
        }
        VcpuAgentClient agent;
        try {
            agent = VcpuAgentClient.connect(cl.url, cl.user, password);
        } catch (MalformedURLException e) {
            return usageError(err, "--url '" + cl.url + "' is not a JMX service URL: " + e.getMessage());
        } catch (IOException e) {
            return fail(err, "cannot connect to " + cl.url + ": " + RemoteCall.describe(e));
        } catch (SecurityException e) {
            return fail(err, "cannot log in to " + cl.url + (cl.user == null
                    ? " without a user name: " + e.getMessage() + " (give --user and --password-file)"
                    : " as '" + cl.user + "': " + e.getMessage()));
        } catch (RuntimeException e) {
            return fail(err, "cannot connect to " + cl.url + ": " + RemoteCall.describe(e));
        }
        String output;
        try {
            output = new VerbRunner(agent, cl).run();
        } catch (SecurityException e) {
            return fail(err, "permission denied" + (cl.user == null ? "" : " for user '" + cl.user + "'") + ": "
                    + e.getMessage());
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

    /**
     * The password: the first line of --password-file, asked for on the terminal when only --user
     * is given, null without --user.
     */
    private static String password(CommandLine cl) throws UsageException {
        if (cl.user == null) {
            return null;
        }
        if (cl.passwordFile != null) {
            return new String(SecretFiles.readPassword(cl.passwordFile, "password file"));
        }
        Console console = System.console();
        if (console == null) {
            throw new UsageException("--user " + cl.user + " needs --password-file (there is no terminal to ask on)");
        }
        char[] typed = console.readPassword("password for %s: ", cl.user);
        if (typed == null) {
            throw new UsageException("no password given for user '" + cl.user + "'");
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
