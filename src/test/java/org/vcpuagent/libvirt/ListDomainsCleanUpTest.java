package org.vcpuagent.libvirt;

import com.sun.jna.Pointer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When wrapping one of the domains libvirt listed fails, every pointer libvirt handed over is freed exactly
 * once. The pointers are libvirt's own (three running domains of the test driver); only the failure is made
 * up, because libvirt cannot be made to fail reading a valid domain's name or UUID.
 */
class ListDomainsCleanUpTest {

    private static final String XML = "<domain type='test'><name>%s</name><memory>65536</memory><vcpu>1</vcpu>"
            + "<os><type>hvm</type></os></domain>";

    private static Connection conn;
    /** Started before and stopped after every test, so that libvirt lists at least three domains. */
    private static final List<Domain> EXTRA = new ArrayList<>();

    @BeforeAll
    static void startTwoMoreDomains() {
        conn = Connection.open("test:///default", false);
        EXTRA.add(TestLibvirt.createXml(conn, XML.formatted("cleanup-1")));
        EXTRA.add(TestLibvirt.createXml(conn, XML.formatted("cleanup-2")));
    }

    @AfterAll
    static void stopThem() {
        for (Domain d : EXTRA) {
            TestLibvirt.destroy(d);
            d.close();
        }
        conn.close();
    }

    /** A wrapped pointer, closed by freeing it, as {@link Domain#close} does. */
    private record Wrapped(DomainPtr ptr) {
    }

    /** Counts frees per pointer and really frees each one the first time only, so a double free fails, not crashes. */
    private static final class CountingFree implements Consumer<DomainPtr> {
        final Map<Long, Integer> frees = new LinkedHashMap<>();

        @Override
        public void accept(DomainPtr d) {
            long address = Pointer.nativeValue(d.getPointer());
            if (frees.merge(address, 1, Integer::sum) == 1) {
                LibvirtNative.INSTANCE.virDomainFree(d);
            }
        }
    }

    @Test
    void aWrapThatFailsLeavesEveryPointerFreedOnce() {
        CountingFree free = new CountingFree();
        List<Long> seen = new ArrayList<>();
        RuntimeException failure = new IllegalStateException("reading the second domain failed");

        RuntimeException thrown = assertThrows(RuntimeException.class, () -> conn.use(c ->
                conn.listAll(c, LibvirtNative.LIST_DOMAINS_ACTIVE, d -> {
                    seen.add(Pointer.nativeValue(d.getPointer()));
                    if (seen.size() == 2) {
                        // The Domain constructor's contract: a wrap that fails has freed its pointer.
                        free.accept(d);
                        throw failure;
                    }
                    return new Wrapped(d);
                }, w -> free.accept(w.ptr()), free)));

        assertSame(failure, thrown);
        assertEquals(2, seen.size(), "wrapping stops at the failure");
        assertEquals(activeDomains(), free.frees.size(), "each domain libvirt listed was freed: " + free.frees);
        assertTrue(free.frees.keySet().containsAll(seen));
        free.frees.forEach((address, n) -> assertEquals(1, n, "frees of the domain at 0x" + Long.toHexString(address)));
    }

    @Test
    void aWrapThatFailsFirstLeavesNothingWrappedAndTheRestFreed() {
        CountingFree free = new CountingFree();
        List<Wrapped> closed = new ArrayList<>();

        assertThrows(IllegalStateException.class, () -> conn.use(c ->
                conn.listAll(c, LibvirtNative.LIST_DOMAINS_ACTIVE, d -> {
                    free.accept(d);
                    throw new IllegalStateException("no domain can be read");
                }, (Wrapped w) -> closed.add(w), free)));

        assertEquals(List.of(), closed);
        assertEquals(activeDomains(), free.frees.size());
        free.frees.values().forEach(n -> assertEquals(1, n));
    }

    /** How many domains libvirt lists now: the test driver's own and ours, at least three. */
    private static int activeDomains() {
        List<Domain> domains = conn.listActiveDomains();
        try {
            assertTrue(domains.stream().map(Domain::name).toList().containsAll(List.of("test", "cleanup-1", "cleanup-2")),
                    domains.toString());
            return domains.size();
        } finally {
            domains.forEach(Domain::close);
        }
    }
}
