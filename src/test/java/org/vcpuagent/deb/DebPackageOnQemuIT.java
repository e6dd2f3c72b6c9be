package org.vcpuagent.deb;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.qemu.RealGuest;
import org.vcpuagent.testsupport.AgentProcess;
import org.vcpuagent.testsupport.CloseAll;
import org.vcpuagent.testsupport.JmxAwait;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The installed package's service on qemu:///system, as package.md tells an administrator to point it there
 * ({@code VCPU_AGENT_OPTS="--uri qemu:///system"} in /etc/default/vcpu-agent): the unit's own command run as
 * user vcpu-agent (scripts/run-as-unit.sh), whose read-write access to libvirtd comes from group libvirt alone
 * (scripts/install-libvirt-host.sh sets libvirtd.conf up so, as hosts without polkit need), manages a real TCG
 * guest over JMX with the generated admin login: a pin shows in the vCPU thread's affinity in /proc.
 * Tagged qemu (a real guest) and deb (it installs and purges the package, so it needs root).
 */
@Tag("deb")
@Tag("qemu")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DebPackageOnQemuIT {

    private static final String NAME = "vcpu-agent-deb";
    private static final ObjectName BEAN = DomainVcpuBean.objectName(NAME);
    private static final String STRING = String.class.getName();

    private final int port;
    private InstalledPackage installation;
    private RealGuest guest;

    DebPackageOnQemuIT() throws Exception {
        port = AgentProcess.freePort();
    }

    @BeforeAll
    void installThePackageAndBootAGuest() throws Exception {
        assumeTrue(DebPackageIT.isRoot(), "installs a Debian package: run as root (CI does), or leave it out with "
                + "-Dgroups='!deb'");
        RealGuest.assumeAvailable();
        installation = InstalledPackage.install("deb-qemu-it");
        Path defaults = DebPackageIT.DEFAULTS;
        String edited = Files.readString(defaults).replace("VCPU_AGENT_OPTS=\"\"",
                "VCPU_AGENT_OPTS=\"--uri qemu:///system --jmx-port=" + port + "\"");
        assertTrue(edited.contains("--uri qemu:///system"), "the shipped " + defaults + " has VCPU_AGENT_OPTS=\"\"");
        Files.writeString(defaults, edited);
        guest = RealGuest.start(NAME);
    }

    @AfterAll
    void removeTheGuestAndThePackage() throws Exception {
        // A start that failed half-way leaves the domain defined for inspection; remove it all the same.
        AutoCloseable domain = guest != null ? guest : installation == null ? null : () -> RealGuest.undefine(NAME);
        CloseAll.inOrder(domain, installation);
    }

    @Test
    void theUnitsCommandPinsAVcpuOfARealGuestAsUserVcpuAgent() throws Exception {
        try (Service service = Service.start(installation.work().resolve("run"), port)) {
            assertEquals(DebPackageIT.uid(DebPackageIT.PACKAGE), service.uid(), "runs as user vcpu-agent");
            long pid = service.process().pid();
            String libvirtGid = Command.ok("getent", "group", "libvirt").split(":")[2];
            assertTrue(List.of(procStatus(pid, "Groups").split("\\s+")).contains(libvirtGid),
                    "in group libvirt, its only way to libvirtd's read-write socket");

            String cpu = Integer.toString(Runtime.getRuntime().availableProcessors() - 1);
            long thread = guest.vcpuThreadIdsByIndex().get(0);
            try (JMXConnector c = service.connect()) {
                MBeanServerConnection mbs = c.getMBeanServerConnection();
                JmxAwait.registered(mbs, BEAN, true, Duration.ofSeconds(30));
                assertEquals(1, mbs.getAttribute(BEAN, "VcpuCount"), "the test guest boots with 1 vCPU");
                assertEquals(1, ((TabularData) mbs.getAttribute(BEAN, "Vcpus")).size());

                mbs.invoke(BEAN, "pinVcpu", new Object[] {0, cpu}, new String[] {"int", STRING});
                CompositeData row = ((TabularData) mbs.getAttribute(BEAN, "Vcpus")).get(new Object[] {0});
                assertEquals(cpu, row.get("affinity"), row.toString());
            }
            assertEquals(cpu, guest.cpusAllowedList(thread), "vCPU 0's thread in /proc/PID/task/TID/status");

            assertEquals(143, service.terminate(), "the JVM's exit on SIGTERM, which the unit counts as success");
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the agent is gone");
            assertFalse(DebPackageIT.listening(port), "its JMX port, and the beans with it, are gone");
        }
    }

    private static String procStatus(long pid, String key) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(key + ":")) {
                return line.substring(key.length() + 1).trim();
            }
        }
        throw new AssertionError("no " + key + " in /proc/" + pid + "/status");
    }
}
