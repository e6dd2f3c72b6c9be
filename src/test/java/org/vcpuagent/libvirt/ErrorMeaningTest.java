package org.vcpuagent.libvirt;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.model.CpuMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a libvirt failure means (domain gone, connection lost) comes from libvirt's error codes and, where a code
 * is ambiguous, from asking libvirt, never from its messages, which it translates. Against the test driver.
 */
class ErrorMeaningTest {

    private static final String XML = "<domain type='test'><name>%s</name><memory>65536</memory><vcpu>2</vcpu>"
            + "<os><type>hvm</type></os></domain>";

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
    void aDefinedDomainThatIsNotRunningIsGone() {
        try (Domain stopped = TestLibvirt.defineXml(conn, XML.formatted("meaning-stopped"))) {
            try {
                assertFalse(stopped.isActive());
                for (org.junit.jupiter.api.function.Executable call : new org.junit.jupiter.api.function.Executable[] {
                        stopped::vcpuCount, () -> stopped.vcpus(2, 1), () -> stopped.setVcpus(1, false)}) {
                    LibvirtException e = assertThrows(LibvirtException.class, call);
                    assertEquals(LibvirtException.ERR_OPERATION_INVALID, e.getCode(), e.getMessage());
                    assertTrue(e.isDomainGone(), e.getMessage());
                    assertFalse(e.isConnectionLost(), e.getMessage());
                }
            } finally {
                TestLibvirt.undefine(stopped);
            }
        }
    }

    @Test
    void anOperationRefusedOnARunningDomainDoesNotMakeItGone() {
        try (Domain running = TestLibvirt.createXml(conn, XML.formatted("meaning-running"))) {
            try {
                assertTrue(running.isActive());
                // The same code as for a stopped domain: only asking libvirt tells the two apart.
                LibvirtException e = assertThrows(LibvirtException.class, () -> running.setVcpus(1, true));
                assertEquals(LibvirtException.ERR_OPERATION_INVALID, e.getCode(), e.getMessage());
                assertFalse(e.isDomainGone(), "a transient domain has no configuration to change: " + e.getMessage());
                assertFalse(e.isConnectionLost());
            } finally {
                TestLibvirt.destroy(running);
            }
        }
    }

    @Test
    void aDestroyedTransientDomainIsGone() {
        try (Domain transientDomain = TestLibvirt.createXml(conn, XML.formatted("meaning-transient"))) {
            TestLibvirt.destroy(transientDomain);
            LibvirtException e = assertThrows(LibvirtException.class, transientDomain::vcpuCount);
            assertEquals(LibvirtException.ERR_NO_DOMAIN, e.getCode(), e.getMessage());
            assertTrue(e.isDomainGone());
            assertFalse(e.isConnectionLost());
            LibvirtException pin = assertThrows(LibvirtException.class,
                    () -> transientDomain.pinVcpu(0, CpuMap.of(1).toBytes(1)));
            assertTrue(pin.isDomainGone(), pin.getMessage());
            assertThrows(LibvirtException.class, transientDomain::isActive);
        }
    }

    @Test
    void aStoppedDomainIsNotPinnedThroughItsConfiguration() {
        try (Domain stopped = TestLibvirt.defineXml(conn, XML.formatted("meaning-pin"))) {
            try {
                // The test driver refuses the LIVE flag; CURRENT would pin the stopped domain's configuration.
                LibvirtException e = assertThrows(LibvirtException.class,
                        () -> stopped.pinVcpu(0, CpuMap.of(3).toBytes(1)));
                assertTrue(e.isDomainGone(), e.getMessage());
                assertFalse(e.isConnectionLost(), e.getMessage());
            } finally {
                TestLibvirt.undefine(stopped);
            }
        }
    }

    @Test
    void aRefusalOnAHealthyConnectionLosesNothing() {
        try (Connection ro = Connection.open("test:///default", true); Domain test = TestLibvirt.lookupByName(ro, "test")) {
            LibvirtException e = assertThrows(LibvirtException.class, () -> test.setVcpus(1, false));
            assertEquals(LibvirtException.ERR_OPERATION_DENIED, e.getCode());
            assertFalse(e.isDomainGone());
            assertFalse(e.isConnectionLost());
        }
    }

    @Test
    void aFailureAfterItsConnectionClosedSaysTheConnectionIsLost() {
        Connection other = Connection.open("test:///default", false);
        try (Domain stopped = TestLibvirt.defineXml(other, XML.formatted("meaning-closed"))) {
            other.close();
            // libvirt keeps its side of the connection while a domain holds it; ours is closed.
            LibvirtException e = assertThrows(LibvirtException.class, stopped::vcpuCount);
            assertTrue(e.isConnectionLost(), e.getMessage());
            assertTrue(e.isDomainGone(), e.getMessage());
            TestLibvirt.undefine(stopped);
        }
    }

    @Test
    void withoutAPointerToAskOnlyTheCodeCounts() {
        assertTrue(new LibvirtException("op", LibvirtException.ERR_RPC, 0, "any text").isConnectionLost());
        assertTrue(new LibvirtException("op", LibvirtException.ERR_INVALID_CONN, 0, null).isConnectionLost());
        assertTrue(new LibvirtException("op", LibvirtException.ERR_NO_DOMAIN, 0, "x").isDomainGone());
        LibvirtException ambiguous = new LibvirtException("op", LibvirtException.ERR_OPERATION_INVALID, 0,
                "domain is not running");
        assertFalse(ambiguous.isDomainGone(), "the message is not read");
        assertFalse(new LibvirtException("op", LibvirtException.ERR_SYSTEM_ERROR, 0, "connection reset")
                .isConnectionLost(), "the message is not read");
    }
}
