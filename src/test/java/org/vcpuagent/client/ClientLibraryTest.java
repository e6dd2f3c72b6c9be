package org.vcpuagent.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.VcpuReading;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link VcpuAgentClient} and {@link RemoteDomain} as a Java program uses them, against a real agent. */
class ClientLibraryTest {

    private static Harness h;
    private static VcpuAgentClient agent;

    @BeforeAll
    static void start() throws IOException {
        h = Harness.start();
        agent = h.adminClient();
    }

    @AfterAll
    static void stop() throws IOException {
        agent.close();
        h.close();
    }

    @AfterEach
    void restore() throws IOException {
        h.restore();
    }

    @Test
    void listsDomainsAndReadsOne() {
        assertEquals(List.of("test"), agent.domains());
        assertEquals(8, agent.presentCpus());
        RemoteDomain test = agent.domain("test");
        assertEquals("test", test.name());
        assertEquals("6695eb01-f6a4-8304-79aa-97f2502e193f", test.uuid());
        assertEquals("running", test.state());
        assertEquals(2, test.maxVcpus());
        assertEquals(2, test.vcpuCount());
        assertEquals(Map.of(0, "0-7", 1, "0-7"), test.pinInfo());
        assertEquals("0-7", test.emulatorPin());
        assertEquals("libvirt", test.dataSource());
        assertEquals("none", test.unplugStatus());
        assertEquals(Map.of("State", "running", "VcpuCount", 2), test.attributes("State", "VcpuCount"));
    }

    @Test
    void vcpusAreTypedReadings() {
        List<VcpuReading> vcpus = agent.domain("test").vcpus();
        assertEquals(2, vcpus.size());
        for (int i = 0; i < 2; i++) {
            VcpuReading v = vcpus.get(i);
            assertEquals(i, v.number());
            assertEquals("running", v.state());
            assertEquals(15, v.cpu());
            assertTrue(v.cpuTime() > 0);
            assertEquals(CpuMap.all(8), v.affinity());
            assertEquals(VcpuReading.FROM_GET_VCPUS, v.source());
        }
    }

    @Test
    void changesCountAndPinning() {
        RemoteDomain test = agent.domain("test");
        assertEquals("domain 'test' has 1 vCPU", test.setVcpus(1));
        assertEquals(1, test.vcpuCount());
        assertEquals(1, test.vcpus().size());
        assertEquals("domain 'test' has 2 vCPUs", test.setVcpus(2, false));
        test.pinVcpu(0, "1");
        test.pinVcpuMap(1, new byte[] {0x0c});
        assertEquals(Map.of(0, "1", 1, "2-3"), test.pinInfo());
        assertEquals(CpuMap.of(2, 3), test.vcpus().get(1).affinity());
        test.pinEmulator("6-7");
        assertEquals("6-7", test.emulatorPin());
        test.refresh();
    }

