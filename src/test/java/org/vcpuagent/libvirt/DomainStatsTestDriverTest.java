package org.vcpuagent.libvirt;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.model.DomainVcpuStats;
import org.vcpuagent.model.VcpuStats;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bulk statistics against libvirt's in-process test driver. As measured on libvirt 9.0, that driver
 * implements only the {@code state} group: a domain's record has {@code state.state} and
 * {@code state.reason} and no {@code vcpu.*} at all, so the vCPU parts of the model must come out as
 * "not reported". The vCPU decoding itself is checked here on parameters shaped like the QEMU driver's.
 */
class DomainStatsTestDriverTest {

    private static final String TEST_UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f";

    private static Connection conn;

    @BeforeAll
    static void open() {
        conn = Connection.open("test:///default", false);
    }

    @AfterAll
    static void close() {
        conn.close();
    }

    @Test
    void theTestDriverListsItsDomainButReportsNoVcpuStatistics() {
        Map<String, DomainVcpuStats> all = TestLibvirt.allActive(conn);
        DomainVcpuStats test = all.get(TEST_UUID);
        assertEquals(new DomainVcpuStats(TEST_UUID, "test", null, null, List.of()), test, all.toString());
    }

    @Test
    void notWaitingForBusyDomainsGivesTheSameAnswerOnAnIdleDriver() {
        assertEquals(TestLibvirt.allActive(conn).get(TEST_UUID),
                DomainStatsReader.allActiveWithoutWaiting(conn).get(TEST_UUID));
    }

    @Test
    void oneDomainAnswersLikeTheBulkCall() {
        try (Domain test = TestLibvirt.lookupByName(conn, "test")) {
            assertEquals(new DomainVcpuStats(TEST_UUID, "test", null, null, List.of()), DomainStatsReader.of(test));
        }
    }

    @Test
    void onlyRunningDomainsAreListedAndEachUnderItsOwnUuid() {
        String xml = "<domain type='test'><name>stats-probe</name><uuid>0b2c1e4e-5b1d-4c55-9a39-d1f8b9a7c001</uuid>"
                + "<memory>65536</memory><vcpu>3</vcpu><os><type>hvm</type></os></domain>";
        try (Domain probe = TestLibvirt.createXml(conn, xml)) {
            Map<String, DomainVcpuStats> all = TestLibvirt.allActive(conn);
            assertEquals("stats-probe", all.get("0b2c1e4e-5b1d-4c55-9a39-d1f8b9a7c001").name());
            assertEquals("test", all.get(TEST_UUID).name());
            assertEquals(probe.uuid(), DomainStatsReader.of(probe).uuid());
            TestLibvirt.destroy(probe);
            assertFalse(TestLibvirt.allActive(conn).containsKey(probe.uuid()));
            // A stopped transient domain no longer exists. libvirt silently leaves it out of the list; the
            // binding makes that the usual "no domain" error.
            LibvirtException e = assertThrows(LibvirtException.class, () -> DomainStatsReader.of(probe));
            assertEquals(LibvirtException.ERR_NO_DOMAIN, e.getCode(), e.getMessage());
            assertTrue(e.isDomainGone());
            assertEquals("virDomainListGetStats(stats-probe)", e.getOperation());
            assertEquals("libvirt returned no statistics for domain 'stats-probe': it no longer exists",
                    e.getLibvirtMessage());
        }
    }

    @Test
    void aReadOnlyConnectionMayReadStatistics() {
        try (Connection ro = Connection.open("test:///default", true)) {
            assertEquals("test", TestLibvirt.allActive(ro).get(TEST_UUID).name());
        }
    }

    @Test
    void aClosedConnectionIsAClearError() {
        Connection other = Connection.open("test:///default", true);
        other.close();
        assertThrows(HandleClosedException.class, () -> TestLibvirt.allActive(other));
    }

    @Test
    void manyCallsInARowLeaveNothingBehind() {
        // Each call hands over a list that must be freed; a crash or a failure here means a double free.
        for (int i = 0; i < 2000; i++) {
            assertEquals("test", TestLibvirt.allActive(conn).get(TEST_UUID).name());
        }
    }

