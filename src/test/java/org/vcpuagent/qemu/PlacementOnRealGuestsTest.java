package org.vcpuagent.qemu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.testsupport.CloseAll;
import org.vcpuagent.testsupport.Json;
import org.vcpuagent.testsupport.JmxAwait;
import org.vcpuagent.testsupport.JmxNames;
import org.vcpuagent.testsupport.NotificationRecorder;

import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Placement on two real guests on qemu:///system, checked from outside the agent: /proc's Cpus_allowed_list of
 * each vCPU and IOThread, virsh vcpupin of the second guest behind the agent's back, and the persistent XML.
 */
@Tag("qemu")
class PlacementOnRealGuestsTest {

    private static final String A = "vcpu-agent-place-a";
    private static final String B = "vcpu-agent-place-b";
    private static final ObjectName HOST = JmxNames.parse("libvirt.vcpu:type=Host");
    private static final String[] POLICY = {String.class.getName(), "boolean"};

    private static GuestUnderAgent a;
    private static RealGuest b;
    private static MBeanServerConnection jmx;

    @BeforeAll
    static void start() throws Exception {
        a = GuestUnderAgent.start(A);
        try {
            b = RealGuest.start(B);
            jmx = a.jmx();
            JmxAwait.registered(jmx, DomainVcpuBean.objectName(B), true, Duration.ofSeconds(10));
        } catch (Exception | Error e) {
            CloseAll.inOrder(a);
            throw e;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        CloseAll.inOrder(a, b);
    }

    @Test
    void dedicatedGivesEachVcpuItsOwnCpuAnOutsidePinOntoItIsAConflictAndTheSecondGuestIsRefused() throws Exception {
        ObjectName beanA = a.bean();
        ObjectName beanB = DomainVcpuBean.objectName(B);
        try (NotificationRecorder host = NotificationRecorder.listen(jmx, HOST)) {
            // With the emulator isolated too, a guest of one vCPU takes both CPUs of a 2-CPU host.
            String applied = (String) jmx.invoke(beanA, "applyPlacement",
                    new Object[] {"dedicated,emulator=isolate", false}, POLICY);
            String cpu = applied.split("vcpu 0 -> cpu ")[1].split("\n")[0];
            long tid = a.guest().vcpuThreadIds().get(0);
            assertEquals(cpu, a.guest().cpusAllowedList(tid), applied);

            RealGuest.virsh("vcpupin", B, "0", cpu, "--live");
            Notification n = host.await("the conflict", x -> x.getType().equals("libvirt.vcpu.placement.conflict")
                    && x.getMessage().contains(B + ":0"), Duration.ofSeconds(35));
            assertTrue(n.getMessage().contains(A + ":0"), n.getMessage());
            TabularData conflicts = (TabularData) jmx.getAttribute(HOST, "Conflicts");
            assertTrue(conflicts.values().stream().map(r -> (String) ((CompositeData) r).get("threads"))
                    .anyMatch(t -> t.contains(A + ":0") && t.contains(B + ":0")), conflicts.toString());

            String before = RealGuest.virsh("vcpupin", B);
            Exception refused = assertThrows(Exception.class, () -> jmx.invoke(beanB, "planPlacement",
                    new Object[] {"dedicated"}, new String[] {String.class.getName()}));
            assertTrue(refused.getCause().getMessage().contains("cannot be met for domain '" + B + "'"),
                    refused.getCause().getMessage());
            assertEquals(before, RealGuest.virsh("vcpupin", B), "a refused plan changes nothing");

            jmx.invoke(beanA, "restorePlacement", null, null);
            RealGuest.virsh("vcpupin", B, "0", "0-" + (Runtime.getRuntime().availableProcessors() - 1), "--live");
        }
    }

    @Test
    void aPersistentPlacementWritesVcpupinRowsIntoTheInactiveXml() throws Exception {
        jmx.invoke(a.bean(), "applyPlacement", new Object[] {"dedicated", true}, POLICY);
        String xml = RealGuest.virsh("dumpxml", A, "--inactive");
        assertTrue(xml.contains("<vcpupin vcpu='0' cpuset="), xml);
        jmx.invoke(a.bean(), "restorePlacement", null, null);
    }

    @Test
    void anIoThreadIsPinnedAsVirshAndProcShowThenPlacedByPolicyBesideTheEmulatorAndRestored() throws Exception {
        RealGuest.virsh("iothreadadd", A, "1", "--live");
        try {
            jmx.invoke(a.bean(), "pinIoThread", new Object[] {1, "1"}, new String[] {"int", String.class.getName()});
            assertTrue(RealGuest.virsh("iothreadinfo", A).matches("(?s).*\\n\\s*1\\s+1\\s*\\n.*"),
                    RealGuest.virsh("iothreadinfo", A));
            String reply = RealGuest.virsh("qemu-monitor-command", A, "{\"execute\":\"query-iothreads\"}");
            Map<String, Object> top = Json.object(Json.parse(reply.trim()), "query-iothreads reply");
            List<Object> threads = Json.list(top.get("return"), "return");
            long tid = Json.longMember(Json.object(threads.get(0), "iothread"), "thread-id");
            assertEquals("1", a.guest().cpusAllowedList(tid));
            Exception missing = assertThrows(Exception.class, () -> jmx.invoke(a.bean(), "pinIoThread",
                    new Object[] {9, "1"}, new String[] {"int", String.class.getName()}));
            assertTrue(missing.getCause().getMessage().contains("IOThread 9 does not exist"),
                    missing.getCause().getMessage());

            String applied = (String) jmx.invoke(a.bean(), "applyPlacement",
                    new Object[] {"dedicated,emulator=isolate", false}, POLICY);
            String emulator = applied.split("emulator -> cpu ")[1].split("\n")[0];
            assertTrue(applied.contains("\niothread 1 -> cpu " + emulator), applied);
            assertEquals(emulator, a.guest().cpusAllowedList(tid), "the IOThread on the emulator's CPU: " + applied);
            jmx.invoke(a.bean(), "restorePlacement", null, null);
            assertEquals("1", a.guest().cpusAllowedList(tid), "its own pin back");
        } finally {
            RealGuest.virsh("iothreaddel", A, "1", "--live");
        }
    }
}
