package org.vcpuagent.agent;

import org.vcpuagent.libvirt.TestLibvirt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.jmx.Notifications;
import org.vcpuagent.testsupport.JmxNames;
import org.vcpuagent.testsupport.NotificationRecorder;
import org.vcpuagent.testsupport.TestDomain;

import javax.management.Attribute;
import javax.management.AttributeChangeNotification;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent on libvirt's test driver, driven by a real JMX client over RMI with real password and
 * access files: the three actions of the original request, notifications, and the roles.
 */
class EndToEndTest {

    static final ObjectName TEST = JmxNames.parse("libvirt.vcpu:type=Domain,name=test");
    static final ObjectName HOST = JmxNames.parse("libvirt.vcpu:type=Host");

    private static TestAgent agent;
    private static MBeanServerConnection admin;

    @BeforeAll
    static void start() throws Exception {
        agent = TestAgent.start();
        admin = agent.admin();
    }

    @AfterAll
    static void stop() throws Exception {
        agent.close();
    }

    /** test:///default is shared by every connection in this process: leave it as found. */
    @AfterEach
    void restoreTheTestDomain() throws Exception {
        TestDomain.restore(admin);
    }

    static CompositeData row(TabularData vcpus, int number) {
        return vcpus.get(new Object[] {number});
    }

    @Test
    void readsVcpusAsATableKeyedByVcpuNumber() throws Exception {
        TabularData vcpus = (TabularData) admin.getAttribute(TEST, "Vcpus");
        assertEquals(2, vcpus.size());
        CompositeData v0 = row(vcpus, 0);
        assertEquals(0, v0.get("number"));
        assertEquals("running", v0.get("state"));
        assertTrue((Long) v0.get("cpuTime") > 0);
        assertEquals("0-7", v0.get("affinity"));
        assertArrayEquals(new byte[] {(byte) 0xff}, (byte[]) v0.get("cpumap"));
        assertEquals("getVcpus", v0.get("source"));
        assertEquals("libvirt", admin.getAttribute(TEST, "DataSource"));
        assertEquals("none", admin.getAttribute(TEST, "UnplugStatus"));
        assertEquals("test", admin.getAttribute(TEST, "Name"));
        assertEquals("6695eb01-f6a4-8304-79aa-97f2502e193f", admin.getAttribute(TEST, "Uuid"));
        assertEquals("running", admin.getAttribute(TEST, "State"));
        assertEquals(2, admin.getAttribute(TEST, "MaxVcpus"));
    }

    @Test
    void writingVcpuCountChangesTheDomainAndVcpus() throws Exception {
        admin.setAttribute(TEST, new Attribute("VcpuCount", 1));
        assertEquals(1, admin.getAttribute(TEST, "VcpuCount"));
        assertEquals(1, ((TabularData) admin.getAttribute(TEST, "Vcpus")).size());
        try (var check = org.vcpuagent.libvirt.Connection.open("test:///default", true);
             var d = TestLibvirt.lookupByName(check, "test")) {
            assertEquals(1, d.vcpuCount(), "libvirt itself, asked on another connection, agrees");
        }
        admin.setAttribute(TEST, new Attribute("VcpuCount", 2));
        assertEquals(2, admin.getAttribute(TEST, "VcpuCount"));
        assertEquals(2, ((TabularData) admin.getAttribute(TEST, "Vcpus")).size());
    }

    @Test
    void setVcpusOperationChangesTheCount() throws Exception {
        assertEquals("domain 'test' has 1 vCPU", admin.invoke(TEST, "setVcpus", new Object[] {1}, new String[] {"int"}));
        assertEquals(1, admin.getAttribute(TEST, "VcpuCount"));
    }

    @Test
    void pinsAVcpuWithCpulistText() throws Exception {
        admin.invoke(TEST, "pinVcpu", new Object[] {0, "1"}, new String[] {"int", String.class.getName()});
        CompositeData v0 = row((TabularData) admin.getAttribute(TEST, "Vcpus"), 0);
        assertEquals("1", v0.get("affinity"));
        assertEquals(1, v0.get("cpu"));
        byte[] cpumap = (byte[]) v0.get("cpumap");
        assertEquals(2, cpumap[0]);
        for (int i = 1; i < cpumap.length; i++) {
            assertEquals(0, cpumap[i]);
        }
        @SuppressWarnings("unchecked")
        TabularData pins = (TabularData) admin.getAttribute(TEST, "PinInfo");
        assertEquals("1", pins.get(new Object[] {0}).get("value"));
        assertEquals("0-7", pins.get(new Object[] {1}).get("value"));
    }

    @Test
    void setVcpusWithPersistentAlsoWritesTheConfigAndTransientDomainsSayWhy() throws Exception {
        admin.invoke(TEST, "setVcpus", new Object[] {1, false}, new String[] {"int", "boolean"});
        assertEquals(1, admin.getAttribute(TEST, "VcpuCount"));
        try (var check = org.vcpuagent.libvirt.Connection.open("test:///default", true);
             var d = TestLibvirt.lookupByName(check, "test")) {
            assertEquals(2, TestLibvirt.configVcpuCount(d), "persistent=false leaves the config alone");
            admin.invoke(TEST, "setVcpus", new Object[] {1, true}, new String[] {"int", "boolean"});
            assertEquals(1, TestLibvirt.configVcpuCount(d), "persistent=true writes the config");
            admin.invoke(TEST, "setVcpus", new Object[] {2, true}, new String[] {"int", "boolean"});
            assertEquals(2, TestLibvirt.configVcpuCount(d));
        }
    }

