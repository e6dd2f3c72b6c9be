package org.vcpuagent.deb;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.vcpuagent.testsupport.AgentProcess;
import org.vcpuagent.testsupport.JmxNames;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Debian package that {@code mvn package} builds, on this machine as an administrator uses it: lintian and
 * systemd-analyze on it, {@code apt-get install} of it, its user, folders and modes, the unit's own command run as
 * the unit would run it (scripts/run-as-unit.sh: systemd is not PID 1 on CI) against test:///default and read over
 * JMX, the unit under its sandbox (systemd booted in a systemd-nspawn container), an upgrade that keeps an edited
 * conffile and the logins, and a purge that leaves nothing behind. It installs
 * and removes a real package, so it needs root (CI runs as root) and refuses to run where vcpu-agent is installed
 * already; {@code -Dgroups='!deb'} leaves it out.
 */
@Tag("deb")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebPackageIT {

    static final String PACKAGE = "vcpu-agent";
    static final Path UNIT = Path.of("/lib/systemd/system/vcpu-agent.service");
    static final Path DEFAULTS = Path.of("/etc/default/vcpu-agent");
    static final Path STATE = Path.of("/var/lib/vcpu-agent");
    static final Path LOGS = Path.of("/var/log/vcpu-agent");
    static final Path CONFIG = Path.of("/etc/vcpu-agent");
    static final Path SHARE = Path.of("/usr/share/vcpu-agent");
    static final ObjectName TEST = JmxNames.parse("libvirt.vcpu:type=Domain,name=test");
    /** The exposure systemd-analyze may give the unit at most; Debian 12's prometheus.service rates 4.0. */
    static final double MAX_EXPOSURE = 2.0;
    static final String AUDITOR = "vcpu-agent-auditor";

    private InstalledPackage installation;
    private Path deb;
    private Path work;
    private final int port;
    private List<String> packageFiles;

    DebPackageIT() throws IOException {
        port = AgentProcess.freePort();
    }

    @BeforeAll
    void installThePackage() throws Exception {
        assumeTrue(isRoot(), "installs a Debian package: run as root (CI does), or leave it out with -Dgroups='!deb'");
        packageFiles = List.of(contents(builtPackage()));
        installation = InstalledPackage.install("deb-it");
        deb = installation.deb();
        work = installation.work();
    }

    /** A safety net: whatever failed above, the machine is left without the package. */
    @AfterAll
    void purgeWhatIsLeft() throws Exception {
        if (installation == null) {
            return;
        }
        Command.run("userdel", AUDITOR);
        installation.close();
    }

    @Test
    @Order(1)
    void lintianFindsNoErrorAndNoWarning() throws Exception {
        Command lintian = Command.run("lintian", "--fail-on", "error,warning", "--pedantic", "--info", deb.toString());
        System.out.println("lintian " + deb.getFileName() + ": exit " + lintian.exitCode() + "\n" + lintian.output());
        assertEquals(0, lintian.exitCode(), lintian.output());
        assertFalse(lintian.output().lines().anyMatch(l -> l.startsWith("E:") || l.startsWith("W:")), lintian.output());
    }

    @Test
    @Order(2)
    void theInstalledUnitVerifiesAndRatesAtMostTwo() throws Exception {
        Command verify = Command.run("systemd-analyze", "verify", "--man=no", UNIT.toString());
        assertEquals(0, verify.exitCode(), verify.output());
        assertEquals("", verify.output().strip(), "systemd-analyze verify has remarks");

        Command security = Command.run("systemd-analyze", "security", "--offline=true", "--no-pager", UNIT.toString());
        Matcher m = Pattern.compile("Overall exposure level for vcpu-agent.service: ([0-9.]+) (\\S+)")
                .matcher(security.output());
        assertTrue(m.find(), security.output());
        System.out.println("systemd-analyze security --offline=true " + UNIT + ": " + m.group(1) + " " + m.group(2));
        double exposure = Double.parseDouble(m.group(1));
        assertTrue(exposure <= MAX_EXPOSURE, "exposure " + exposure + " above " + MAX_EXPOSURE + ":\n" + security.output());
    }

    @Test
    @Order(3)
    void itsUserAndFoldersAreTheServicesOwnAndOwnerOnly() throws Exception {
        String[] passwd = Command.ok("getent", "passwd", PACKAGE).strip().split(":");
        assertTrue(Integer.parseInt(passwd[2]) < 1000, "a system user: " + String.join(":", passwd));
        assertEquals("/var/lib/vcpu-agent", passwd[5]);
        assertEquals("/usr/sbin/nologin", passwd[6]);
        List<String> groups = List.of(Command.ok("id", "-nG", PACKAGE).strip().split(" "));
        if (Command.run("getent", "group", "libvirt").exitCode() == 0) {
            assertTrue(groups.contains("libvirt"), "in group libvirt, for qemu:///system: " + groups);
            // What package.md says to do when libvirt comes after the package: postinst again adds the user.
            Command.ok("deluser", "--quiet", PACKAGE, "libvirt");
            Command.ok("dpkg-reconfigure", PACKAGE);
            assertTrue(List.of(Command.ok("id", "-nG", PACKAGE).strip().split(" ")).contains("libvirt"),
                    "dpkg-reconfigure adds the user to libvirt");
        }
        assertFalse(groups.contains("adm") || groups.contains("sudo") || groups.contains("root"), groups.toString());

        assertMode(STATE, "vcpu-agent", "vcpu-agent", "rwx------");
        assertMode(LOGS, "vcpu-agent", "vcpu-agent", "rwxr-x---");
        assertTrue(Command.ok("ls", "-ld", LOGS.toString()).startsWith("drwxr-x---+"), "an ACL for group adm");
        assertMode(CONFIG, "root", "root", "rwxr-xr-x");
        for (String f : List.of("agent.properties", "logback.xml", "jmx_exporter.yaml", "jolokia-access.xml",
                "jolokia.properties")) {
            assertMode(CONFIG.resolve(f), "root", "root", "rw-r--r--");
        }
        assertMode(DEFAULTS, "root", "root", "rw-r--r--");
        assertMode(UNIT, "root", "root", "rw-r--r--");
        assertMode(SHARE.resolve("vcpu-agent.jar"), "root", "root", "rw-r--r--");
        assertMode(SHARE.resolve("bin/vcpu-agent"), "root", "root", "rwxr-xr-x");
        assertMode(SHARE.resolve("bin/vcpu-agent-client"), "root", "root", "rwxr-xr-x");
        assertEquals(CONFIG, Files.readSymbolicLink(SHARE.resolve("config")));
        assertEquals(SHARE.resolve("bin/vcpu-agent"), Path.of("/usr/bin/vcpu-agent").toRealPath());
        assertEquals(SHARE.resolve("bin/vcpu-agent-client"), Path.of("/usr/bin/vcpu-agent-client").toRealPath());
        List<String> conffiles = Files.readAllLines(Path.of("/var/lib/dpkg/info/vcpu-agent.conffiles"));
        assertTrue(conffiles.containsAll(List.of("/etc/default/vcpu-agent", "/etc/vcpu-agent/agent.properties",
                "/etc/vcpu-agent/logback.xml")), conffiles.toString());
    }

    /**
     * The unit's ExecStart, as its user with its environment: connected to test:///default, readable and
     * changeable over JMX (with the generated admin login when the agent made one), audited in /var/log/vcpu-agent,
     * which group adm may read; SIGTERM ends it with status 143 and its beans are gone.
     */
    @Test
    @Order(4)
    void theUnitsCommandServesJmxAsItsOwnUser() throws Exception {
        Files.writeString(DEFAULTS, Files.readString(DEFAULTS).replace("VCPU_AGENT_OPTS=\"\"",
                "VCPU_AGENT_OPTS=\"--jmx-port=" + port + "\""));
        try (Service service = Service.start(work.resolve("run1"), port)) {
            assertEquals(uid(PACKAGE), service.uid(), "runs as user vcpu-agent");
            try (JMXConnector c = service.connect()) {
                MBeanServerConnection mbs = c.getMBeanServerConnection();
                assertEquals(2, mbs.getAttribute(TEST, "VcpuCount"));
                mbs.invoke(TEST, "pinVcpu", new Object[] {1, "0"}, new String[] {"int", String.class.getName()});
                TabularData vcpus = (TabularData) mbs.getAttribute(TEST, "Vcpus");
                CompositeData one = vcpus.get(new Object[] {1});
                assertEquals("0", one.get("affinity"), vcpus.toString());
            }
            // Not the checkout's jar that failsafe names in VCPU_AGENT_JAR: the installed one.
            String client = Command.ok("env", "-u", "VCPU_AGENT_JAR", "VCPU_AGENT_CDS=off", "/usr/bin/vcpu-agent-client", "--url",
                    service.url(), "vcpuinfo", "test");
            assertTrue(client.contains("CPU Affinity:") && client.contains("VCPU:"), client);

            // The console log carries no time of its own under the unit: the journal adds it.
            String stderr = Files.readString(service.stderr());
            assertTrue(stderr.lines().anyMatch(l -> l.startsWith("INFO  [")), stderr);
            assertFalse(stderr.lines().anyMatch(l -> l.matches("^\\d{4}-\\d\\d-\\d\\d .*")), stderr);

            Path audit = LOGS.resolve("audit.log");
            assertMode(audit, "vcpu-agent", "vcpu-agent", "rw-r-----");
            assertTrue(Files.readString(audit).contains("pinVcpu"), Files.readString(audit));
            Command.ok("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "-G", "adm", AUDITOR);
            assertTrue(Command.ok("runuser", "-u", AUDITOR, "--", "cat", audit.toString()).contains("pinVcpu"),
                    "group adm reads the audit log");
            assertNotEquals(0, Command.run("runuser", "-u", "nobody", "--", "cat", audit.toString()).exitCode(),
                    "others do not");

            assertEquals(143, service.terminate(), "the JVM's exit on SIGTERM, which the unit counts as success");
            assertFalse(listening(port), "JMX is gone with the agent");
        }
    }

    /**
     * The unit under its own sandbox: systemd booted in a container (systemd-nspawn) on this machine's /usr and
     * /etc, read-only, with a /var of its own, starts vcpu-agent.service alone; the agent serves JMX on the host's
     * network with its seccomp filter, no capability and no new privileges, which /proc shows.
     */
    @Test
    @Order(5)
    void theUnitRunsUnderItsSandbox() throws Exception {
        Path root = work.resolve("container");
        for (String d : List.of("usr/lib", "etc", "var", "proc", "sys", "dev", "tmp", "run")) {
            Files.createDirectories(root.resolve(d));
        }
        for (String l : List.of("bin", "lib", "lib64", "sbin")) {
            Files.createSymbolicLink(root.resolve(l), Path.of("usr", l));
        }
        // nspawn looks for an OS before it binds /usr and /etc over these.
        Files.copy(Path.of("/usr/lib/os-release"), root.resolve("usr/lib/os-release"));
        Files.copy(Path.of("/usr/lib/os-release"), root.resolve("etc/os-release"));
        Process container = new ProcessBuilder("systemd-nspawn", "--quiet", "--keep-unit", "--register=no",
                "--link-journal=no", "--directory=" + root, "--bind-ro=/usr", "--bind-ro=/etc", "--boot", "--",
                "systemd.unit=vcpu-agent.service").redirectErrorStream(true)
                .redirectOutput(work.resolve("container.log").toFile()).start();
        try {
            // The port opens before the connector is bound in the registry, and the logins are written at start:
            // the agent serves once a login works.
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            Service service = new Service(container, null, null, port);
            Integer vcpus = null;
            while (vcpus == null) {
                try (JMXConnector c = service.connect(root.resolve("var/lib/vcpu-agent"))) {
                    vcpus = (Integer) c.getMBeanServerConnection().getAttribute(TEST, "VcpuCount");
                } catch (IOException | AssertionError | javax.management.InstanceNotFoundException notYet) {
                    assertTrue(container.isAlive() && System.nanoTime() < deadline, "the unit did not serve JMX in "
                            + "the container (" + notYet + "):\n" + Files.readString(work.resolve("container.log")));
                    Thread.sleep(200);
                }
            }
            assertEquals(2, vcpus);
            Map<String, String> status = agentStatus();
            assertEquals(Integer.toString(uid(PACKAGE)), status.get("Uid").split("\\s+")[0], status.toString());
            assertEquals("2", status.get("Seccomp"), "a seccomp filter (SystemCallFilter=)");
            assertEquals("1", status.get("NoNewPrivs"));
            assertEquals("0000000000000000", status.get("CapBnd"), "no capability (CapabilityBoundingSet=)");
        } finally {
            container.destroy();   // nspawn shuts the container's systemd down, which stops the unit
            if (!container.waitFor(90, TimeUnit.SECONDS)) {
                container.destroyForcibly().waitFor();
            }
            Command.run("rm", "-rf", "--one-file-system", root.toString());
        }
        assertFalse(listening(port), "the agent stopped with the container");
    }

    /** /proc/PID/status of the one agent JVM that runs as vcpu-agent. */
    private static Map<String, String> agentStatus() throws Exception {
        String uid = Integer.toString(uid(PACKAGE));
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                Map<String, String> status = new TreeMap<>();
                try {
                    for (String line : Files.readAllLines(p.resolve("status"))) {
                        int colon = line.indexOf(':');
                        status.put(line.substring(0, colon), line.substring(colon + 1).trim());
                    }
                    String cmdline = Files.readString(p.resolve("cmdline"));
                    if (status.get("Uid").startsWith(uid + "\t") && cmdline.contains("vcpu-agent.jar")
                            && !cmdline.contains("LaunchPlan")) {
                        return status;
                    }
                } catch (IOException gone) {
                    // the process ended while we looked
                }
            }
        }
        throw new AssertionError("no vcpu-agent JVM running as user vcpu-agent");
    }

    /** A higher version of the same package: the edited /etc/default/vcpu-agent and the state folder stay. */
    @Test
    @Order(6)
    void anUpgradeKeepsTheEditedConffileAndTheLogins() throws Exception {
        Map<Path, byte[]> state = stateFiles();
        if (state.isEmpty()) {
            // No generated logins on this branch yet: a file of the service's stands in for them.
            Path standIn = STATE.resolve("stand-in.secret");
            Files.writeString(standIn, "kept across upgrades\n");
            Command.ok("chown", "vcpu-agent:vcpu-agent", standIn.toString());
            state = stateFiles();
        }
        String defaults = Files.readString(DEFAULTS);
        assertTrue(defaults.contains("--jmx-port=" + port), defaults);
        String before = Command.ok("dpkg-query", "-W", "-f=${Version}", PACKAGE);
        String uid = Command.ok("id", "-u", PACKAGE);

        Path higher = higherVersion(before + "+1");
        Command.ok("apt-get", "install", "-y", "-q", higher.toString());

        assertEquals(before + "+1", Command.ok("dpkg-query", "-W", "-f=${Version}", PACKAGE));
        assertEquals(defaults, Files.readString(DEFAULTS), "the edited conffile is kept");
        assertEquals(uid, Command.ok("id", "-u", PACKAGE), "the same user");
        Map<Path, byte[]> after = stateFiles();
        assertEquals(state.keySet(), after.keySet(), "the state folder's files are kept");
        for (Path p : state.keySet()) {
            assertArrayEquals(state.get(p), after.get(p), p + " is unchanged");
        }
        assertMode(STATE, "vcpu-agent", "vcpu-agent", "rwx------");
        try (Service service = Service.start(work.resolve("run2"), port); JMXConnector c = service.connect()) {
            assertEquals(2, c.getMBeanServerConnection().getAttribute(TEST, "VcpuCount"),
                    "the upgraded agent serves with the kept settings and logins");
        }
    }

    @Test
    @Order(7)
    void aPurgeLeavesNothingBehind() throws Exception {
        Command.ok("dpkg", "--purge", PACKAGE);
        assertFalse(installed());
        for (Path p : List.of(STATE, LOGS, CONFIG, SHARE, DEFAULTS, UNIT, Path.of("/usr/bin/vcpu-agent"))) {
            assertFalse(Files.exists(p, LinkOption.NOFOLLOW_LINKS), p + " is left after purge");
        }
        for (String f : packageFiles) {
            Path p = Path.of(f);
            if (!Files.isDirectory(p)) {
                assertFalse(Files.exists(p, LinkOption.NOFOLLOW_LINKS), p + " of the package is left after purge");
            }
        }
        assertNotEquals(0, Command.run("getent", "passwd", PACKAGE).exitCode(), "the user is gone");
        assertNotEquals(0, Command.run("getent", "group", PACKAGE).exitCode(), "its group is gone");
    }

    /** The package built by this Maven run (failsafe passes it), else the one in target/. */
    static Path builtPackage() throws IOException {
        String given = System.getProperty("vcpu.agent.deb", "");
        if (!given.isBlank() && !given.startsWith("${")) {
            return Path.of(given).toAbsolutePath();
        }
        try (Stream<Path> s = Files.list(Path.of("target"))) {
            List<Path> debs = s.filter(p -> p.getFileName().toString().matches("vcpu-agent_.*_all\\.deb")).toList();
            assertEquals(1, debs.size(), "one package in target/, from mvn package: " + debs);
            return debs.get(0).toAbsolutePath();
        }
    }

    /** The same package with a higher version: unpacked and rebuilt by dpkg-deb, as a rebuild would make it. */
    private Path higherVersion(String version) throws Exception {
        Path tree = work.resolve("tree");
        Command.ok("dpkg-deb", "-R", deb.toString(), tree.toString());
        Path control = tree.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: .*$", "Version: " + version));
        Path out = work.resolve("vcpu-agent_" + version + "_all.deb");
        Command.ok("dpkg-deb", "--root-owner-group", "-b", tree.toString(), out.toString());
        return out;
    }

    private static String[] contents(Path deb) throws Exception {
        List<String> files = new ArrayList<>();
        for (String line : Command.ok("dpkg-deb", "-c", deb.toString()).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6) {
                files.add(f[5].replaceFirst("^\\.", ""));
            }
        }
        return files.toArray(new String[0]);
    }

    private static Map<Path, byte[]> stateFiles() throws IOException {
        Map<Path, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(STATE)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                files.put(p, Files.readAllBytes(p));
            }
        }
        return files;
    }

    private static void assertMode(Path p, String owner, String group, String mode) throws IOException {
        assertEquals(owner, Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName(), p + "'s owner");
        assertEquals(group, Files.getAttribute(p, "posix:group", LinkOption.NOFOLLOW_LINKS).toString(), p + "'s group");
        assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)),
                p + "'s mode");
    }

    static boolean installed() throws Exception {
        Command q = Command.run("dpkg-query", "-W", "-f=${Status}", PACKAGE);
        return q.exitCode() == 0 && (q.output().contains("ok installed") || q.output().contains("config-files"));
    }

    static boolean isRoot() throws IOException {
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }

    static int uid(String user) throws Exception {
        return Integer.parseInt(Command.ok("id", "-u", user).strip());
    }

    static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
