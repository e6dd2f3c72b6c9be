package org.vcpuagent.agent;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.model.VcpuInfo;
import org.vcpuagent.testsupport.JmxAwait;
import org.vcpuagent.testsupport.JmxNames;
import org.vcpuagent.testsupport.TestDomain;

import javax.management.Attribute;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-vCPU beans ({@code libvirt.vcpu:type=Vcpu,name=<domain>,vcpu=<n>}) of a real agent on the test driver:
 * registered and withdrawn with the vCPUs, their values checked against libvirt on the test's own connection.
 */
class VcpuBeansTest {

    private static TestAgent agent;
    private static MBeanServerConnection admin;
    private static Connection outside;

    @BeforeAll
    static void start() throws Exception {
        agent = TestAgent.start();
        admin = agent.admin();
        outside = agent.outside(true);
    }

    @AfterAll
    static void stop() throws Exception {
        agent.close();
    }

    @AfterEach
    void restore() throws Exception {
        TestDomain.restore(admin);
    }

    private static ObjectName vcpu(String domain, int n) {
        return JmxNames.parse("libvirt.vcpu:type=Vcpu,name=" + domain + ",vcpu=" + n);
    }

    private static Set<String> vcpuBeansOf(String quotedDomain) throws Exception {
        return admin.queryNames(JmxNames.parse("libvirt.vcpu:type=Vcpu,name=" + quotedDomain + ",*"), null).stream()
                .map(n -> n.getKeyProperty("vcpu")).collect(Collectors.toSet());
    }

    @Test
    void eachVcpuHasABeanWhoseValuesAreLibvirts() throws Exception {
        assertEquals(Set.of("0", "1"), vcpuBeansOf("test"));
        HostInfo host = outside.hostInfo();
        try (Domain d = TestLibvirt.lookupByName(outside, "test")) {
            List<VcpuInfo> libvirt = d.vcpus(d.maxVcpus(), host.mapLength());
            for (VcpuInfo v : libvirt) {
                ObjectName name = vcpu("test", v.number());
                assertEquals(v.number(), admin.getAttribute(name, "Number"));
                assertEquals("test", admin.getAttribute(name, "Domain"));
                assertEquals(v.state(), admin.getAttribute(name, "State"));
                assertEquals(1, admin.getAttribute(name, "StateCode"));
                assertEquals(v.cpu(), admin.getAttribute(name, "Cpu"));
                assertEquals(v.affinity().toCpuList(), admin.getAttribute(name, "Affinity"));
                assertEquals(v.affinity().cardinality(), admin.getAttribute(name, "AffinityCpuCount"));
                // CPU time runs on: the snapshot, taken before libvirt is asked again here, holds no more than
                // libvirt then (a snapshot round may come between the read above and this one).
                long snapshotTime = (Long) admin.getAttribute(name, "CpuTimeNanos");
                long libvirtAfter = d.vcpus(d.maxVcpus(), host.mapLength()).get(v.number()).cpuTime();
                assertTrue(snapshotTime > 0 && snapshotTime <= libvirtAfter, snapshotTime + " ns, libvirt " + libvirtAfter);
                // The test driver has no domain statistics: wait, delay and halted are not reported.
                assertNull(admin.getAttribute(name, "WaitNanos"));
                assertNull(admin.getAttribute(name, "DelayNanos"));
                assertNull(admin.getAttribute(name, "Halted"));
                assertEquals(d.vcpuCount(), admin.getAttribute(name, "DomainVcpuCount"));
                assertEquals(d.maxVcpus(), admin.getAttribute(name, "DomainMaxVcpus"));
                assertEquals("libvirt", admin.getAttribute(name, "DataSource"));
                long age = (Long) admin.getAttribute(name, "StatsAgeMillis");
                assertTrue(age >= 0 && age < 5000, "snapshot age " + age + " ms");
                double utilization = (Double) admin.getAttribute(name, "Utilization");
                assertTrue(Double.isNaN(utilization) || (utilization >= 0 && utilization <= 1), "utilization " + utilization);
            }
        }
    }

    @Test
    void everyAttributeIsAScalarWithADescription() throws Exception {
        MBeanInfo info = admin.getMBeanInfo(vcpu("test", 0));
        assertFalse(info.getDescription().isBlank());
        Set<String> scalar = Set.of("int", "long", "double", "boolean", String.class.getName(), Long.class.getName(),
                Boolean.class.getName());
        for (MBeanAttributeInfo a : info.getAttributes()) {
            assertFalse(a.getDescription() == null || a.getDescription().isBlank(), a.getName() + " is not described");
            assertTrue(scalar.contains(a.getType()), a.getName() + " is a " + a.getType());
            assertFalse(a.isWritable(), a.getName());
        }
        assertTrue(Arrays.stream(info.getAttributes()).map(MBeanAttributeInfo::getName).collect(Collectors.toSet())
                .containsAll(Set.of("Number", "State", "StateCode", "CpuTimeNanos", "Cpu", "WaitNanos", "DelayNanos",
                        "Halted", "Affinity", "AffinityCpuCount", "Utilization", "DelayFraction", "StatsAgeMillis")));
        assertEquals(0, info.getOperations().length);
    }

    @Test
    void aShrinkWithdrawsTheVcpusBeanBeforeTheWriteReturnsAndAGrowRegistersIt() throws Exception {
        ObjectName second = vcpu("test", 1);
        admin.setAttribute(TestDomain.BEAN, new Attribute("VcpuCount", 1));
        assertFalse(admin.isRegistered(second));
        assertEquals(1, admin.getAttribute(vcpu("test", 0), "DomainVcpuCount"));
        admin.setAttribute(TestDomain.BEAN, new Attribute("VcpuCount", 2));
        assertTrue(admin.isRegistered(second));
        assertEquals(2, admin.getAttribute(second, "DomainVcpuCount"));
    }

    @Test
    void aPinShowsInTheVcpusAffinityBeforeTheCallReturns() throws Exception {
        admin.invoke(TestDomain.BEAN, "pinVcpu", new Object[] {1, "2-3"}, new String[] {"int", String.class.getName()});
        assertEquals("2-3", admin.getAttribute(vcpu("test", 1), "Affinity"));
        assertEquals(2, admin.getAttribute(vcpu("test", 1), "AffinityCpuCount"));
        assertEquals("0-7", admin.getAttribute(vcpu("test", 0), "Affinity"));
    }

    @Test
    void aStartedDomainsVcpusAppearAndGoWithIt() throws Exception {
        Connection writer = agent.outside(false);
        String xml = DomainLifecycleTest.domainXml("my vm", 3);
        String quoted = ObjectName.quote("my vm");
        try (Domain d = TestLibvirt.createXml(writer, xml)) {
            ObjectName third = JmxNames.parse("libvirt.vcpu:type=Vcpu,name=" + quoted + ",vcpu=2");
            JmxAwait.registered(admin, third, true, Duration.ofSeconds(2));
            assertEquals(Set.of("0", "1", "2"), vcpuBeansOf(quoted));
            assertEquals("my vm", admin.getAttribute(third, "Domain"));
            TestLibvirt.destroy(d);
            JmxAwait.registered(admin, third, false, Duration.ofSeconds(2));
            assertEquals(Set.of(), vcpuBeansOf(quoted));
        }
    }
}
