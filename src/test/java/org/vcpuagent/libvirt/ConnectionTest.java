package org.vcpuagent.libvirt;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.model.VcpuInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The binding against libvirt's in-process test driver, whose default host and domain are known. */
class ConnectionTest {

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
    void readsTheTestDriversHost() {
        HostInfo h = conn.hostInfo();
        assertEquals(16, h.cpus());
        assertEquals(2, h.numaNodes());
        assertEquals(2, h.sockets());
        assertEquals(2, h.coresPerSocket());
        assertEquals(2, h.threadsPerCore());
        assertEquals(8, h.presentCpus(), "virNodeGetCPUMap covers 8 CPUs on the test driver");
        assertEquals(1, h.mapLength());
        assertEquals("0,2,4", h.onlineCpus().toCpuList());
        assertEquals("i686", h.model());
        assertTrue(conn.libvirtVersion().matches("\\d+\\.\\d+\\.\\d+"), conn.libvirtVersion());
        assertEquals(conn.libvirtVersion(), TestLibvirt.libraryVersion());
        assertEquals("test:///default", conn.resolvedUri());
        assertTrue(conn.isAlive());
    }

    @Test
    void listsAndReadsTheTestDomain() {
        List<Domain> domains = conn.listActiveDomains();
        try {
            Domain test = domains.stream().filter(d -> d.name().equals("test")).findFirst().orElseThrow();
            assertEquals("6695eb01-f6a4-8304-79aa-97f2502e193f", test.uuid());
            assertEquals("running", test.state());
            assertEquals(2, test.maxVcpus());
            List<VcpuInfo> vcpus = test.vcpus(test.maxVcpus(), 1);
            assertEquals(test.vcpuCount(), vcpus.size());
            assertEquals(0, vcpus.get(0).number());
            assertEquals("running", vcpus.get(0).state());
            assertTrue(vcpus.get(0).cpuTime() > 0);
            assertTrue(test.vcpuPinInfo(2, 1).size() >= test.vcpuCount());
        } finally {
            domains.forEach(Domain::close);
        }
    }

    @Test
    void aUuidReadsAsLibvirtWritesIt() {
        // Bytes above 0x7f and each group boundary: the binding formats the raw bytes itself.
        String uuid = "ff80a5e1-0f7e-4c3d-9b2a-8000000000fe";
        try (Domain d = TestLibvirt.createXml(conn, "<domain type='test'><name>uuid-text</name><uuid>" + uuid
                + "</uuid><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>")) {
            assertEquals(uuid, d.uuid());
            assertEquals(uuid, DomainStatsReader.of(d).uuid(), "a statistics record names the domain the same way");
            d.use(p -> {
                byte[] text = new byte[37];
                LibvirtNative.INSTANCE.virDomainGetUUIDString(p, text);
                assertEquals(new String(text, 0, 36, java.nio.charset.StandardCharsets.US_ASCII), d.uuid(),
                        "libvirt's own text form");
                return null;
            });
            TestLibvirt.destroy(d);
        }
    }

    @Test
    void pinsAndReadsBackThroughGetVcpusAndPinInfo() {
        try (Domain test = TestLibvirt.lookupByName(conn, "test")) {
            CpuMap before = test.vcpuPinInfo(2, 1).get(1);
            try {
                test.pinVcpu(1, CpuMap.of(3, 5).toBytes(1));
                assertEquals("3,5", test.vcpuPinInfo(2, 1).get(1).toCpuList());
                assertEquals("3,5", test.vcpus(2, 1).get(1).affinity().toCpuList());
            } finally {
                test.pinVcpu(1, before.toBytes(1));
            }
        }
    }

    @Test
    void libvirtErrorsCarryCodeDomainAndMessage() {
        LibvirtException e = assertThrows(LibvirtException.class, () -> TestLibvirt.lookupByName(conn, "no-such-domain"));
        assertEquals(LibvirtException.ERR_NO_DOMAIN, e.getCode());
        assertTrue(e.getErrorDomain() > 0);
        assertTrue(e.getLibvirtMessage().contains("not found"), e.getLibvirtMessage());
        assertTrue(e.isDomainGone());
        assertEquals("virDomainLookupByName(no-such-domain)", e.getOperation());
    }

    @Test
    void openingABadUriFailsWithLibvirtsReason() {
        LibvirtException e = assertThrows(LibvirtException.class, () -> Connection.open("nosuchdriver:///x", true));
        assertTrue(e.getMessage().contains("nosuchdriver"), e.getMessage());
    }

    @Test
    void aClosedHandleIsAClearErrorNotACrash() {
        Domain test = TestLibvirt.lookupByName(conn, "test");
        test.close();
        test.close();
        HandleClosedException e = assertThrows(HandleClosedException.class, test::vcpuCount);
        assertTrue(e.getMessage().contains("closed"));
        Connection other = Connection.open("test:///default", true);
        other.close();
        assertFalse(other.isAlive());
        assertThrows(HandleClosedException.class, other::hostInfo);
    }

    @Test
    void readOnlyConnectionsAreRefusedChangesByLibvirt() {
        try (Connection ro = Connection.open("test:///default", true); Domain test = TestLibvirt.lookupByName(ro, "test")) {
            LibvirtException e = assertThrows(LibvirtException.class, () -> test.setVcpus(1, false));
            assertEquals(LibvirtException.ERR_OPERATION_DENIED, e.getCode());
            assertEquals(2, test.maxVcpus());
        }
    }

    @Test
    void manyThreadsMayUseOneConnectionAndDomainAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Domain test = TestLibvirt.lookupByName(conn, "test")) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    if (n % 3 == 0) {
                        // Errors are per thread: a failure on one thread must not leak into another's result.
                        assertThrows(LibvirtException.class, () -> TestLibvirt.lookupByName(conn, "missing-" + n));
                        return 2;
                    }
                    return test.vcpus(2, 1).size() + (n % 3 == 1 ? 0 : conn.hostInfo().presentCpus() - 8);
                }));
            }
            for (Future<Integer> f : results) {
                assertTrue(f.get() >= 1);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
