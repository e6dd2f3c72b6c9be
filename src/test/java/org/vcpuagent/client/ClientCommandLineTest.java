package org.vcpuagent.client;

import org.junit.jupiter.api.Test;

import javax.management.remote.JMXServiceURL;
import java.net.MalformedURLException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line and the address shortcut, without any agent. */
class ClientCommandLineTest {

    @Test
    void defaultsAndOptionsAnywhere() throws UsageException {
        CommandLine cl = CommandLine.parse(new String[] {"vcpucount", "test"});
        assertEquals(VcpuAgentClient.DEFAULT_URL, cl.url);
        assertNull(cl.user);
        assertFalse(cl.json);
        assertEquals(Verb.VCPUCOUNT, cl.verb);
        assertEquals("test", cl.domain());

        cl = CommandLine.parse(new String[] {"setvcpus", "--json", "web", "--url", "service:jmx:rmi:///jndi/rmi://h:1/x",
            "3", "--config", "--user=u", "--password-file", "/p"});
        assertTrue(cl.json);
        assertTrue(cl.config);
        assertEquals("u", cl.user);
        assertEquals("/p", cl.passwordFile.toString());
        assertEquals("service:jmx:rmi:///jndi/rmi://h:1/x", cl.url);
        assertEquals(List.of("web", "3"), cl.args);
        assertEquals(3, cl.number(1));
    }

    @Test
    void connectionAndTlsOptions() throws UsageException {
        CommandLine cl = CommandLine.parse(new String[] {"vcpupin", "web", "--connection", "lab", "--tls",
            "--truststore", "/t.p12", "--truststore-password-file=/t.pass", "--keystore", "/k.p12",
            "--keystore-password-file", "/k.pass"});
        assertEquals("lab", cl.connection);
        assertTrue(cl.tls);
        assertEquals("/t.p12", cl.trustStore.toString());
        assertEquals("/t.pass", cl.trustStorePasswordFile.toString());
        assertEquals("/k.p12", cl.keyStore.toString());
        assertEquals("/k.pass", cl.keyStorePasswordFile.toString());
        cl = CommandLine.parse(new String[] {"--tls", "list"});
        assertTrue(cl.tls);
        assertNull(cl.trustStore);
        assertNull(cl.connection);
    }

    @Test
    void tlsFilesNeedTlsAndPasswordFilesNeedTheirStore() {
        for (String option : List.of("--truststore", "--keystore", "--truststore-password-file",
                "--keystore-password-file")) {
            assertEquals(option + " is for TLS: give --tls too", assertThrows(UsageException.class,
                    () -> CommandLine.parse(new String[] {option, "/f", "list"})).getMessage());
        }
        assertEquals("--truststore-password-file needs --truststore", assertThrows(UsageException.class,
                () -> CommandLine.parse(new String[] {"--tls", "--truststore-password-file", "/f", "list"})).getMessage());
        assertEquals("--keystore-password-file needs --keystore", assertThrows(UsageException.class,
                () -> CommandLine.parse(new String[] {"--tls", "--keystore-password-file", "/f", "list"})).getMessage());
        assertEquals("--tls takes no value", assertThrows(UsageException.class,
                () -> CommandLine.parse(new String[] {"--tls=yes", "list"})).getMessage());
        assertEquals("--connection needs a value", assertThrows(UsageException.class,
                () -> CommandLine.parse(new String[] {"list", "--connection"})).getMessage());
    }

    @Test
    void negativeNumbersAreArgumentsForTheAgentToJudge() throws UsageException {
        assertEquals(-1, CommandLine.parse(new String[] {"setvcpus", "test", "-1"}).number(1));
    }

    @Test
    void vcpupinTakesOneToThreeArguments() throws UsageException {
        assertNull(CommandLine.parse(new String[] {"vcpupin", "d"}).optional(1));
        assertEquals("0-3,^2", CommandLine.parse(new String[] {"vcpupin", "d", "1", "0-3,^2"}).optional(2));
        assertThrows(UsageException.class, () -> CommandLine.parse(new String[] {"vcpupin", "d", "1", "2", "3"}));
    }

