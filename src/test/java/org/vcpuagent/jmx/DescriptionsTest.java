package org.vcpuagent.jmx;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.agent.TestAgent;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What JConsole shows: every attribute, operation and parameter described, parameters named. */
class DescriptionsTest {

    private static TestAgent agent;
    private static MBeanServerConnection mbs;

    @BeforeAll
    static void start() throws Exception {
        agent = TestAgent.start();
        mbs = agent.monitor();
    }

    @AfterAll
    static void stop() throws Exception {
        agent.close();
    }

    @Test
    void domainBeanHasTheNamedMembersAllDescribed() throws Exception {
        MBeanInfo info = mbs.getMBeanInfo(new ObjectName("libvirt.vcpu:type=Domain,name=test"));
        assertDescribed(info);
        assertEquals(Set.of("Name", "Uuid", "State", "MaxVcpus", "VcpuCount", "Vcpus", "Affinity", "PinInfo", "EmulatorPin",
                "DataSource", "UnplugStatus", "StatsAgeMillis", "IoThreads", "NumaTune"),
                attributeNames(info));
        assertEquals(Set.of("setVcpus(int count)", "setVcpus(int count, boolean persistent)",
                "pinVcpu(int vcpu, java.lang.String cpulist)", "pinVcpuMap(int vcpu, [B cpumap)",
                "pinEmulator(java.lang.String cpulist)", "refresh()",
                "pinVcpuLiveAndConfig(int vcpu, java.lang.String cpulist)",
                "pinEmulatorLiveAndConfig(java.lang.String cpulist)", "pinIoThread(int id, java.lang.String cpulist)",
                "planPlacement(java.lang.String policy)", "applyPlacement(java.lang.String policy, boolean persistent)",
                "restorePlacement()"), operations(info));
        MBeanAttributeInfo count = attribute(info, "VcpuCount");
        assertTrue(count.isReadable() && count.isWritable());
        assertFalse(attribute(info, "Vcpus").isWritable());
        assertEquals("javax.management.openmbean.TabularData", attribute(info, "Vcpus").getType());
        List<String> notifTypes = Arrays.stream(info.getNotifications())
                .flatMap(n -> Arrays.stream(n.getNotifTypes())).toList();
        assertTrue(notifTypes.contains("jmx.attribute.change"));
        assertTrue(notifTypes.contains(Notifications.PIN_CHANGED));
    }

    @Test
    void hostBeanIsDescribed() throws Exception {
        MBeanInfo info = mbs.getMBeanInfo(HostBean.OBJECT_NAME);
        assertDescribed(info);
        assertTrue(attributeNames(info).containsAll(Set.of("Uri", "Connected", "LibvirtVersion", "Cpus", "Sockets",
                "CoresPerSocket", "ThreadsPerCore", "NumaNodes", "OnlineCpus", "DomainCount", "LastRefresh",
                "LastError", "Topology", "Allocation", "Conflicts")));
        assertEquals("javax.management.openmbean.TabularData", attribute(info, "Topology").getType());
    }

    private static void assertDescribed(MBeanInfo info) {
        assertFalse(info.getDescription().isBlank());
        for (MBeanAttributeInfo a : info.getAttributes()) {
            assertFalse(a.getDescription() == null || a.getDescription().isBlank() || a.getDescription().equals(a.getName()),
                    "attribute " + a.getName() + " has no description");
        }
        for (MBeanOperationInfo op : info.getOperations()) {
            assertFalse(op.getDescription().isBlank() || op.getDescription().equals(op.getName()),
                    "operation " + op.getName() + " has no description");
            for (MBeanParameterInfo p : op.getSignature()) {
                assertFalse(p.getName().matches("(p|arg)\\d+"), op.getName() + " has a parameter named " + p.getName());
                assertFalse(p.getDescription().isBlank() || p.getDescription().equals(p.getName()),
                        op.getName() + "(" + p.getName() + ") has no description");
            }
        }
        for (MBeanNotificationInfo n : info.getNotifications()) {
            assertFalse(n.getDescription().isBlank());
        }
    }

    private static Set<String> attributeNames(MBeanInfo info) {
        return Arrays.stream(info.getAttributes()).map(MBeanAttributeInfo::getName).collect(Collectors.toSet());
    }

    private static MBeanAttributeInfo attribute(MBeanInfo info, String name) {
        return Arrays.stream(info.getAttributes()).filter(a -> a.getName().equals(name)).findFirst().orElseThrow();
    }

    private static Set<String> operations(MBeanInfo info) {
        return Arrays.stream(info.getOperations()).map(op -> op.getName() + "(" + Arrays.stream(op.getSignature())
                .map(p -> p.getType() + " " + p.getName()).collect(Collectors.joining(", ")) + ")")
                .collect(Collectors.toSet());
    }
}
