package org.vcpuagent.agent;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.testsupport.JmxAwait;
import org.vcpuagent.testsupport.NotificationRecorder;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Domains that start and stop under the agent, on the test driver shared by this process. */
class DomainLifecycleTest {

    private static TestAgent agent;
    private static MBeanServerConnection admin;
    private static Connection outside;

    @BeforeAll
    static void start() throws Exception {
        agent = TestAgent.start();
        admin = agent.admin();
        outside = agent.outside(false);
    }

    @AfterAll
    static void stop() throws Exception {
        agent.close();
    }

    static String domainXml(String name, int vcpus) {
        String escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")
                .replace("\"", "&quot;");
        return "<domain type='test'><name>" + escaped + "</name><memory>65536</memory><vcpu>" + vcpus
                + "</vcpu><os><type>hvm</type></os></domain>";
    }

    /** Waits up to {@code ms} for the bean to be registered or not. */
    static void await(ObjectName name, boolean registered, long ms) throws Exception {
        JmxAwait.registered(admin, name, registered, Duration.ofMillis(ms));
    }

    @Test
    void aDomainThatDisappearsBetweenLookupAndCallGivesACleanError() throws Exception {
        try (Domain d = TestLibvirt.createXml(outside, domainXml("vanishing", 3));
             Domain handle = TestLibvirt.lookupByName(outside, "vanishing")) {
            java.util.concurrent.atomic.AtomicInteger goneReports = new java.util.concurrent.atomic.AtomicInteger();
            DomainVcpuBean bean = org.vcpuagent.testsupport.StandaloneBean.of(handle, () -> outside.hostInfo(),
                    goneReports::incrementAndGet);
            assertEquals(3, bean.getVcpus().size());
            TestLibvirt.destroy(d);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> bean.pinVcpu(0, "1"));
            assertTrue(e.getMessage().contains("domain 'vanishing' is no longer running"), e.getMessage());
            assertThrows(IllegalStateException.class, bean::getVcpus);
            assertTrue(goneReports.get() >= 1, "the bean must tell the registry its domain is gone");
        }
    }

    @Test
    void startedDomainsAppearAndStoppedOnesDisappearWithinASecondThroughEvents() throws Exception {
        ObjectName name = DomainVcpuBean.objectName("short-lived");
        assertFalse(admin.isRegistered(name));
        // The agent's periodic refresh is 1 minute here: only libvirt's lifecycle events can be this quick.
        try (Domain d = TestLibvirt.createXml(outside, domainXml("short-lived", 1))) {
            await(name, true, 1000);
            assertEquals(2, admin.getAttribute(EndToEndTest.HOST, "DomainCount"));
            assertEquals(1, ((TabularData) admin.getAttribute(name, "Vcpus")).size());
            TestLibvirt.destroy(d);
            await(name, false, 1000);
            assertEquals(1, admin.getAttribute(EndToEndTest.HOST, "DomainCount"));
        }
    }

    @Test
    void theHostBeanAnnouncesDomainsAppearingAndGoing() throws Exception {
        try (NotificationRecorder received = NotificationRecorder.listen(admin, EndToEndTest.HOST);
             Domain d = TestLibvirt.createXml(outside, domainXml("announced", 1))) {
            javax.management.Notification appeared = received.next(Duration.ofSeconds(2));
            assertEquals(org.vcpuagent.jmx.HostBean.DOMAIN_APPEARED, appeared.getType());
            assertEquals(DomainVcpuBean.objectName("announced").toString(), appeared.getUserData());
            TestLibvirt.destroy(d);
            javax.management.Notification gone = received.next(Duration.ofSeconds(2));
            assertEquals(org.vcpuagent.jmx.HostBean.DOMAIN_DISAPPEARED, gone.getType());
            assertTrue(gone.getMessage().contains("domain 'announced' went away"), gone.getMessage());
        }
    }

    @Test
    void namesThatNeedQuotingGiveValidObjectNames() throws Exception {
        String odd = "db,\"primary\"=1*?";
        ObjectName name = DomainVcpuBean.objectName(odd);
        assertEquals(odd, ObjectName.unquote(name.getKeyProperty("name")));
        assertFalse(name.isPattern());
        try (Domain d = TestLibvirt.createXml(outside, domainXml(odd, 2))) {
            await(name, true, 1000);
            assertEquals(odd, admin.getAttribute(name, "Name"));
            TestLibvirt.destroy(d);
            await(name, false, 1000);
        }
    }
}
