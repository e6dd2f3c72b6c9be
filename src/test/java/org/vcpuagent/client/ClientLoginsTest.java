package org.vcpuagent.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vcpuagent.agent.AgentConfig;
import org.vcpuagent.agent.VcpuAgent;
import org.vcpuagent.client.Harness.Result;
import org.vcpuagent.common.GeneratedLogins;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.TestLibvirt;

import javax.management.MBeanServerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client without {@code --user}: against an agent on its generated logins it logs in as {@code admin} by
 * itself when it can read them, and says what to do when it cannot. (Reading them as another Unix user is
 * UnprivilegedUserIT's part: root reads any file.)
 */
class ClientLoginsTest {

    @TempDir
    static Path dir;
    private static Path state;
    private static VcpuAgent agent;
    private static String url;
    private static Connection outside;

    @BeforeAll
    static void start() throws IOException {
        state = dir.resolve("state");
        GeneratedLogins.Found logins = GeneratedLogins.ensure(state);
        // The files the agent's start hands its connector (AgentMain), here in-process.
        agent = VcpuAgent.start(AgentConfig.fromArgs(new String[] {"--jmx-port", "0", "--refresh-interval", "1m",
            "--state-dir", state.toString(), "--jmx-password-file", logins.passwordFile().toString(),
            "--jmx-access-file", logins.accessFile().toString()}), MBeanServerFactory.newMBeanServer());
        url = agent.jmxAddress().toString();
        outside = Connection.open("test:///default", false);
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        if (outside != null) {
            outside.close();
        }
    }

    @Test
    void withTheStateDirectoryItLogsInAsAdminAndChanges() throws Exception {
        try (Domain test = TestLibvirt.lookupByName(outside, "test")) {
            Result r = Harness.run("--url", url, "--state-dir", state.toString(), "vcpupin", "test", "1", "3");
            assertEquals(0, r.code(), r::toString);
            assertEquals("3", test.vcpuPinInfo(2, 1).get(1).toCpuList(), "libvirt shows the pin");
            Harness.run("--url", url, "--state-dir", state.toString(), "vcpupin", "test", "1", "0-7");
        }
    }

    @Test
    void whenItCannotUseThemItSaysWhatToDo() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Result r = Harness.run("--url", url, "--state-dir", elsewhere.toString(), "vcpucount", "test");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.err().startsWith("error: cannot log in to " + url + " without a user name: ")
                && r.err().contains("The agent's generated logins cannot be used: "
                + elsewhere.resolve("jmxremote.password") + " does not exist")
                && r.err().contains("Run this as root or as the agent's user")
                && r.err().contains("give --user USER and --password-file FILE"), r.err());

        // Logins of another agent: said so, with the way out.
        GeneratedLogins.ensure(elsewhere.resolve("other"));
        Result other = Harness.run("--url", url, "--state-dir", elsewhere.resolve("other").toString(), "list");
        assertEquals(1, other.code(), other::toString);
        assertTrue(other.err().contains("as 'admin' with the generated login in "
                + elsewhere.resolve("other/jmxremote.password") + ": Authentication failed! Invalid username or password. "
                + "That agent has other logins"), other.err());
        assertTrue(Harness.run("--url", url, "--user", "admin", "--state-dir", state.toString(), "list").err()
                .contains("--state-dir is where the agent's generated logins are found: not with --user"));
    }
}