    /** Parameters as libvirt 9.0's QEMU driver reports them, in its order, with types as it sends them. */
    private static Map<String, Object> qemuLikeParams() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("state.state", 1);
        p.put("state.reason", 1);
        p.put("vcpu.current", 4L);
        p.put("vcpu.maximum", 12L);
        for (int n : new int[] {0, 1, 2, 10}) {
            p.put("vcpu." + n + ".state", 1);
            p.put("vcpu." + n + ".time", BigInteger.valueOf(1_000_000_000L * (n + 1)));
            p.put("vcpu." + n + ".wait", BigInteger.ZERO);
            p.put("vcpu." + n + ".delay", BigInteger.valueOf(7 + n));
        }
        return p;
    }

    @Test
    void vcpuParametersBecomeOneEntryPerVcpuInNumericOrder() {
        Map<String, Object> p = qemuLikeParams();
        p.put("vcpu.2.halted", true);
        p.put("vcpu.10.halted", false);
        p.put("vcpu.1.time", BigInteger.ZERO);

        DomainVcpuStats s = DomainStatsReader.toModel("u", "guest", p);

        assertEquals(4, s.current());
        assertEquals(12, s.maximum());
        assertEquals(List.of(
                new VcpuStats(0, 1, 1_000_000_000L, 0L, 7L, null),
                new VcpuStats(1, 1, 0L, 0L, 8L, null),
                new VcpuStats(2, 1, 3_000_000_000L, 0L, 9L, true),
                new VcpuStats(10, 1, 11_000_000_000L, 0L, 17L, false)), s.vcpus(), "10 after 2, not after 1");
        assertEquals("running", s.vcpus().get(0).stateWord());
    }

    @Test
    void missingValuesStayMissingRatherThanZero() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("vcpu.maximum", 2L);
        p.put("vcpu.1.state", 0);
        p.put("vcpu.unrelated", 5);
        p.put("vcpu.1.something_new", 3);

        DomainVcpuStats s = DomainStatsReader.toModel("u", "guest", p);

        assertNull(s.current());
        assertEquals(List.of(new VcpuStats(1, 0, null, null, null, null)), s.vcpus());
        assertEquals("offline", s.vcpus().get(0).stateWord());
        assertNull(new VcpuStats(0, null, null, null, null, null).stateWord());
        assertEquals("unknown(7)", new VcpuStats(0, 7, null, null, null, null).stateWord());
    }

    @Test
    void onlyVcpuNumberDotFieldKeysArePerVcpu() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("vcpu.3.state", 1);
        p.put("vcpu.3x.state", 1);
        p.put("vcpu.4.", 1);
        p.put("vcpu..state", 1);
        p.put("vcpu.5.State", 1);
        p.put("vcpu.6.state.extra", 1);
        p.put("cpu.7.state", 1);

        DomainVcpuStats s = DomainStatsReader.toModel("u", "guest", p);

        assertEquals(List.of(new VcpuStats(3, 1, null, null, null, null)), s.vcpus(), s.vcpus().toString());
    }

    @Test
    void valuesOfAnUnexpectedTypeOrRangeAreErrorsNotGuesses() {
        Map<String, Object> p = qemuLikeParams();
        p.put("vcpu.0.time", new BigInteger("18446744073709551615"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DomainStatsReader.toModel("u", "g", p));
        assertEquals("vcpu.0.time = 18446744073709551615 does not fit a long", e.getMessage());

        Map<String, Object> q = qemuLikeParams();
        q.put("vcpu.current", "four");
        e = assertThrows(IllegalStateException.class, () -> DomainStatsReader.toModel("u", "g", q));
        assertEquals("vcpu.current is a String, expected an integer", e.getMessage());

        Map<String, Object> r = qemuLikeParams();
        r.put("vcpu.0.halted", 1);
        e = assertThrows(IllegalStateException.class, () -> DomainStatsReader.toModel("u", "g", r));
        assertEquals("vcpu.0.halted is a Integer, expected a boolean", e.getMessage());
    }

    @Test
    void theModelsListIsACopy() {
        java.util.List<VcpuStats> list = new java.util.ArrayList<>();
        list.add(new VcpuStats(0, 1, 1L, 0L, 0L, null));
        DomainVcpuStats s = new DomainVcpuStats("u", "g", 1, 1, list);
        list.clear();
        assertEquals(1, s.vcpus().size());
        assertThrows(UnsupportedOperationException.class, () -> s.vcpus().clear());
    }
}
