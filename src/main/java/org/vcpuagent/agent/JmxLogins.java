package org.vcpuagent.agent;

import org.vcpuagent.common.GeneratedLogins;
import org.vcpuagent.common.LoginFiles;

import java.nio.file.Path;

/**
 * Who may log in to the JMX connector, decided once at start: the configured password and access files; none
 * when asked for by name ({@code jmx.insecure = true}) or when TLS client certificates are the authentication;
 * otherwise the logins generated in the state directory ({@link GeneratedLogins}), made at the first start.
 *
 * @param passwordFile null without password authentication
 * @param summary      the start-up line naming the users and files, never a password; null without them
 * @param loginHint    how JConsole users log in, for the "Connect with" line; empty without logins
 */
record JmxLogins(Path passwordFile, Path accessFile, String summary, String loginHint) {

    /** @throws IllegalArgumentException for bad login files or a state directory that cannot hold them */
    static JmxLogins resolve(AgentConfig config) {
        if (config.jmxPasswordFile() != null && config.jmxAccessFile() != null) {
            return of(LoginFiles.load(config.jmxPasswordFile(), config.jmxAccessFile(), "JMX"), "");
        }
        boolean clientCertificates = config.jmxTls() != null && config.jmxTls().needClientAuth();
        if (config.jmxPasswordFile() != null || config.jmxAccessFile() != null || config.jmxInsecure()
                || clientCertificates) {
            // One file without the other is refused by the connector, with the fix.
            return new JmxLogins(config.jmxPasswordFile(), config.jmxAccessFile(), null, "");
        }
        GeneratedLogins.Found found = GeneratedLogins.ensure(config.stateDir());
        return of(LoginFiles.load(found.passwordFile(), found.accessFile(), "JMX"),
                found.created() ? ", generated now" : ", generated at the first start");
    }

    private static JmxLogins of(LoginFiles files, String generated) {
        String summary = "JMX logins: " + files.describeUsers() + generated + "; passwords in " + files.passwordFile()
                + ", roles in " + files.accessFile();
        String user = files.roles().containsKey(GeneratedLogins.ADMIN) ? GeneratedLogins.ADMIN : files.users().get(0);
        return new JmxLogins(files.passwordFile(), files.accessFile(), summary,
                " (log in as " + user + ", password in " + files.passwordFile() + ")");
    }

    /** The configuration with these files as the connector's. */
    AgentConfig applyTo(AgentConfig c) {
        return new AgentConfig(c.uri(), c.connections(), c.readOnly(), c.jmxHost(), c.jmxPort(), passwordFile,
                accessFile, c.jmxInsecure(), c.jmxJvmDiagnostics(), c.refreshInterval(), c.jmxTls(), c.prometheus(),
                c.jolokia(), c.configFile(), c.stateDir(), c.hostReservedCpus());
    }
}
