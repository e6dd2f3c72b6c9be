package org.vcpuagent.agent;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Domains that start and stop under the agent, on the test driver shared by this process. */
class DomainLifecycleTest {

    private static TestAgent agent;
    private static JMXConnector connector;
    private static MBeanServerConnection admin;
    private static Connection outside;

    @BeforeAll
    static void start() throws Exception {
        agent = TestAgent.start();
        connector = agent.connect(TestAgent.ADMIN, TestAgent.ADMIN_PASSWORD);
        admin = connector.getMBeanServerConnection();
        outside = Connection.open("test:///default", false);
    }

    @AfterAll
    static void stop() throws Exception {
        connector.close();
        agent.close();
        outside.close();
    }

    static String domainXml(String name, int vcpus) {
        String escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")
                .replace("\"", "&quot;");
        return "<domain type='test'><name>" + escaped + "</name><memory>65536</memory><vcpu>" + vcpus
                + "</vcpu><os><type>hvm</type></os></domain>";
    }

    @Test
    void aDomainThatDisappearsGivesACleanErrorAndItsBeanGoesAway() throws Exception {
        ObjectName name = DomainVcpuBean.objectName("vanishing");
        try (Domain d = outside.createXml(domainXml("vanishing", 3))) {
            agent.agent.refresh();
            assertTrue(admin.isRegistered(name));
            assertEquals(3, ((TabularData) admin.getAttribute(name, "Vcpus")).size());
            d.destroy();
            RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class, () -> admin.invoke(name, "pinVcpu",
                    new Object[] {0, "1"}, new String[] {"int", String.class.getName()}));
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("domain 'vanishing' is no longer running"),
                    e.getCause().getMessage());
            agent.agent.refresh();
            assertFalse(admin.isRegistered(name));
        }
    }

    @Test
    void startedDomainsAppearAndStoppedOnesDisappearAtTheNextRefresh() throws Exception {
        ObjectName name = DomainVcpuBean.objectName("short-lived");
        try (Domain d = outside.createXml(domainXml("short-lived", 1))) {
            assertFalse(admin.isRegistered(name));
            agent.agent.refresh();
            assertTrue(admin.isRegistered(name));
            assertEquals(2, admin.getAttribute(EndToEndTest.HOST, "DomainCount"));
            d.destroy();
            agent.agent.refresh();
            assertFalse(admin.isRegistered(name));
            assertEquals(1, admin.getAttribute(EndToEndTest.HOST, "DomainCount"));
        }
    }

    @Test
    void namesThatNeedQuotingGiveValidObjectNames() throws Exception {
        String odd = "db,\"primary\"=1*?";
        ObjectName name = DomainVcpuBean.objectName(odd);
        assertEquals(odd, ObjectName.unquote(name.getKeyProperty("name")));
        assertFalse(name.isPattern());
        try (Domain d = outside.createXml(domainXml(odd, 2))) {
            agent.agent.refresh();
            assertTrue(admin.isRegistered(name));
            assertEquals(odd, admin.getAttribute(name, "Name"));
            d.destroy();
            agent.agent.refresh();
            assertFalse(admin.isRegistered(name));
        }
    }
}
