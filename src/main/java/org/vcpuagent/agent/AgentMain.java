package org.vcpuagent.agent;

import org.vcpuagent.libvirt.LibvirtException;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;

/**
 * The agent's own start: decides its JMX logins (generating them at the first start, {@link JmxLogins}), starts
 * it, prints how to reach it (users and files, never a password), and runs it until SIGTERM or Ctrl-C.
 */
final class AgentMain {

    private AgentMain() {
    }

    static void run(String[] args) throws Exception {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(AgentConfig.usage());
            return;
        }
        AgentConfig config;
        try {
            config = AgentConfig.fromArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        VcpuAgent agent;
        JmxLogins logins;
        try {
            logins = JmxLogins.resolve(config);
            agent = VcpuAgent.start(logins.applyTo(config), ManagementFactory.getPlatformMBeanServer());
        } catch (IllegalArgumentException | LibvirtException | java.io.IOException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }, "vcpu-agent-shutdown"));
        for (String connection : agent.describeConnections()) {
            System.out.println("vcpu-agent connected to " + connection);
        }
        System.out.println("JMX: " + agent.jmxAddress() + " (" + agent.jmxSecurity() + ")");
        if (agent.metricsAddress() != null) {
            System.out.println("Prometheus metrics: " + agent.metricsAddress());
        }
        if (logins.summary() != null) {
            System.out.println(logins.summary());
        }
        System.out.println("Connect with: " + agent.jconsoleCommand() + logins.loginHint());
        stopped.await();
    }
}
