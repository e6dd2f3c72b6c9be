package org.vcpuagent.agent;

import org.vcpuagent.libvirt.LibvirtException;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;

/** {@code java -jar vcpu-agent.jar [options]}: runs the agent until SIGTERM or Ctrl-C. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        // First, before anything the agent needs: the client must not pay for JNA, libvirt or logging.
        if (args.length > 0 && args[0].equals("client")) {
            System.exit(org.vcpuagent.client.ClientMain.run(
                    java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
            return;
        }
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
        try {
            agent = VcpuAgent.start(config, ManagementFactory.getPlatformMBeanServer());
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
        System.out.println("Connect with: " + agent.jconsoleCommand());
        stopped.await();
    }
}
