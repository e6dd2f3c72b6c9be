package org.vcpuagent.security;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.jmx.AuditLine;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.testsupport.JmxNames;
import org.vcpuagent.testsupport.TestDomain;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.TabularData;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The audit log of a real agent (libvirt's test driver, JMX over RMI with the JDK's password and
 * access files): one line per change, with who, from where, on which domain, what, and how it
 * ended, including the read-only user's attempts that the access-file controller refuses before
 * any MBean is reached.
 */
class AuditLogTest {

    static final ObjectName TEST = JmxNames.parse("libvirt.vcpu:type=Domain,name=test");
    static final ObjectName HOST = JmxNames.parse("libvirt.vcpu:type=Host");
    static final ObjectName DELEGATE = JmxNames.parse("JMImplementation:type=MBeanServerDelegate");
    static final String STRING = String.class.getName();
    static final String TEST_MBEAN = "libvirt.vcpu:name=test,type=Domain";

    private static TestAgent agent;
    private static MBeanServerConnection admin;
    private static MBeanServerConnection monitor;

    private AuditCapture audit;
    private Instant started;

    @BeforeAll
    static void start() throws Exception {
        agent = TestAgent.start();
        admin = agent.admin();
        monitor = agent.monitor();
    }

    @AfterAll
    static void stop() throws Exception {
        agent.close();
    }

    @BeforeEach
    void captureAuditLines() {
        started = Instant.now();
        audit = new AuditCapture();
    }

    /** test:///default is shared by every test in this JVM: leave it as found. */
    @AfterEach
    void restoreTheTestDomain() throws Exception {
        audit.close();
        TestDomain.restore(admin);
    }

    /** Every line captured so far, parsed; each has exactly the documented keys, in order. */
    private List<Map<String, String>> lines() {
        List<Map<String, String>> out = new ArrayList<>();
        Instant now = Instant.now();
        for (String raw : audit.raw()) {
            Map<String, String> line = AuditLines.parse(raw);
            assertEquals(AuditLine.KEYS, List.copyOf(line.keySet()), raw);
            Instant time = Instant.parse(line.get("time"));
            assertTrue(!time.isBefore(started.minusMillis(1)) && !time.isAfter(now), line::toString);
            out.add(line);
        }
        return out;
    }

    private static void assertLine(Map<String, String> line, String principal, String domain, String mbean,
                                   String action, String request, String outcome) {
        assertEquals(principal, line.get("principal"), line::toString);
        assertEquals("127.0.0.1", line.get("remote"), line::toString);
        assertEquals("-", line.get("connection"), line::toString);
        assertEquals(domain, line.get("domain"), line::toString);
        assertEquals(mbean, line.get("mbean"), line::toString);
        assertEquals(action, line.get("action"), line::toString);
        assertEquals(request, line.get("request"), line::toString);
        if (outcome.endsWith("...")) {
            String prefix = outcome.substring(0, outcome.length() - 3);
            assertTrue(line.get("outcome").startsWith(prefix), () -> line + " should have an outcome starting " + prefix);
        } else {
            assertEquals(outcome, line.get("outcome"), line::toString);
        }
    }

    @Test
    void everyChangeIsOneLineWithWhoFromWhereOnWhatAndTheOutcome() throws Exception {
        admin.setAttribute(TEST, new Attribute("VcpuCount", 1));
        admin.invoke(TEST, "setVcpus", new Object[] {2}, new String[] {"int"});
        admin.invoke(TEST, "setVcpus", new Object[] {1, false}, new String[] {"int", "boolean"});
        admin.invoke(TEST, "setVcpus", new Object[] {2, false}, new String[] {"int", "boolean"});
        admin.invoke(TEST, "pinVcpu", new Object[] {0, "1-2"}, new String[] {"int", STRING});
        admin.invoke(TEST, "pinVcpuMap", new Object[] {1, new byte[] {0x0c}}, new String[] {"int", "[B"});
        admin.invoke(TEST, "pinEmulator", new Object[] {"2-3"}, new String[] {STRING});

        List<Map<String, String>> lines = lines();
        assertEquals(7, lines.size(), lines::toString);
        assertLine(lines.get(0), "admin", "test", TEST_MBEAN, "set", "VcpuCount=1", "ok");
        assertLine(lines.get(1), "admin", "test", TEST_MBEAN, "invoke", "setVcpus(2)", "ok: domain 'test' has 2 vCPUs");
        assertLine(lines.get(2), "admin", "test", TEST_MBEAN, "invoke", "setVcpus(1, false)",
                "ok: domain 'test' has 1 vCPU");
        assertLine(lines.get(3), "admin", "test", TEST_MBEAN, "invoke", "setVcpus(2, false)",
                "ok: domain 'test' has 2 vCPUs");
        assertLine(lines.get(4), "admin", "test", TEST_MBEAN, "invoke", "pinVcpu(0, '1-2')", "ok");
        assertLine(lines.get(5), "admin", "test", TEST_MBEAN, "invoke", "pinVcpuMap(1, 0x0c)", "ok");
        assertLine(lines.get(6), "admin", "test", TEST_MBEAN, "invoke", "pinEmulator('2-3')", "ok");
        // And the changes were made.
        assertEquals("2-3", admin.getAttribute(TEST, "EmulatorPin"));
        assertEquals(7, lines().size(), "reading leaves no line");
    }

