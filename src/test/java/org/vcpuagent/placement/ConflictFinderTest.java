package org.vcpuagent.placement;

import org.junit.jupiter.api.Test;
import org.vcpuagent.model.CpuMap;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each kind of conflict, on a synthetic 2 x 8 x 2 host (CPU n and n+16 share a core). */
class ConflictFinderTest {

    static final Topology HOST = SyntheticHost.with(2, 8, 2, CpuMap.of(31), CpuMap.of(15), CpuMap.of());

    static List<Conflict> find(DomainPins... d) {
        return ConflictFinder.find(HOST, List.of(d));
    }

    @Test
    void allIsWellWithSeparatePinsAndFloatingThreads() {
        assertEquals(List.of(), find(SyntheticHost.pinned("a", CpuMap.of(0), CpuMap.of(16)),
                SyntheticHost.pinned("b", CpuMap.of(1, 2)), SyntheticHost.pinned("floating", HOST.everyPinnable())));
    }

    @Test
    void exclusiveOverlapAndExclusiveShared() {
        assertEquals(List.of(new Conflict(Conflict.Kind.EXCLUSIVE_OVERLAP, List.of("a", "b"), List.of("a:0", "b:0"),
                CpuMap.of(3))), find(SyntheticHost.pinned("a", CpuMap.of(3)), SyntheticHost.pinned("b", CpuMap.of(3))));
        DomainPins withEmulator = new DomainPins("b", List.of(CpuMap.of(5)), CpuMap.of(3, 4), Map.of(1, CpuMap.of(8)),
                NumaBinding.NONE);
        assertEquals(List.of(new Conflict(Conflict.Kind.EXCLUSIVE_SHARED, List.of("a", "b"),
                List.of("a:0", "b:emulator"), CpuMap.of(3))), find(SyntheticHost.pinned("a", CpuMap.of(3)), withEmulator));
    }

    @Test
    void smtSiblingNumaReservedAndOffline() {
        assertEquals(Conflict.Kind.SMT_SIBLING, find(SyntheticHost.pinned("a", CpuMap.of(2)),
                SyntheticHost.pinned("b", CpuMap.of(18, 19))).get(0).kind());
        DomainPins bound = new DomainPins("m", List.of(CpuMap.of(1), CpuMap.of(9)), null, Map.of(),
                new NumaBinding("strict", CpuMap.of(0)));
        assertEquals(List.of(new Conflict(Conflict.Kind.NUMA, List.of("m"), List.of("m:1"), CpuMap.of(9))), find(bound));
        assertEquals(List.of(new Conflict(Conflict.Kind.RESERVED, List.of("r"), List.of("r:0"), CpuMap.of(15))),
                find(SyntheticHost.pinned("r", CpuMap.of(14, 15))));
        assertEquals(List.of(new Conflict(Conflict.Kind.OFFLINE, List.of("o"), List.of("o:iothread1"), CpuMap.of(31))),
                find(new DomainPins("o", List.of(), null, Map.of(1, CpuMap.of(30, 31)), NumaBinding.NONE)));
    }

    @Test
    void allocationCountsExclusiveAndFloatingThreads() {
        List<AllocationRow> rows = AllocationRow.of(HOST, List.of(SyntheticHost.pinned("a", CpuMap.of(0)),
                SyntheticHost.pinned("f", HOST.everyPinnable())));
        assertEquals(new AllocationRow(0, List.of("a:0", "f:0"), 1, 1), rows.get(0));
        assertEquals(new AllocationRow(31, List.of(), 0, 0), rows.get(31));
    }
}