    @Test
    void placementVerbsTakeTheirArgumentsAndConfigOnlyWhereItChangesSomething() throws UsageException {
        CommandLine cl = CommandLine.parse(new String[] {"placement", "web", "dedicated,isolate", "--apply", "--config"});
        assertEquals(Verb.PLACEMENT, cl.verb);
        assertTrue(cl.apply);
        assertTrue(cl.config);
        assertEquals("dedicated,isolate", cl.args.get(1));
        assertFalse(CommandLine.parse(new String[] {"placement", "web", "shared"}).apply);
        assertTrue(CommandLine.parse(new String[] {"vcpupin", "web", "0", "2", "--config"}).config);
        assertTrue(CommandLine.parse(new String[] {"emulatorpin", "--config", "web", "2"}).config);
        assertEquals(3, CommandLine.parse(new String[] {"iothreadpin", "web", "3", "0-1"}).number(1));
        assertEquals(Verb.IOTHREADINFO, CommandLine.parse(new String[] {"iothreadinfo", "web"}).verb);
        assertEquals(Verb.NUMATUNE, CommandLine.parse(new String[] {"numatune", "web"}).verb);
        for (String[] bad : new String[][] {{"placement", "web", "dedicated", "--config"}, {"vcpupin", "web", "--config"},
            {"emulatorpin", "web", "--config"}, {"iothreadpin", "web", "1", "2", "--config"}, {"list", "--apply"},
            {"iothreadpin", "web", "x", "1"}, {"iothreadpin", "web", "1"}, {"placement", "web"},
            {"numatune", "web", "extra"}, {"--apply=yes", "placement", "web", "shared"}}) {
            assertThrows(UsageException.class, () -> CommandLine.parse(bad), String.join(" ", bad));
        }
    }

    @Test
    void flagsTakeNoValueAndValuesAreNotEmpty() {
        assertEquals("--json takes no value", assertThrows(UsageException.class,
                () -> CommandLine.parse(new String[] {"--json=yes", "list"})).getMessage());
        assertEquals("--user needs a value", assertThrows(UsageException.class,
                () -> CommandLine.parse(new String[] {"--user=", "list"})).getMessage());
        assertEquals("list: --pretty is only for vcpuinfo", assertThrows(UsageException.class,
                () -> CommandLine.parse(new String[] {"list", "--pretty"})).getMessage());
        assertEquals("unknown option '-x'", assertThrows(UsageException.class,
                () -> CommandLine.parse(new String[] {"-x", "list"})).getMessage());
    }

    @Test
    void usageNamesEveryVerb() {
        for (Verb v : Verb.values()) {
            assertTrue(CommandLine.usage().contains("\n  " + v.synopsis() + "\n"), v.word);
        }
        assertTrue(CommandLine.help().startsWith(CommandLine.usage()));
    }

    @Test
    void errorsStayOnOneLine() {
        assertEquals("libvirt said: no such thing", ClientMain.oneLine("libvirt said:\n  no such thing\n"));
        assertEquals("a b c", ClientMain.oneLine("a\r\nb \n c"));
    }

    @Test
    void theUsualAddressIsReachedThroughTheRegistryDirectly() throws MalformedURLException {
        RmiRegistryAddress a = RmiRegistryAddress.of(new JMXServiceURL(VcpuAgentClient.DEFAULT_URL));
        assertEquals("127.0.0.1", a.host);
        assertEquals(9875, a.port);
        assertEquals("jmxrmi", a.name);
        RmiRegistryAddress named = RmiRegistryAddress.of(new JMXServiceURL(
                "service:jmx:rmi:///jndi/rmi://agent.example:19875/vcpu"));
        assertEquals("agent.example", named.host);
        assertEquals(19875, named.port);
        assertEquals("vcpu", named.name);
        for (String other : List.of("service:jmx:rmi://h/jndi/rmi://a:1/jmxrmi", "service:jmx:rmi:///jndi/ldap://a:1/x",
                "service:jmx:rmi:///jndi/rmi://a/jmxrmi", "service:jmx:rmi:///jndi/rmi://a:1/", "service:jmx:rmi:///stub/rO0",
                "service:jmx:jmxmp://a:1")) {
            assertNull(RmiRegistryAddress.of(new JMXServiceURL(other)), other);
        }
    }
}
