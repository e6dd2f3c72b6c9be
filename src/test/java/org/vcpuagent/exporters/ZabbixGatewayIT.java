package org.vcpuagent.exporters;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vcpuagent.testsupport.AgentProcess;
import org.vcpuagent.testsupport.JmxAwait;
import org.vcpuagent.testsupport.JmxNames;
import org.vcpuagent.testsupport.Json;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * config/zabbix_template_vcpu_agent.yaml against the real Zabbix 6.0 Java gateway (Debian zabbix-java-gateway),
 * started here on a free port, and an agent on a test-driver node of two domains (one whose name an ObjectName
 * quotes): the template's discovery rules find every domain and every vCPU, and each of its items, asked for
 * as the Zabbix server asks, has the value JMX gives.
 */
class ZabbixGatewayIT {

    private static final Path TEMPLATE = Path.of("config/zabbix_template_vcpu_agent.yaml");
    private static final Pattern KEY = Pattern.compile("^\\s*key: '(.*)'\\s*$");
    private static final Pattern ATTRIBUTE = Pattern.compile("^jmx\\[\"\\{#JMXOBJ}\",(\\w+)]$");

    @TempDir
    static Path dir;
    private static AgentProcess agent;
    private static MBeanServerConnection jmx;
    private static int jmxPort;
    private static ZabbixJavaGateway gateway;
    /** The template's keys: host items under "", each discovery rule's item prototypes under its key. */
    private static Map<String, List<String>> template;

    @BeforeAll
    static void start() throws Exception {
        Path node = dir.resolve("node.xml");
        Files.writeString(node, "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>2</threads>"
                + "<active>8</active><mhz>2000</mhz><model>i686</model></cpu><memory>8388608</memory>"
                + domain("web", 4, 4) + domain("my vm", 2, 4) + "</node>");
        jmxPort = AgentProcess.freePort();
        agent = AgentProcess.viaLauncher("--jmx-insecure", "true", "--jmx-port", String.valueOf(jmxPort),
                "--uri", "test://" + node);
        jmx = agent.jmx();
        JmxAwait.registered(jmx, JmxNames.parse("libvirt.vcpu:type=Vcpu,name=\"my vm\",vcpu=1"), true, Duration.ofSeconds(10));
        gateway = ZabbixJavaGateway.start(dir);
        template = templateKeys();
    }

    private static String domain(String name, int current, int max) {
        return "<domain type='test'><name>" + name + "</name><memory>65536</memory><vcpu current='" + current + "'>" + max
                + "</vcpu><os><type>hvm</type></os></domain>";
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (agent != null) {
            agent.close();
        }
    }

