package org.vcpuagent.jmx;

import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.remote.MBeanServerForwarder;
import javax.management.timer.Timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The calls of the MBeanServer interface that no RMI client can make (the connector has no method for
 * them), refused all the same by the policy forwarder in front of a real MBean server, and the ones the
 * connector itself makes, passed on.
 */
class PolicyForwarderTest {

    private static void assertRule(String rule, Runnable call) {
        SecurityException e = assertThrows(SecurityException.class, call::run);
        assertTrue(e.getMessage().startsWith("refused by JMX policy rule '" + rule + "'"), e::getMessage);
    }

    @Test
    void noRegistrationInstantiationOrClassLoaderEvenWithJvmDiagnostics() throws Exception {
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        for (JmxPolicy policy : new JmxPolicy[] {JmxPolicy.standard(), JmxPolicy.withJvmDiagnostics()}) {
            MBeanServerForwarder f = PolicyForwarder.create(policy, server);
            f.setMBeanServer(server);
            ObjectName timer = new ObjectName("evil:type=Timer");
            assertRule("no-mbean-lifecycle", () -> call(() -> f.registerMBean(new Timer(), timer)));
            assertRule("no-mbean-lifecycle", () -> call(() -> f.createMBean(Timer.class.getName(), timer)));
            assertRule("no-mbean-lifecycle", () -> call(() -> f.unregisterMBean(MBeanServerDelegateName.NAME)));
            assertRule("no-class-loading", () -> call(() -> f.instantiate(Timer.class.getName())));
            assertRule("no-class-loading", () -> call(() -> f.getClassLoader(MBeanServerDelegateName.NAME)));
            assertFalse(server.isRegistered(timer));
            // What the connector asks to deserialize arguments, and reads, pass.
            assertNotNull(f.getClassLoaderRepository());
            f.getClassLoaderFor(MBeanServerDelegateName.NAME);
            assertEquals(server.getMBeanCount(), f.getMBeanCount());
            assertTrue(f.toString().startsWith("the policy forwarder in front of "), f::toString);
        }
    }

    @Test
    void aForwarderWithoutAServerSaysSo() {
        MBeanServerForwarder f = PolicyForwarder.create(JmxPolicy.standard(), MBeanServerFactory.newMBeanServer());
        IllegalStateException e = assertThrows(IllegalStateException.class, f::getMBeanCount);
        assertEquals("the policy forwarder has no MBean server yet", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> f.setMBeanServer(null));
    }

    private interface Call {
        void run() throws Exception;
    }

    private static void call(Call c) {
        try {
            c.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("expected a SecurityException, got " + e, e);
        }
    }

    private static final class MBeanServerDelegateName {
        static final ObjectName NAME = javax.management.MBeanServerDelegate.DELEGATE_NAME;
    }
}