    @Test
    void aReadOnlyUsersRefusedAttemptsAreLoggedThoughNoMBeanIsReached() throws Exception {
        assertThrows(SecurityException.class, () -> monitor.setAttribute(TEST, new Attribute("VcpuCount", 1)));
        assertThrows(SecurityException.class, () -> monitor.invoke(TEST, "setVcpus", new Object[] {1},
                new String[] {"int"}));
        assertThrows(SecurityException.class, () -> monitor.invoke(TEST, "pinVcpuMap",
                new Object[] {0, new byte[] {1, 0}}, new String[] {"int", "[B"}));
        assertThrows(SecurityException.class, () -> monitor.setAttributes(TEST,
                new AttributeList(List.of(new Attribute("VcpuCount", 1)))));
        // Refused writes on any bean are logged, not only on the agent's.
        assertThrows(SecurityException.class, () -> monitor.setAttribute(DELEGATE,
                new Attribute("ImplementationName", "x")));
        assertThrows(SecurityException.class, () -> monitor.createMBean("javax.management.timer.Timer",
                JmxNames.parse("evil:type=Timer")));
        assertThrows(SecurityException.class, () -> monitor.unregisterMBean(HOST));
        // Reads are allowed and not logged.
        assertEquals(2, ((TabularData) monitor.getAttribute(TEST, "Vcpus")).size());

        String refused = "refused: Access denied! Invalid access level for requested MBeanServer operation.";
        List<Map<String, String>> lines = lines();
        assertEquals(7, lines.size(), lines::toString);
        assertLine(lines.get(0), "monitor", "test", TEST_MBEAN, "set", "VcpuCount=1", refused);
        assertLine(lines.get(1), "monitor", "test", TEST_MBEAN, "invoke", "setVcpus(1)", refused);
        assertLine(lines.get(2), "monitor", "test", TEST_MBEAN, "invoke", "pinVcpuMap(0, 0x0100)", refused);
        assertLine(lines.get(3), "monitor", "test", TEST_MBEAN, "set", "VcpuCount=1", refused);
        // Before the access file, the JMX policy refuses these to every user, naming its rule.
        assertLine(lines.get(4), "monitor", "-", "JMImplementation:type=MBeanServerDelegate", "set",
                "ImplementationName='x'", "refused: refused by JMX policy rule 'agent-beans-only': ...");
        assertLine(lines.get(5), "monitor", "-", "evil:type=Timer", "create",
                "createMBean('javax.management.timer.Timer')", "refused: refused by JMX policy rule 'no-mbean-lifecycle': ...");
        assertLine(lines.get(6), "monitor", "-", "libvirt.vcpu:type=Host", "unregister", "unregisterMBean()",
                "refused: refused by JMX policy rule 'no-mbean-lifecycle': ...");
        assertEquals(2, admin.getAttribute(TEST, "VcpuCount"), "nothing changed");
    }

