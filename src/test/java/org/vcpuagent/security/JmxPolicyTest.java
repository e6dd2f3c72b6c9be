package org.vcpuagent.security;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.testsupport.JmxNames;
import org.vcpuagent.testsupport.TestDomain;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JMX policy of a real agent on the platform MBean server (so the JVM's own MBeans are there, as in
 * the agent's process), over RMI with the JDK's password and access files: a {@code readwrite} user cannot
 * write a file, run a diagnostic command, create an MBean or change the JVM's settings; each refusal names
 * its rule and has its audit line; the agent's beans and what the JDK's tools read and invoke still work.
 */
class JmxPolicyTest {

    static final ObjectName TEST = JmxNames.parse("libvirt.vcpu:type=Domain,name=test");
    static final ObjectName HOTSPOT = JmxNames.parse("com.sun.management:type=HotSpotDiagnostic");
    static final ObjectName DIAGNOSTIC = JmxNames.parse("com.sun.management:type=DiagnosticCommand");
    static final ObjectName LOGGING = JmxNames.parse("java.util.logging:type=Logging");
    static final ObjectName THREADING = JmxNames.parse(ManagementFactory.THREAD_MXBEAN_NAME);
    static final ObjectName MEMORY = JmxNames.parse(ManagementFactory.MEMORY_MXBEAN_NAME);
    static final String STRING = String.class.getName();

    private static TestAgent agent;
    private static MBeanServerConnection admin;
    private static MBeanServerConnection monitor;

    private AuditCapture audit;

    @BeforeAll
    static void start() throws Exception {
        agent = TestAgent.start("test:///default", "1m", ManagementFactory.getPlatformMBeanServer());
        admin = agent.admin();
        monitor = agent.monitor();
    }

    @AfterAll
    static void stop() throws Exception {
        agent.close();
    }

    @BeforeEach
    void captureAuditLines() {
        audit = new AuditCapture();
    }

    @AfterEach
    void restoreTheTestDomain() throws Exception {
        audit.close();
        TestDomain.restore(admin);
    }

    private List<Map<String, String>> lines() {
        return audit.lines();
    }

    private static SecurityException refused(String rule, ThrowingCall call) {
        SecurityException e = assertThrows(SecurityException.class, call::run);
        assertTrue(e.getMessage().startsWith("refused by JMX policy rule '" + rule + "': "), e::getMessage);
        return e;
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    private static void assertRefusedLine(Map<String, String> line, String principal, ObjectName mbean, String action,
                                          String request, String rule) {
        assertEquals(principal, line.get("principal"), line::toString);
        assertEquals(mbean.getCanonicalName(), line.get("mbean"), line::toString);
        assertEquals(action, line.get("action"), line::toString);
        assertEquals(request, line.get("request"), line::toString);
        assertTrue(line.get("outcome").startsWith("refused: refused by JMX policy rule '" + rule + "'"), line::toString);
    }

    @Test
    void aReadwriteUserCannotDumpTheHeapRunDiagnosticsOrCreateAnMBean(@TempDir Path dir) throws Exception {
        Path dump = dir.resolve("fresh.hprof");
        refused("agent-beans-only", () -> admin.invoke(HOTSPOT, "dumpHeap", new Object[] {dump.toString(), true},
                new String[] {STRING, "boolean"}));
        assertFalse(Files.exists(dump), "no heap dump was written");
        refused("agent-beans-only", () -> admin.invoke(DIAGNOSTIC, "help", new Object[] {new String[0]},
                new String[] {String[].class.getName()}));
        ObjectName mlet = JmxNames.parse("evil:type=MLet");
        refused("no-mbean-lifecycle", () -> admin.createMBean("javax.management.loading.MLet", mlet));
        assertFalse(admin.isRegistered(mlet));

        List<Map<String, String>> lines = lines();
        assertEquals(3, lines.size(), lines::toString);
        assertRefusedLine(lines.get(0), "admin", HOTSPOT, "invoke", "dumpHeap('" + dump + "', true)", "agent-beans-only");
        assertRefusedLine(lines.get(1), "admin", DIAGNOSTIC, "invoke", "help([])", "agent-beans-only");
        assertRefusedLine(lines.get(2), "admin", mlet, "create", "createMBean('javax.management.loading.MLet')",
                "no-mbean-lifecycle");
    }

    @Test
    void theJvmsSettingsCannotBeChangedByAnyone() throws Exception {
        ObjectName jfr = JmxNames.parse("jdk.management.jfr:type=FlightRecorder");
        for (MBeanServerConnection user : List.of(admin, monitor)) {
            refused("agent-beans-only", () -> user.invoke(HOTSPOT, "setVMOption",
                    new Object[] {"HeapDumpOnOutOfMemoryError", "true"}, new String[] {STRING, STRING}));
            refused("agent-beans-only", () -> user.invoke(LOGGING, "setLoggerLevel", new Object[] {"", "FINEST"},
                    new String[] {STRING, STRING}));
            refused("agent-beans-only", () -> user.setAttribute(THREADING,
                    new Attribute("ThreadContentionMonitoringEnabled", true)));
            refused("agent-beans-only", () -> user.setAttributes(MEMORY,
                    new AttributeList(List.of(new Attribute("Verbose", true)))));
            refused("agent-beans-only", () -> user.invoke(jfr, "newRecording", null, null));
            refused("no-mbean-lifecycle", () -> user.unregisterMBean(MEMORY));
        }
        assertFalse(ManagementFactory.getThreadMXBean().isThreadContentionMonitoringEnabled());
        assertFalse(ManagementFactory.getMemoryMXBean().isVerbose());
        assertEquals(12, lines().size(), () -> lines().toString());
        assertTrue(lines().stream().allMatch(l -> l.get("outcome").startsWith("refused: refused by JMX policy")));
    }

    @Test
    void theAgentsBeansStillWorkForTheReadwriteUserOnly() throws Exception {
        admin.invoke(TEST, "pinVcpu", new Object[] {0, "1-2"}, new String[] {"int", STRING});
        try (Connection outside = Connection.open("test:///default", true);
             Domain test = TestLibvirt.lookupByName(outside, "test")) {
            assertEquals("1-2", pinning(test, 0), "libvirt itself says vCPU 0 is pinned to 1-2");
        }
        admin.setAttribute(TEST, new Attribute("VcpuCount", 1));
        assertEquals(1, monitor.getAttribute(TEST, "VcpuCount"));
        assertThrows(SecurityException.class, () -> monitor.invoke(TEST, "pinVcpu", new Object[] {0, "3"},
                new String[] {"int", STRING}));
        List<Map<String, String>> lines = lines();
        assertEquals(3, lines.size(), lines::toString);
        assertEquals("ok", lines.get(0).get("outcome"));
        assertEquals("pinVcpu(0, '1-2')", lines.get(0).get("request"));
        assertTrue(lines.get(2).get("outcome").startsWith("refused: Access denied!"), lines.get(2)::toString);
    }

    /** What JConsole's Overview, Memory, Threads, Classes and VM Summary tabs and VisualVM's Monitor read. */
    @Test
    void everyUserReadsTheJvmsMBeansAsTheJdkToolsDo() throws Exception {
        List<String> names = List.of("java.lang:type=Runtime", "java.lang:type=Memory", "java.lang:type=Threading",
                "java.lang:type=OperatingSystem", "java.lang:type=ClassLoading", "java.lang:type=Compilation",
                "java.lang:type=GarbageCollector,*", "java.lang:type=MemoryPool,*");
        for (MBeanServerConnection user : List.of(admin, monitor)) {
            for (String pattern : names) {
                var found = user.queryNames(JmxNames.parse(pattern), null);
                assertFalse(found.isEmpty(), pattern);
                for (ObjectName name : found) {
                    String[] attributes = Arrays.stream(user.getMBeanInfo(name).getAttributes())
                            .map(MBeanAttributeInfo::getName).toArray(String[]::new);
                    AttributeList remote = user.getAttributes(name, attributes);
                    AttributeList local = ManagementFactory.getPlatformMBeanServer().getAttributes(name, attributes);
                    assertEquals(local.size(), remote.size(), name + ": every attribute the JVM gives is read");
                    assertTrue(remote.size() > 0, name::toString);
                }
            }
            assertTrue((Long) user.getAttribute(JmxNames.parse("java.lang:type=Runtime"), "Uptime") > 0);
        }
        assertTrue(lines().isEmpty(), () -> "reads leave no audit line: " + lines());
    }

    /** What JConsole's and VisualVM's Threads tabs and thread dumps invoke, through the MXBean proxies they use. */
    @Test
    void everyUserInvokesTheThreadOperationsOfTheJdkTools() throws Exception {
        for (MBeanServerConnection user : List.of(admin, monitor)) {
            com.sun.management.ThreadMXBean threads = ManagementFactory.newPlatformMXBeanProxy(user,
                    ManagementFactory.THREAD_MXBEAN_NAME, com.sun.management.ThreadMXBean.class);
            long[] ids = threads.getAllThreadIds();
            long me = Thread.currentThread().getId();
            assertTrue(ids.length > 3);
            assertEquals(ids.length, threads.getThreadInfo(ids).length);
            assertEquals(ids.length, threads.getThreadInfo(ids, Integer.MAX_VALUE).length);
            assertEquals(ids.length, threads.getThreadInfo(ids, true, true).length);
            ThreadInfo mine = threads.getThreadInfo(me, Integer.MAX_VALUE);
            assertEquals(Thread.currentThread().getName(), mine.getThreadName());
            assertEquals(Thread.currentThread().getName(), threads.getThreadInfo(me).getThreadName());
            assertTrue(threads.dumpAllThreads(true, true).length > 3);
            assertNull(threads.findDeadlockedThreads());
            assertNull(threads.findMonitorDeadlockedThreads());
            assertTrue(threads.getThreadCpuTime(me) > 0);
            assertEquals(ids.length, threads.getThreadCpuTime(ids).length);
            assertEquals(ids.length, threads.getThreadAllocatedBytes(ids).length);
            assertEquals(ids.length, threads.getThreadUserTime(ids).length);
        }
        assertTrue(lines().isEmpty(), () -> "read-only operations leave no audit line: " + lines());
    }

    @Test
    void thePerformGcButtonsWorkForTheReadwriteUserAndAreAudited() throws Exception {
        MemoryMXBean adminMemory = ManagementFactory.newPlatformMXBeanProxy(admin, ManagementFactory.MEMORY_MXBEAN_NAME,
                MemoryMXBean.class);
        adminMemory.gc();
        MemoryMXBean monitorMemory = ManagementFactory.newPlatformMXBeanProxy(monitor,
                ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
        assertThrows(SecurityException.class, monitorMemory::gc);
        List<Map<String, String>> lines = lines();
        assertEquals(2, lines.size(), lines::toString);
        assertEquals(List.of("admin", "gc()", "ok"), List.of(lines.get(0).get("principal"), lines.get(0).get("request"),
                lines.get(0).get("outcome")));
        assertTrue(lines.get(1).get("outcome").startsWith("refused: Access denied!"), lines.get(1)::toString);
    }

    /** Arguments of types no MBean of the agent and no JDK tool sends are refused before they are deserialized. */
    @Test
    void argumentsOfOtherTypesAreNotDeserialized() throws Exception {
        Function<Object, Exception> call = argument -> assertThrows(Exception.class, () -> admin.invoke(TEST, "pinVcpu",
                new Object[] {0, argument}, new String[] {"int", STRING}));
        Exception e = call.apply(new java.util.HashMap<>(Map.of("a", "b")));
        assertTrue(chain(e).contains("REJECTED") || chain(e).contains("filter"), () -> chain(e));
        Exception file = call.apply(new java.io.File("/etc/passwd"));
        assertTrue(chain(file).contains("REJECTED") || chain(file).contains("filter"), () -> chain(file));
        try (Connection outside = Connection.open("test:///default", true);
             Domain test = TestLibvirt.lookupByName(outside, "test")) {
            assertEquals("0-7", pinning(test, 0), "nothing changed");
        }
    }

    /** The configured pinning of a vCPU as libvirt reports it to the test's own connection (8 host CPUs). */
    static String pinning(Domain domain, int vcpu) {
        return domain.vcpuPinInfo(domain.maxVcpus(), 1).get(vcpu).toCpuList();
    }

    private static String chain(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            b.append(t).append(" | ");
        }
        return b.toString();
    }

    @Test
    void theDiagnosticsKeyGivesTheReadwriteUserTheJvmsMBeansButNeverCreatesMBeans() throws Exception {
        try (TestAgent open = TestAgent.start("test:///default", "1m", javax.management.MBeanServerFactory.newMBeanServer(),
                "--jmx-jvm-diagnostics", "true")) {
            // Its own MBean server has no JVM beans: the delegate stands for them.
            ObjectName delegate = JmxNames.parse("JMImplementation:type=MBeanServerDelegate");
            Exception notWritable = assertThrows(Exception.class, () -> open.admin().setAttribute(delegate,
                    new Attribute("ImplementationName", "x")));
            assertFalse(notWritable instanceof SecurityException, "the policy lets it through: " + notWritable);
            refused("no-mbean-lifecycle", () -> open.admin().createMBean("javax.management.loading.MLet",
                    JmxNames.parse("evil:type=MLet")));
            assertThrows(SecurityException.class, () -> open.monitor().setAttribute(delegate,
                    new Attribute("ImplementationName", "x")), "the access file still holds");
        }
    }
}