    @Test
    void readsAndPinsTheEmulatorThreads() throws Exception {
        assertEquals("0-7", admin.getAttribute(TEST, "EmulatorPin"));
        admin.invoke(TEST, "pinEmulator", new Object[] {"2-3"}, new String[] {String.class.getName()});
        try {
            assertEquals("2-3", admin.getAttribute(TEST, "EmulatorPin"));
        } finally {
            admin.invoke(TEST, "pinEmulator", new Object[] {"r"}, new String[] {String.class.getName()});
        }
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class, () -> admin.invoke(TEST, "pinEmulator",
                new Object[] {"9"}, new String[] {String.class.getName()}));
        assertTrue(e.getCause().getMessage().contains("cannot pin the emulator threads of domain 'test'"));
        assertEquals("0-7", admin.getAttribute(TEST, "EmulatorPin"));
    }

    @Test
    void pinsAVcpuWithARawCpumap() throws Exception {
        admin.invoke(TEST, "pinVcpuMap", new Object[] {1, new byte[] {0x0c}}, new String[] {"int", "[B"});
        assertEquals("2-3", row((TabularData) admin.getAttribute(TEST, "Vcpus"), 1).get("affinity"));
    }

    @Test
    void announcesVcpuCountAndPinChanges() throws Exception {
        try (NotificationRecorder received = NotificationRecorder.listen(admin, TEST)) {
            admin.setAttribute(TEST, new Attribute("VcpuCount", 1));
            Notification n = received.next(Duration.ofSeconds(10));
            assertNotNull(n, "no notification within 10 s");
            AttributeChangeNotification change = (AttributeChangeNotification) n;
            assertEquals("VcpuCount", change.getAttributeName());
            assertEquals(2, change.getOldValue());
            assertEquals(1, change.getNewValue());
            assertEquals(TEST, change.getSource());

            admin.invoke(TEST, "pinVcpu", new Object[] {0, "4-5"}, new String[] {"int", String.class.getName()});
            Notification pin = received.next(Duration.ofSeconds(10));
            assertNotNull(pin);
            assertEquals(Notifications.PIN_CHANGED, pin.getType());
            CompositeData data = (CompositeData) pin.getUserData();
            assertEquals(0, data.get("vcpu"));
            assertEquals("0-7", data.get("previous"));
            assertEquals("4-5", data.get("current"));
        }
    }

    @Test
    void announcesChangesMadeOutsideTheAgent() throws Exception {
        try (NotificationRecorder received = NotificationRecorder.listen(admin, TEST);
             var other = org.vcpuagent.libvirt.Connection.open("test:///default", false);
             var d = TestLibvirt.lookupByName(other, "test")) {
            d.setVcpus(1, false);
            admin.invoke(HOST, "refresh", null, null);
            AttributeChangeNotification change = (AttributeChangeNotification) received.next(Duration.ofSeconds(10));
            assertNotNull(change, "a change made by another libvirt client was not announced");
            assertEquals(1, change.getNewValue());
        }
    }

    @Test
    void hostBeanDescribesTheConnectionAndHost() throws Exception {
        assertEquals("test:///default", admin.getAttribute(HOST, "Uri"));
        assertEquals(true, admin.getAttribute(HOST, "Connected"));
        assertEquals(16, admin.getAttribute(HOST, "Cpus"));
        assertEquals(8, admin.getAttribute(HOST, "PresentCpus"));
        assertEquals(2, admin.getAttribute(HOST, "Sockets"));
        assertEquals(2, admin.getAttribute(HOST, "CoresPerSocket"));
        assertEquals(2, admin.getAttribute(HOST, "ThreadsPerCore"));
        assertEquals(2, admin.getAttribute(HOST, "NumaNodes"));
        assertEquals("0,2,4", admin.getAttribute(HOST, "OnlineCpus"));
        assertEquals(1, admin.getAttribute(HOST, "DomainCount"));
        assertTrue(((String) admin.getAttribute(HOST, "LibvirtVersion")).matches("\\d+\\.\\d+\\.\\d+"));
        assertTrue(!((String) admin.getAttribute(HOST, "LastRefresh")).isEmpty());
        assertTrue((Long) admin.getAttribute(HOST, "LastRefreshAgeMillis") >= 0);
        assertEquals("", admin.getAttribute(HOST, "LastError"));
    }

    @Test
    void readOnlyUserCanReadButChangesNothing() throws Exception {
        try (JMXConnector c = agent.connect(TestAgent.MONITOR, TestAgent.MONITOR_PASSWORD)) {
            MBeanServerConnection monitor = c.getMBeanServerConnection();
            assertEquals(2, ((TabularData) monitor.getAttribute(TEST, "Vcpus")).size());
            assertThrows(SecurityException.class, () -> monitor.setAttribute(TEST, new Attribute("VcpuCount", 1)));
            assertThrows(SecurityException.class, () -> monitor.invoke(TEST, "pinVcpu", new Object[] {0, "1"},
                    new String[] {"int", String.class.getName()}));
            assertThrows(SecurityException.class, () -> monitor.invoke(TEST, "setVcpus", new Object[] {1},
                    new String[] {"int"}));
        }
        assertEquals(2, admin.getAttribute(TEST, "VcpuCount"));
        assertEquals("0-7", row((TabularData) admin.getAttribute(TEST, "Vcpus"), 0).get("affinity"));
    }

    @Test
    void wrongPasswordAndUnknownUserAreRefused() {
        assertThrows(SecurityException.class, () -> agent.connect(TestAgent.ADMIN, "wrong"));
        assertThrows(SecurityException.class, () -> agent.connect("nobody", "x"));
        assertThrows(SecurityException.class, () -> javax.management.remote.JMXConnectorFactory.connect(
                agent.agent.jmxAddress()));
    }
}
