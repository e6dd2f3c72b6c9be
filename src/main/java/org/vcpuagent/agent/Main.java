package org.vcpuagent.agent;

/**
 * {@code java -jar vcpu-agent.jar [options]}: runs the agent ({@link AgentMain}), or with {@code client} first,
 * the remote client. Nothing here names an agent class in a signature or a catch clause, so that the client
 * path loads none of the agent's layers (the JVM's verifier would load the types a catch clause names).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("client")) {
            System.exit(org.vcpuagent.client.ClientMain.run(
                    java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
            return;
        }
        AgentMain.run(args);
    }
}
