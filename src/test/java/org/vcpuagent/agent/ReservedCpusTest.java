package org.vcpuagent.agent;

import org.junit.jupiter.api.Test;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.testsupport.JmxNames;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code host.reserved.cpus}: parsed per connection, shown in Topology, kept out of plans. */
class ReservedCpusTest {

    @Test
    void oneCpulistForEveryConnectionOrOnePerAlias() {
        AgentConfig one = AgentConfig.fromArgs(new String[] {"--host-reserved-cpus", "0-1"});
        assertEquals(CpuMap.of(0, 1), one.reservedCpus("default"));
        AgentConfig two = AgentConfig.fromArgs(new String[] {"--connections", "a=test:///default,b=test:///default",
            "--host-reserved-cpus", "a=0; b=2,4"});
        assertEquals(CpuMap.of(0), two.reservedCpus("a"));
        assertEquals(CpuMap.of(2, 4), two.reservedCpus("b"));
        assertEquals(CpuMap.of(), AgentConfig.defaults().reservedCpus("default"));
    }

    @Test
    void badValuesNameWhatIsWrong() {
        IllegalArgumentException alias = assertThrows(IllegalArgumentException.class, () -> AgentConfig.fromArgs(
                new String[] {"--host-reserved-cpus", "c=0"}));
        assertTrue(alias.getMessage().startsWith("host.reserved.cpus entry 'c=0' is not allowed: give alias=cpulist "
                + "entries separated by ';' with aliases of the connections (default)"), alias.getMessage());
        IllegalArgumentException list = assertThrows(IllegalArgumentException.class, () -> AgentConfig.fromArgs(
                new String[] {"--host-reserved-cpus", "3-1"}));
        assertTrue(list.getMessage().startsWith("host.reserved.cpus '3-1' is not allowed: range '3-1'"),
                list.getMessage());
    }

    @Test
    void reservedCpusAreShownAndNeverPlanned() throws Exception {
        MBeanServer mbs = MBeanServerFactory.newMBeanServer();
        AgentConfig config = AgentConfig.fromArgs(new String[] {"--jmx-port", "0", "--jmx-insecure", "true",
            "--jmx-host", "127.0.0.1", "--refresh-interval", "1m", "--host-reserved-cpus", "0"});
        try (VcpuAgent agent = VcpuAgent.start(config, mbs)) {
            ObjectName host = JmxNames.parse("libvirt.vcpu:type=Host");
            CompositeData cpu0 = ((TabularData) mbs.getAttribute(host, "Topology")).get(new Object[] {0});
            assertEquals(true, cpu0.get("reserved"));
            String plan = (String) mbs.invoke(JmxNames.parse("libvirt.vcpu:type=Domain,name=test"), "planPlacement",
                    new Object[] {"dedicated"}, new String[] {String.class.getName()});
            assertTrue(plan.contains("vcpu 0 -> cpu 2\nvcpu 1 -> cpu 4\n"), plan);
        }
    }
}
