package org.vcpuagent.agent;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.VcpuInfo;
import org.vcpuagent.testsupport.CloseAll;

import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bad input over JMX gets an exception whose message names the problem and what is allowed,
 * and the domain is exactly as before: as libvirt itself reports it on a connection of the test's own,
 * not as the agent reports it.
 */
class BadInputTest {

    private static final ObjectName TEST = EndToEndTest.TEST;
    private static final String STRING = String.class.getName();

    private static TestAgent agent;
    private static MBeanServerConnection admin;
    /**
     * Domain 'test' as libvirt itself reports it, on a connection of the test's own through our binding
     * ({@link TestAgent#outside}): libvirt's test driver keeps one test:///default per process for every
     * connection to it, and the agent runs in this process, so this is the very domain the agent changes.
     */
    private static Domain domain;
    private static int maplen;
    private Object before;

    @BeforeAll
    static void start() throws Exception {
        agent = TestAgent.start();
        admin = agent.admin();
        Connection libvirt = agent.outside(true);
        domain = TestLibvirt.lookupByName(libvirt, "test");
        maplen = libvirt.hostInfo().mapLength();
    }

    @AfterAll
    static void stop() throws Exception {
        CloseAll.inOrder(domain, agent);
    }

    @BeforeEach
    void pinVcpuOneSoTheDomainIsNotAtDefaults() throws Exception {
        admin.setAttribute(TEST, new Attribute("VcpuCount", 2));
        admin.invoke(TEST, "pinVcpu", new Object[] {1, "2-3"}, new String[] {"int", STRING});
        before = snapshot();
        // Else the snapshot would read a copy the agent does not change, and every comparison would pass.
        assertTrue(before.toString().contains(" vcpu1=2-3 "), "libvirt on another connection sees the agent's pin: "
                + before);
    }

    @AfterEach
    void restore() throws Exception {
        admin.invoke(TEST, "pinVcpu", new Object[] {1, "r"}, new String[] {"int", STRING});
    }

    /** What must not change: count, and each vCPU's affinity and pinning, as libvirt reports them. */
    private static String snapshot() {
        int max = domain.maxVcpus();
        StringBuilder sb = new StringBuilder("count=" + domain.vcpuCount());
        for (VcpuInfo v : domain.vcpus(max, maplen)) {
            sb.append(" vcpu").append(v.number()).append('=').append(v.affinity().toCpuList());
        }
        return sb + " pins=" + domain.vcpuPinInfo(max, maplen).stream().map(CpuMap::toCpuList).toList();
    }

    static Stream<Arguments> badCalls() {
        return Stream.of(
            Arguments.of("pinVcpu to a vCPU that does not exist", "pinVcpu", new Object[] {5, "1"},
                    "vCPU 5 does not exist in domain 'test': give a vCPU number from 0 to 1"),
            Arguments.of("pinVcpu to a negative vCPU", "pinVcpu", new Object[] {-1, "1"},
                    "vCPU -1 does not exist"),
            Arguments.of("pinVcpuMap to a negative vCPU", "pinVcpuMap", new Object[] {-3, new byte[] {1}},
                    "vCPU -3 does not exist"),
            Arguments.of("count 0", "setVcpus", new Object[] {0},
                    "vCPU count 0 is not allowed for domain 'test': give a number from 1 to 2 (MaxVcpus)"),
            Arguments.of("count above MaxVcpus", "setVcpus", new Object[] {3}, "vCPU count 3 is not allowed"),
            Arguments.of("negative count", "setVcpus", new Object[] {-2}, "vCPU count -2 is not allowed"),
            Arguments.of("an empty cpulist", "pinVcpu", new Object[] {0, "0,^0"}, "selects no CPU"),
            Arguments.of("a blank cpulist", "pinVcpu", new Object[] {0, ""}, "cpulist is empty"),
            Arguments.of("a null cpulist", "pinVcpu", new Object[] {0, null}, "cpulist is empty"),
            Arguments.of("a reversed range", "pinVcpu", new Object[] {0, "3-1"}, "range '3-1' in cpulist '3-1' is reversed"),
            Arguments.of("a CPU beyond the host", "pinVcpu", new Object[] {0, "8"},
                    "CPU 8 in '8' of cpulist '8' is beyond the host, which has CPUs 0-7"),
            Arguments.of("garbage", "pinVcpu", new Object[] {0, "all of them"}, "'all of them' in cpulist"),
            Arguments.of("an empty cpumap", "pinVcpuMap", new Object[] {0, new byte[0]}, "cpumap is empty"),
            Arguments.of("a null cpumap", "pinVcpuMap", new Object[] {0, null}, "cpumap is empty"),
            Arguments.of("a cpumap with only zero bits", "pinVcpuMap", new Object[] {0, new byte[] {0, 0}},
                    "cpumap of 2 byte(s) has no bit set"),
            Arguments.of("a cpumap beyond the host", "pinVcpuMap", new Object[] {0, new byte[] {0, 1}},
                    "cpumap selects CPU 8, beyond the host"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCalls")
    void isRefusedWithAClearMessageAndChangesNothing(String what, String op, Object[] args, String expected)
            throws Exception {
        String[] signature = switch (op) {
            case "setVcpus" -> new String[] {"int"};
            case "pinVcpu" -> new String[] {"int", STRING};
            default -> new String[] {"int", "[B"};
        };
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class, () -> admin.invoke(TEST, op, args, signature));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains(expected),
                () -> "message '" + e.getCause().getMessage() + "' should contain '" + expected + "'");
        assertEquals(before, snapshot());
    }

    @ParameterizedTest(name = "VcpuCount = {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 3, -1, Integer.MAX_VALUE, Integer.MIN_VALUE})
    void writingABadVcpuCountIsRefused(int count) throws Exception {
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class,
                () -> admin.setAttribute(TEST, new Attribute("VcpuCount", count)));
        assertTrue(e.getCause().getMessage().contains("vCPU count " + count + " is not allowed"), e.getCause().getMessage());
        assertEquals(before, snapshot());
    }

    @ParameterizedTest(name = "pin offline vCPU")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1})
    void pinningAnOfflineVcpuIsRefused(int vcpu) throws Exception {
        admin.setAttribute(TEST, new Attribute("VcpuCount", 1));
        try {
            Object oneVcpu = snapshot();
            RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class,
                    () -> admin.invoke(TEST, "pinVcpu", new Object[] {vcpu, "0"}, new String[] {"int", STRING}));
            assertTrue(e.getCause().getMessage().contains("vCPU 1 of domain 'test' is offline"), e.getCause().getMessage());
            assertEquals(oneVcpu, snapshot());
        } finally {
            admin.setAttribute(TEST, new Attribute("VcpuCount", 2));
        }
    }
}
