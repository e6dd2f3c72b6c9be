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