    private static Map<String, List<String>> templateKeys() throws IOException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        String rule = "";
        keys.put(rule, new ArrayList<>());
        for (String line : Files.readAllLines(TEMPLATE)) {
            Matcher m = KEY.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String key = m.group(1);
            if (key.startsWith("jmx.discovery[")) {
                rule = key;
                keys.put(rule, new ArrayList<>());
            } else {
                keys.get(rule).add(key);
            }
        }
        return keys;
    }

    private static List<ZabbixJavaGateway.Answer> ask(List<String> keys) throws IOException {
        List<ZabbixJavaGateway.Answer> a = gateway.ask(jmxPort, "", "", keys);
        assertEquals(keys.size(), a.size());
        return a;
    }

    /** The discovery rule's answer: one map of LLD macros per bean. */
    private static List<Map<String, Object>> discover(String rule) throws IOException {
        String value = ask(List.of(rule)).get(0).require();
        return Json.list(Json.object(Json.parse(value), "discovery").get("data"), "data").stream()
                .map(o -> Json.object(o, "a discovered bean")).toList();
    }

    private static String rule(String pattern) {
        return template.keySet().stream().filter(k -> k.contains(pattern)).findFirst()
                .orElseThrow(() -> new AssertionError("the template has no discovery rule for " + pattern));
    }

    @Test
    void discoveryFindsEveryVcpuAndEveryDomain() throws Exception {
        List<Map<String, Object>> vcpus = discover(rule("type=Vcpu"));
        Set<String> fromJmx = jmx.queryNames(JmxNames.parse("libvirt.vcpu:type=Vcpu,*"), null).stream()
                .map(ObjectName::getCanonicalName).collect(Collectors.toSet());
        assertEquals(6, fromJmx.size(), "4 vCPUs of web and 2 of my vm");
        assertEquals(fromJmx, vcpus.stream().map(v -> JmxNames.parse((String) v.get("{#JMXOBJ}")).getCanonicalName())
                .collect(Collectors.toSet()));
        for (Map<String, Object> v : vcpus) {
            ObjectName n = JmxNames.parse((String) v.get("{#JMXOBJ}"));
            assertEquals(n.getKeyProperty("vcpu"), v.get("{#JMXVCPU}"));
            assertEquals(n.getKeyProperty("name"), v.get("{#JMXNAME}"));
        }
        List<Map<String, Object>> domains = discover(rule("type=Domain"));
        assertEquals(Set.of("web", "\"my vm\""), domains.stream().map(d -> d.get("{#JMXNAME}")).collect(Collectors.toSet()));
    }

    @Test
    void everyVcpuItemAgreesWithJmx() throws Exception {
        String rule = rule("type=Vcpu");
        List<String> prototypes = template.get(rule);
        assertTrue(prototypes.size() >= 6, "item prototypes: " + prototypes);
        List<ObjectName> beans = discover(rule).stream().map(v -> JmxNames.parse((String) v.get("{#JMXOBJ}"))).toList();
        List<String> keys = new ArrayList<>();
        List<Object[]> before = new ArrayList<>();
        for (ObjectName bean : beans) {
            for (String p : prototypes) {
                keys.add(substitute(p, bean));
                before.add(new Object[] {bean, attribute(p), jmx.getAttribute(bean, attribute(p))});
            }
        }
        List<ZabbixJavaGateway.Answer> answers = ask(keys);
        for (int i = 0; i < keys.size(); i++) {
            ObjectName bean = (ObjectName) before.get(i)[0];
            String attribute = (String) before.get(i)[1];
            Object after = jmx.getAttribute(bean, attribute);
            agrees(keys.get(i), before.get(i)[2], answers.get(i).require(), after);
        }
    }

    @Test
    void everyDomainAndHostItemAgreesWithJmx() throws Exception {
        String rule = rule("type=Domain");
        for (Map<String, Object> d : discover(rule)) {
            ObjectName bean = JmxNames.parse((String) d.get("{#JMXOBJ}"));
            for (String p : template.get(rule)) {
                Object before = jmx.getAttribute(bean, attribute(p));
                String value = ask(List.of(substitute(p, bean))).get(0).require();
                agrees(p, before, value, jmx.getAttribute(bean, attribute(p)));
            }
        }
        ObjectName host = JmxNames.parse("libvirt.vcpu:type=Host");
        for (String key : template.get("")) {
            Matcher m = Pattern.compile("^jmx\\[\"libvirt\\.vcpu:type=Host\",(\\w+)]$").matcher(key);
            assertTrue(m.matches(), key);
            assertEquals(String.valueOf(jmx.getAttribute(host, m.group(1))), ask(List.of(key)).get(0).require(), key);
        }
    }

    /**
     * The template's {$VCPU_AGENT.USER} and {$VCPU_AGENT.PASSWORD} against an agent that asks for a login (its
     * generated ones): the read-only monitor login discovers and reads; a wrong password or none gets the
     * gateway's error, never a value.
     */
    @Test
    void theMonitorLoginReadsAndAWrongOneIsRefused() throws Exception {
        int port = AgentProcess.freePort();
        try (AgentProcess secured = AgentProcess.viaLauncher("--jmx-port", String.valueOf(port))) {
            String password = AgentProcess.password(secured.stateDir.resolve("jmxremote.password"), "monitor");
            String vcpus = rule("type=Vcpu");
            List<ZabbixJavaGateway.Answer> ok = gateway.ask(port, "monitor", password,
                    List.of(vcpus, "jmx[\"libvirt.vcpu:type=Host\",DomainCount]",
                            "jmx[\"libvirt.vcpu:type=Vcpu,name=test,vcpu=1\",StateCode]"));
            List<Map<String, Object>> found = Json.list(Json.object(Json.parse(ok.get(0).require()), "discovery")
                    .get("data"), "data").stream().map(o -> Json.object(o, "a discovered bean")).toList();
            assertEquals(Set.of("0", "1"), found.stream().map(v -> v.get("{#JMXVCPU}")).collect(Collectors.toSet()));
            assertEquals("1", ok.get(1).require());
            assertEquals("1", ok.get(2).require());
            for (String[] login : List.of(new String[] {"monitor", password + "x"}, new String[] {"", ""})) {
                List<ZabbixJavaGateway.Answer> refused = gateway.ask(port, login[0], login[1],
                        List.of("jmx[\"libvirt.vcpu:type=Host\",DomainCount]"));
                assertEquals(1, refused.size());
                assertTrue(refused.get(0).value() == null && refused.get(0).error() != null,
                        "user '" + login[0] + "': " + refused.get(0));
            }
        }
    }

    /** What the server sends: the LLD macro replaced, with the quotes inside a quoted parameter escaped. */
    private static String substitute(String prototype, ObjectName bean) {
        return prototype.replace("{#JMXOBJ}", bean.toString().replace("\"", "\\\""));
    }

    private static String attribute(String prototype) {
        Matcher m = ATTRIBUTE.matcher(prototype);
        assertTrue(m.matches(), "an item prototype that is not jmx[\"{#JMXOBJ}\",Attribute]: " + prototype);
        return m.group(1);
    }

    /**
     * The gateway's text against JMX's values read just before and after it: equal for what stays, between them
     * for a counter, one of them for a figure that changes with each snapshot, and a snapshot's age in range.
     */
    private static void agrees(String key, Object before, String gateway, Object after) {
        if (key.endsWith(",StatsAgeMillis]")) {
            long age = Long.parseLong(gateway);
            assertTrue(age >= 0 && age <= Math.max((Long) before, (Long) after) + 2000, key + " = " + age);
        } else if (before instanceof Long b && after instanceof Long a && !b.equals(a)) {
            long v = Long.parseLong(gateway);
            assertTrue(Math.min(a, b) <= v && v <= Math.max(a, b), key + " = " + v + ", JMX " + b + " then " + a);
        } else if (before instanceof Double b) {
            assertTrue(gateway.equals(String.valueOf(b)) || gateway.equals(String.valueOf(after)),
                    key + " = " + gateway + ", JMX " + b + " then " + after);
        } else {
            assertEquals(String.valueOf(before), gateway, key);
            assertEquals(before, after, key + " changed while it was read");
        }
    }
}
