package org.vcpuagent.qemu;

import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.testsupport.CloseAll;
import org.vcpuagent.testsupport.JmxAwait;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import java.time.Duration;

/**
 * A booted guest on qemu:///system and an agent watching it (2 s refresh), with an admin JMX
 * connection and the guest's bean registered: what the tests on a real guest start from. Skips the
 * test class where libvirtd does not answer.
 */
record GuestUnderAgent(RealGuest guest, TestAgent agent, MBeanServerConnection jmx, ObjectName bean)
        implements AutoCloseable {

    static GuestUnderAgent start(String name) throws Exception {
        RealGuest.assumeAvailable();
        RealGuest guest = RealGuest.start(name);
        TestAgent agent = null;
        try {
            agent = TestAgent.start(RealGuest.URI, "2s");
            ObjectName bean = DomainVcpuBean.objectName(name);
            MBeanServerConnection jmx = agent.admin();
            JmxAwait.registered(jmx, bean, true, Duration.ofSeconds(5));
            return new GuestUnderAgent(guest, agent, jmx, bean);
        } catch (Exception | Error e) {
            CloseAll.inOrder(agent, guest);
            throw e;
        }
    }

    /** Stops the agent first, so that it sees no domain vanish, then the guest. */
    @Override
    public void close() throws Exception {
        CloseAll.inOrder(agent, guest);
    }
}
