package org.vcpuagent.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Part 2: what a script pays per call. Every remote-scripting path the project offers, started fresh
 * per call, against {@code virsh vcpuinfo}; and the JVM's start-up on its own.
 */
final class ScriptingBench {

    private ScriptingBench() {
    }

    /** One way of reading one domain's vCPUs from a script. */
    record Tool(String label, List<String> command, Map<String, String> env, int reps, String note) {
    }

    static void run(Context ctx) throws Exception {
        Report r = ctx.report;
        r.section("2. Scripting cost: a fresh process per call");
        r.text("""
                A script that reads one domain's vCPUs starts a new process for each call. Each tool below is \
                started that way against the 4-vCPU guest, round-robin (tool A, B, C, … then again), after one \
                warm-up call each, and timed from process creation to exit. `virsh vcpuinfo` is the baseline. \
                The JVM rows start a class that does nothing, to show what the JVM's start-up alone costs.""");
        if (!BenchGuest.hostAvailable()) {
            r.text("Skipped: `qemu:///system` does not answer here.");
            return;
        }
        BenchGuest g = ctx.guest4();
        BenchAgent agent = ctx.qemuAgent();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = ctx.benchClasses + ":" + ctx.jar;
        List<Tool> tools = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int reps = ctx.reps(10, 3);
        tools.add(new Tool("`virsh vcpuinfo`", List.of("virsh", "-c", BenchGuest.URI, "vcpuinfo", g.name), Map.of(), reps, ""));
        tools.add(new Tool("JVM start-up alone (`java -cp … Noop`)", List.of(java, "-cp", ctx.benchClasses.toString(),
                Noop.class.getName()), Map.of(), reps, "default flags, JDK's default CDS archive"));
        tools.add(new Tool("JVM start-up alone, tuned", List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xshare:auto", "-cp", ctx.benchClasses.toString(), Noop.class.getName()), Map.of(), reps,
                "`-XX:TieredStopAtLevel=1 -XX:+UseSerialGC`"));
        tools.add(new Tool("one-shot Java JMX client (`OneShotRead`)", List.of(java, "-cp", cp, OneShotRead.class.getName(),
                agent.jmxUrl(), g.name), Map.of(), reps,
                "the smallest Java client: connect over RMI, read `Vcpus`, print, exit"));
        tools.add(new Tool("one-shot Java JMX client, tuned", List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", cp, OneShotRead.class.getName(), agent.jmxUrl(), g.name), Map.of(), reps,
                "the same with `-XX:TieredStopAtLevel=1 -XX:+UseSerialGC`"));
        if (Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "jshell"))) {
            tools.add(new Tool("`jshell scripts/show-vcpus.jsh` (all domains)", List.of(
                    Path.of(System.getProperty("java.home"), "bin", "jshell").toString(), "-R-Djmx.url=" + agent.jmxUrl(),
                    ctx.root.resolve("scripts/show-vcpus.jsh").toString()), Map.of(), ctx.reps(5, 2),
                    "the example script the README offers; it reads every domain"));
        } else {
            notes.add("`jshell` is not installed with this JDK: `scripts/show-vcpus.jsh` not measured.");
        }
        // The client command and its launcher, when the jar and scripts have them.
        boolean clientInJar = jarHasClient(ctx.jar);
        List<String> clientCmd = List.of(java, "-jar", ctx.jar.toString(), "client", "--url", agent.jmxUrl(), "vcpuinfo", g.name);
        if (clientInJar && works(clientCmd, g.name)) {
            tools.add(new Tool("`java -jar vcpu-agent.jar client … vcpuinfo`", clientCmd, Map.of(), reps, "the project's client command"));
        } else {
            notes.add("The client command (`java -jar target/vcpu-agent.jar client --url … vcpuinfo DOMAIN`) is not in "
                    + "this jar" + (clientInJar ? " (a client class is, but the command failed)" : "") + ": not measured.");
        }
        Path launcher = ctx.root.resolve("scripts/vcpu-agent-client");
        List<String> launcherCmd = List.of(launcher.toString(), "--url", agent.jmxUrl(), "vcpuinfo", g.name);
        if (Files.isExecutable(launcher) && works(launcherCmd, g.name)) {
            // The first call may build the AppCDS archive; works() above made that call.
            tools.add(new Tool("`scripts/vcpu-agent-client … vcpuinfo` (AppCDS launcher)", launcherCmd, Map.of(), reps,
                    "the launcher with its class-data-sharing archive"));
        } else {
            notes.add("`scripts/vcpu-agent-client` " + (Files.exists(launcher) ? "did not answer `--url … vcpuinfo`"
                    : "does not exist yet") + ": not measured.");
        }
        BenchAgent jolokiaAgent = null;
        try {
            Path launcherScript = ctx.root.resolve("scripts/vcpu-agent");
            boolean jolokia = Files.isReadable(launcherScript)
                    && Files.readString(launcherScript).contains("--jolokia-port")
                    && Files.isRegularFile(ctx.jar.resolveSibling("javaagents/jolokia-agent-jvm.jar"));
            if (jolokia) {
                int port = freePort();
                Path pw = ctx.tmp.resolve("jolokia.password");
                Path acc = ctx.tmp.resolve("jolokia.access");
                Files.writeString(pw, "monitor bench-secret\n");
                Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
                Files.writeString(acc, "monitor readonly\n");
                jolokiaAgent = BenchAgent.startCommand(List.of(launcherScript.toString(), "--uri", BenchGuest.URI,
                        "--jmx-port", "0", "--jolokia-port", Integer.toString(port), "--jolokia-password-file",
                        pw.toString(), "--jolokia-access-file", acc.toString()), Map.of("VCPU_AGENT_NO_BUILD", "1"),
                        Duration.ofSeconds(90));
                List<String> curl = List.of("curl", "-sS", "--max-time", "10", "-u", "monitor:bench-secret",
                        "http://127.0.0.1:" + port + "/jolokia/read/libvirt.vcpu:type=Domain,name=" + g.name + "/Vcpus");
                Proc.Result res = waitForHttp(curl);
                if (res != null && res.out().contains("\"status\":200")) {
                    tools.add(new Tool("Jolokia over HTTP: `curl -u … http://…/jolokia/read/…/Vcpus`", curl, Map.of(), reps,
                            "a curl process per call to an agent started by `scripts/vcpu-agent --jolokia-port …`"));
                } else {
                    notes.add("The agent was started with `--jolokia-port`, but Jolokia's read did not answer with "
                            + "status 200: not measured (" + (res == null ? "no answer" : res.out().trim()) + ").");
                }
            } else {
                notes.add("Jolokia is not available (`scripts/vcpu-agent` has no `--jolokia-port`, or "
                        + "target/javaagents/jolokia-agent-jvm.jar is missing): not measured.");
            }
            for (Tool t : tools) {
                Proc.run(Duration.ofSeconds(120), t.command(), t.env()).check();
            }
            List<Stats> stats = new ArrayList<>();
            tools.forEach(t -> stats.add(new Stats(t.label())));
            int max = tools.stream().mapToInt(Tool::reps).max().orElse(0);
            for (int i = 0; i < max; i++) {
                for (int k = 0; k < tools.size(); k++) {
                    if (i < tools.get(k).reps()) {
                        stats.get(k).addNanos(Proc.run(Duration.ofSeconds(120), tools.get(k).command(), tools.get(k).env())
                                .check().nanos());
                    }
                }
            }
            Stats virsh = stats.get(0);
            Table t = new Table("Tool (fresh process per call)", "Median", "Min – max", "n", "÷ virsh", "Note");
            for (int k = 0; k < tools.size(); k++) {
                Stats s = stats.get(k);
                t.row(s.label, s.median(true), s.range(), s.n(), k == 0 ? "1" : Stats.ratio(s, virsh), tools.get(k).note());
            }
            r.table(t);
            for (String n : notes) {
                r.text("- " + n);
            }
            Stats jvm = stats.get(1);
            Stats oneShot = stats.get(3);
            r.text(String.format("The JVM's start-up alone is %s, %s of `virsh vcpuinfo`'s whole call; a one-shot "
                            + "Java JMX client takes %s: starting the JVM, loading the JMX/RMI client classes and "
                            + "setting up the RMI connection are nearly all of it, the read itself is what part 1 "
                            + "measures. What the project does about it: `scripts/vcpu-agent-client` starts the client "
                            + "with an AppCDS archive, C1 only and the serial GC (its row, where present, against the "
                            + "plain `java -jar … client` row), and Jolokia, where present, needs no JVM per call at "
                            + "all. A script that makes many reads should keep one JVM, one JMX connection, or use "
                            + "Jolokia.", Stats.time(jvm.median()), Stats.ratio(jvm, virsh), Stats.time(oneShot.median())));
        } finally {
            if (jolokiaAgent != null) {
                jolokiaAgent.close();
            }
        }
    }

    private static Proc.Result waitForHttp(List<String> curl) {
        for (int i = 0; i < 20; i++) {
            Proc.Result res = Proc.run(Duration.ofSeconds(20), curl, Map.of());
            if (res.ok()) {
                return res;
            }
            BenchGuest.sleep(250);
        }
        return null;
    }

    private static boolean works(List<String> cmd, String domain) {
        try {
            Proc.Result res = Proc.run(Duration.ofSeconds(120), cmd, Map.of());
            boolean ok = res.ok() && !res.out().isBlank();
            if (!ok) {
                System.out.println("note: " + String.join(" ", cmd) + " -> exit " + res.exit() + ": " + res.err().trim());
            }
            return ok;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static boolean jarHasClient(Path jar) throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> e = f.entries();
            while (e.hasMoreElements()) {
                String n = e.nextElement().getName();
                if (n.startsWith("org/vcpuagent/") && n.endsWith(".class") && !n.contains("ClientErrors")
                        && (n.contains("/client/") || n.substring(n.lastIndexOf('/') + 1).contains("Client"))) {
                    return true;
                }
            }
        }
        return false;
    }

    static boolean jarHas(Path jar, String prefix) throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> e = f.entries();
            while (e.hasMoreElements()) {
                if (e.nextElement().getName().startsWith(prefix)) {
                    return true;
                }
            }
        }
        return false;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
