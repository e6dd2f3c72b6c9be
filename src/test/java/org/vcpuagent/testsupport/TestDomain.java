package org.vcpuagent.testsupport;

import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;

/**
 * Domain {@code test} of libvirt's test driver (test:///default), through the agent's bean. That
 * driver's state is shared by every connection in a process, so tests that change it put it back.
 */
public final class TestDomain {

    public static final ObjectName BEAN = JmxNames.parse("libvirt.vcpu:type=Domain,name=test");

    private static final String[] PIN = {"int", String.class.getName()};

    private TestDomain() {
    }

    /** Puts it back as libvirt starts it: 2 vCPUs, each and the emulator threads allowed on every CPU. */
    public static void restore(MBeanServerConnection admin) throws Exception {
        admin.setAttribute(BEAN, new Attribute("VcpuCount", 2));
        admin.invoke(BEAN, "pinVcpu", new Object[] {0, "r"}, PIN);
        admin.invoke(BEAN, "pinVcpu", new Object[] {1, "r"}, PIN);
        admin.invoke(BEAN, "pinEmulator", new Object[] {"r"}, new String[] {String.class.getName()});
    }
}