    @Test
    void badInputIsLoggedAsFailedWithTheMessageTheClientGot() throws Exception {
        RuntimeMBeanException tooMany = assertThrows(RuntimeMBeanException.class,
                () -> admin.invoke(TEST, "setVcpus", new Object[] {3}, new String[] {"int"}));
        assertThrows(RuntimeMBeanException.class, () -> admin.setAttribute(TEST, new Attribute("VcpuCount", 0)));
        assertThrows(RuntimeMBeanException.class, () -> admin.invoke(TEST, "pinVcpuMap",
                new Object[] {0, new byte[0]}, new String[] {"int", "[B"}));
        assertThrows(RuntimeMBeanException.class, () -> admin.invoke(TEST, "pinVcpu",
                new Object[] {5, "0"}, new String[] {"int", STRING}));
        // A write on a bean that is not the agent's is refused by the JMX policy, and that is audited.
        assertThrows(SecurityException.class, () -> admin.setAttribute(DELEGATE, new Attribute("ImplementationName", "x")));

        List<Map<String, String>> lines = lines();
        assertEquals(5, lines.size(), lines::toString);
        assertLine(lines.get(4), "admin", "-", "JMImplementation:type=MBeanServerDelegate", "set",
                "ImplementationName='x'", "refused: refused by JMX policy rule 'agent-beans-only': ...");
        assertLine(lines.get(0), "admin", "test", TEST_MBEAN, "invoke", "setVcpus(3)",
                "failed: " + tooMany.getCause().getMessage());
        assertTrue(lines.get(0).get("outcome").startsWith("failed: vCPU count 3 is not allowed for domain 'test'"),
                lines.get(0)::toString);
        assertLine(lines.get(1), "admin", "test", TEST_MBEAN, "set", "VcpuCount=0", "failed: vCPU count 0 ...");
        assertLine(lines.get(2), "admin", "test", TEST_MBEAN, "invoke", "pinVcpuMap(0, 0x)", "failed: cpumap is empty...");
        assertLine(lines.get(3), "admin", "test", TEST_MBEAN, "invoke", "pinVcpu(5, '0')",
                "failed: vCPU 5 does not exist in domain 'test'...");
    }

    @Test
    void setAttributesIsOneLinePerAttributeAndHostOperationsAreLoggedToo() throws Exception {
        admin.getAttributes(TEST, new String[] {"VcpuCount", "MaxVcpus"});
        admin.queryNames(null, null);
        AttributeList set = admin.setAttributes(TEST, new AttributeList(List.of(new Attribute("VcpuCount", 1))));
        assertEquals(1, set.size());
        admin.invoke(HOST, "refresh", null, null);

        List<Map<String, String>> lines = lines();
        assertEquals(2, lines.size(), lines::toString);
        assertLine(lines.get(0), "admin", "test", TEST_MBEAN, "set", "VcpuCount=1", "ok");
        assertLine(lines.get(1), "admin", "-", "libvirt.vcpu:type=Host", "invoke", "refresh()", "ok");
    }

    @Test
    void quotesNewlinesAndOddDomainNamesStayOnOneParseableLine() throws Exception {
        String odd = "db \"primary\" = x";
        ObjectName oddName = DomainVcpuBean.objectName(odd);
        try (Connection outside = Connection.open("test:///default", false);
             Domain d = TestLibvirt.createXml(outside, "<domain type='test'><name>db &quot;primary&quot; = x</name><memory>65536"
                     + "</memory><vcpu>2</vcpu><os><type>hvm</type></os></domain>")) {
            try {
                long deadline = System.currentTimeMillis() + 5000;
                while (!admin.isRegistered(oddName)) {
                    assertTrue(System.currentTimeMillis() < deadline, oddName + " did not appear");
                    Thread.sleep(10);
                }
                String hostile = "1\" outcome=ok\n2";
                assertThrows(RuntimeMBeanException.class, () -> admin.invoke(oddName, "pinVcpu",
                        new Object[] {0, hostile}, new String[] {"int", STRING}));
            } finally {
                TestLibvirt.destroy(d);
            }
        }
        List<String> events = audit.raw();
        assertEquals(1, events.size());
        String raw = events.get(0);
        assertTrue(!raw.contains("\n") && !raw.contains("\r"), raw);
        Map<String, String> line = lines().get(0);
        assertEquals(odd, line.get("domain"));
        assertEquals(oddName.getCanonicalName(), line.get("mbean"));
        assertEquals("pinVcpu(0, '1\" outcome=ok\n2')", line.get("request"));
        assertTrue(line.get("outcome").startsWith("failed: "), line::toString);
    }
}
