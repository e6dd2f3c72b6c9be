package org.vcpuagent.deb;

import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The unit's command, started by scripts/run-as-unit.sh; its output goes to files. */
record Service(Process process, Path stdout, Path stderr, int port) implements AutoCloseable {

    static Service start(Path dir, int port) throws Exception {
        Files.createDirectories(dir);
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process p = new ProcessBuilder("scripts/run-as-unit.sh", DebPackageIT.UNIT.toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        Service s = new Service(p, out, err, port);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!Files.readString(out).contains("JMX: ")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                s.close();
                throw new AssertionError("the service did not start (exit " + (p.isAlive() ? "-" : p.exitValue())
                        + "):\n" + Files.readString(out) + Files.readString(err));
            }
            Thread.sleep(100);
        }
        return s;
    }

    String url() {
        return "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi";
    }

    JMXConnector connect() throws Exception {
        return connect(DebPackageIT.STATE);
    }

    /** With the generated admin login when the agent wrote one in {@code state} (issue 12), else without. */
    JMXConnector connect(Path state) throws Exception {
        Path logins = state.resolve("jmxremote.password");
        Map<String, Object> env = new HashMap<>();
        if (Files.exists(logins)) {
            String password = Files.readAllLines(logins).stream().map(String::trim)
                    .filter(l -> l.matches("admin\\s+\\S+")).map(l -> l.split("\\s+")[1]).findFirst()
                    .orElseThrow(() -> new AssertionError("no clear admin login in " + logins));
            env.put(JMXConnector.CREDENTIALS, new String[] {"admin", password});
        }
        return JMXConnectorFactory.connect(new JMXServiceURL(url()), env);
    }

    /** The process's real uid, from /proc: the agent's JVM once the launchers have exec'd into it. */
    int uid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.split("\\s+")[1]);
            }
        }
        throw new AssertionError("no Uid line in /proc/" + process.pid() + "/status");
    }

    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            terminate();
        }
    }
}