    @Test
    void refusalsArriveAsTheAgentSentThem() {
        RemoteDomain test = agent.domain("test");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> test.setVcpus(0));
        assertEquals("vCPU count 0 is not allowed for domain 'test': give a number from 1 to 2 (MaxVcpus)",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> test.pinVcpu(0, "8"));
        DomainNotFoundException gone = assertThrows(DomainNotFoundException.class, () -> agent.domain("nosuch"));
        assertEquals("nosuch", gone.domain());
        assertEquals("domain 'nosuch' not found", gone.getMessage());
        assertEquals(2, test.vcpuCount());
    }

    @Test
    void readOnlyUsersGetSecurityExceptionForChanges() throws IOException {
        try (VcpuAgentClient monitor = VcpuAgentClient.connect(h.url, TestAgent.MONITOR, TestAgent.MONITOR_PASSWORD)) {
            RemoteDomain test = monitor.domain("test");
            assertEquals(2, test.vcpus().size());
            assertThrows(SecurityException.class, () -> test.setVcpus(1));
            assertThrows(SecurityException.class, () -> test.pinVcpu(0, "1"));
            assertThrows(SecurityException.class, () -> test.pinEmulator("1"));
        }
        assertEquals(2, agent.domain("test").vcpuCount());
    }

    @Test
    void loginAndConnectionFailures() throws IOException {
        assertThrows(SecurityException.class, () -> VcpuAgentClient.connect(h.url, TestAgent.ADMIN, "wrong"));
        assertThrows(SecurityException.class, () -> VcpuAgentClient.connect(h.url, null, null));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThrows(IOException.class, () -> VcpuAgentClient.connect(
                "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi", null, null));
    }

    @Test
    void otherJmxAddressesGoThroughTheJmxConnectorFactory() throws IOException {
        // A host before /jndi/ is legal and ignored by RMI; it takes the JNDI path instead of the shortcut.
        String viaJndi = h.url.replace("service:jmx:rmi:///", "service:jmx:rmi://127.0.0.1/");
        assertNull(RmiRegistryAddress.of(new javax.management.remote.JMXServiceURL(viaJndi)));
        try (VcpuAgentClient c = VcpuAgentClient.connect(viaJndi, TestAgent.ADMIN, TestAgent.ADMIN_PASSWORD)) {
            assertEquals(2, c.domain("test").vcpuCount());
        }
    }

    @Test
    void worksOverAConnectionTheCallerHolds() throws IOException {
        try (var connector = h.agent.connect(TestAgent.MONITOR, TestAgent.MONITOR_PASSWORD)) {
            VcpuAgentClient c = VcpuAgentClient.over(connector.getMBeanServerConnection());
            assertEquals(List.of("test"), c.domains());
            c.close(); // leaves the caller's connection open
            assertEquals(2, c.domain("test").vcpuCount());
        }
    }

    @Test
    void objectNamesMatchTheAgentsForAnyDomainName() {
        for (String name : List.of("test", "web-01.example_1", "a b", "x,y=z", "quote\"d", "colon:star*?", "ü")) {
            assertEquals(DomainVcpuBean.objectName(name), VcpuAgentClient.domainObjectName(name), name);
        }
    }

    /** Every attribute and operation RemoteDomain uses is in the agent's MBeanInfo, with that signature. */
    @Test
    void theWireNamesRemoteDomainUsesExist() throws Exception {
        MBeanInfo info = agent.connection().getMBeanInfo(VcpuAgentClient.domainObjectName("test"));
        Set<String> attributes = Arrays.stream(info.getAttributes()).map(MBeanAttributeInfo::getName)
                .collect(Collectors.toSet());
        assertTrue(attributes.containsAll(Set.of("Name", "Uuid", "State", "MaxVcpus", "VcpuCount", "Vcpus", "PinInfo",
                "EmulatorPin", "DataSource", "UnplugStatus")), attributes.toString());
        Set<String> operations = Arrays.stream(info.getOperations()).map(o -> o.getName() + Arrays.stream(
                o.getSignature()).map(MBeanParameterInfo::getType).toList()).collect(Collectors.toSet());
        assertTrue(operations.containsAll(Set.of(
                RemoteDomain.SET_VCPUS + "[int]",
                RemoteDomain.SET_VCPUS + "[int, boolean]",
                RemoteDomain.PIN_VCPU + "[int, java.lang.String]",
                RemoteDomain.PIN_VCPU_MAP + "[int, [B]",
                RemoteDomain.PIN_EMULATOR + "[java.lang.String]",
                RemoteDomain.REFRESH + "[]")), operations.toString());
        MBeanOperationInfo set = Arrays.stream(info.getOperations()).filter(o -> o.getName().equals("setVcpus"))
                .findFirst().orElseThrow();
        assertEquals(String.class.getName(), set.getReturnType());
        assertInstanceOf(Integer.class, agent.connection().getAttribute(
                new javax.management.ObjectName("libvirt.vcpu:type=Host"), "PresentCpus"));
    }
}
