package org.vcpuagent.placement;

import org.junit.jupiter.api.Test;
import org.vcpuagent.model.CpuMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The planner over synthetic hosts (2 NUMA nodes x 8 cores x 2 threads unless said otherwise; CPU n and n+16
 * share a core), each plan checked by {@link PlanChecker}, which knows the rules but not the planner.
 */
class PlannerTest {

    static final Topology HOST = SyntheticHost.of(2, 8, 2);

    /** The planned guest's IOThread ids, not numbered from 1 on purpose; the checker sees every plan's lines. */
    static final List<Integer> IO_THREADS = List.of(1, 3);

    static Plan plan(Topology t, List<DomainPins> others, int vcpus, List<Integer> ioThreads, NumaBinding memory,
                     String policy) {
        Plan p = Planner.plan(t, others, "guest", vcpus, ioThreads, memory, Policy.parse(policy));
        PlanChecker.check(t, others, p, vcpus, ioThreads, memory);
        return p;
    }

    static Plan plan(Topology t, List<DomainPins> others, int vcpus, NumaBinding memory, String policy) {
        return plan(t, others, vcpus, IO_THREADS, memory, policy);
    }

    static Plan plan(Topology t, List<DomainPins> others, int vcpus, String policy) {
        return plan(t, others, vcpus, NumaBinding.NONE, policy);
    }

    @Test
    void dedicatedFillsSiblingsCoreByCoreInOneNode() {
        Plan p = plan(HOST, List.of(), 4, "dedicated");
        assertEquals(List.of(CpuMap.of(0), CpuMap.of(16), CpuMap.of(1), CpuMap.of(17)), p.vcpus());
        assertEquals("0-1,16-17", p.emulator().toCpuList());
        assertTrue(p.text().startsWith("placement of domain 'guest' by policy dedicated,prefer,emulator=share:\n"
                + "vcpu 0 -> cpu 0\nvcpu 1 -> cpu 16\n"), p.text());
    }

    @Test
    void isolateLeavesEachVcpusSiblingUnusedAndEmulatorIsolateTakesOneMoreCpu() {
        Plan p = plan(HOST, List.of(), 4, "dedicated,isolate,emulator=isolate");
        assertEquals(List.of(CpuMap.of(0), CpuMap.of(1), CpuMap.of(2), CpuMap.of(3)), p.vcpus());
        assertEquals(CpuMap.of(4), p.emulator());
    }

    @Test
    void ioThreadsGoWithTheEmulatorThreads() {
        Plan shared = plan(HOST, List.of(), 2, "dedicated");
        assertEquals(Map.of(1, CpuMap.of(0, 16), 3, CpuMap.of(0, 16)), shared.ioThreads(),
                "emulator=share: over the vCPUs' CPUs");
        assertTrue(shared.text().contains("emulator -> cpus 0,16\niothread 1 -> cpus 0,16\niothread 3 -> cpus 0,16"),
                shared.text());
        Plan isolated = plan(HOST, List.of(), 2, "dedicated,emulator=isolate");
        assertEquals(Map.of(1, CpuMap.of(1), 3, CpuMap.of(1)), isolated.ioThreads(), "emulator=isolate: its CPU");
        assertTrue(isolated.text().contains("emulator -> cpu 1\niothread 1 -> cpu 1\niothread 3 -> cpu 1"),
                isolated.text());
        Plan none = plan(HOST, List.of(), 2, List.of(), NumaBinding.NONE, "shared");
        assertEquals(Map.of(), none.ioThreads());
        assertTrue(!none.text().contains("iothread"), none.text());
    }

    @Test
    void requirePairsSiblingsAndIsRefusedOnAHostWithoutSmt() {
        Plan p = plan(HOST, List.of(), 3, "dedicated,require");
        assertEquals(List.of(CpuMap.of(0), CpuMap.of(16), CpuMap.of(1)), p.vcpus());
        Topology noSmt = SyntheticHost.of(2, 8, 1);
        PlacementRefusedException e = assertThrows(PlacementRefusedException.class,
                () -> Planner.plan(noSmt, List.of(), "guest", 2, List.of(), NumaBinding.NONE, Policy.parse("dedicated,require")));
        assertTrue(e.getMessage().contains("this host has one thread per core; 'dedicated' or 'dedicated,isolate' "
                + "would place it"), e.getMessage());
        plan(noSmt, List.of(), 8, "dedicated");
    }

    @Test
    void otherDomainsPinnedCpusAndTheirSiblingsAreAvoided() {
        List<DomainPins> others = List.of(SyntheticHost.pinned("db", CpuMap.of(0), CpuMap.of(1)),
                SyntheticHost.pinned("web", CpuMap.of(2, 3)));
        Plan p = plan(HOST, others, 2, "dedicated");
        assertEquals(List.of(CpuMap.of(4), CpuMap.of(20)), p.vcpus());
    }

    @Test
    void floatingDomainsAreNamedInAWarningNotAvoided() {
        List<DomainPins> others = List.of(SyntheticHost.pinned("a", CpuMap.all(32)),
                SyntheticHost.pinned("b", CpuMap.all(32)));
        Plan p = plan(HOST, others, 2, "dedicated");
        assertEquals(List.of(CpuMap.of(0), CpuMap.of(16)), p.vcpus());
        assertEquals(List.of("2 floating domains may still run here; confine them with `shared`"), p.warnings());
    }

    @Test
    void offlineReservedAndIsolatedCpus() {
        Topology t = SyntheticHost.with(2, 8, 2, CpuMap.of(0, 16), CpuMap.of(1, 17), CpuMap.of(2, 3, 18, 19));
        Plan p = plan(t, List.of(), 3, "dedicated,isolate");
        assertEquals(List.of(CpuMap.of(2), CpuMap.of(3), CpuMap.of(4)), p.vcpus(),
                "offline 0 and 16, reserved 1 and 17 are never used; isolated CPUs are what dedicated guests want");
        Plan shared = plan(t, List.of(), 2, "shared");
        assertEquals("2-15,18-31", shared.vcpus().get(0).toCpuList());
    }

    @Test
    void theMemorysNodesComeFirstAndStrictBindsThePlanToThem() {
        NumaBinding strict1 = new NumaBinding("strict", CpuMap.of(1));
        Plan p = plan(HOST, List.of(), 2, strict1, "dedicated");
        assertEquals(List.of(CpuMap.of(8), CpuMap.of(24)), p.vcpus());
        PlacementRefusedException e = assertThrows(PlacementRefusedException.class, () -> Planner.plan(HOST,
                List.of(), "guest", 9, IO_THREADS, strict1, Policy.parse("dedicated,isolate")));
        assertTrue(e.getMessage().contains("in NUMA node(s) 1, where its memory is strict"), e.getMessage());
        assertTrue(e.getMessage().contains("what would fit: 8 vCPU(s)"), e.getMessage());
        Plan spread = plan(HOST, List.of(), 9, new NumaBinding("preferred", CpuMap.of(1)), "dedicated,isolate");
        assertEquals(CpuMap.of(8), spread.vcpus().get(0), "preferred node first");
    }

    @Test
    void aFullHostIsRefusedWithWhatWouldFit() {
        List<DomainPins> others = new ArrayList<>();
        for (int cpu = 0; cpu < 32; cpu++) {
            others.add(SyntheticHost.pinned("d" + cpu, CpuMap.of(cpu)));
        }
        PlacementRefusedException e = assertThrows(PlacementRefusedException.class, () -> Planner.plan(HOST,
                others, "guest", 1, IO_THREADS, NumaBinding.NONE, Policy.parse("dedicated")));
        assertTrue(e.getMessage().contains("no NUMA node of [0, 1] has a free CPU"), e.getMessage());
        assertTrue(e.getMessage().endsWith("what would fit: 'shared'"), e.getMessage());
        PlacementRefusedException s = assertThrows(PlacementRefusedException.class, () -> Planner.plan(HOST,
                others, "guest", 1, IO_THREADS, NumaBinding.NONE, Policy.parse("shared")));
        assertTrue(s.getMessage().contains("neither reserved nor held exclusively by another domain"), s.getMessage());
    }

    @Test
    void everyPolicyOnEveryHostPassesTheChecker() {
        List<Topology> hosts = List.of(HOST, SyntheticHost.of(2, 8, 1), SyntheticHost.of(1, 4, 2),
                SyntheticHost.with(2, 8, 2, CpuMap.of(5, 21, 30), CpuMap.of(0), CpuMap.of(9)));
        List<String> policies = List.of("dedicated", "dedicated,isolate", "dedicated,require", "shared",
                "dedicated,emulator=isolate", "shared,emulator=isolate", "dedicated,isolate,emulator=isolate");
        List<DomainPins> others = List.of(SyntheticHost.pinned("db", CpuMap.of(3), CpuMap.of(4)),
                SyntheticHost.pinned("batch", CpuMap.of(6, 7)));
        int planned = 0;
        for (Topology t : hosts) {
            for (String policy : policies) {
                for (int vcpus = 1; vcpus <= 6; vcpus++) {
                    try {
                        plan(t, others, vcpus, policy);
                        planned++;
                    } catch (PlacementRefusedException refused) {
                        assertTrue(refused.getMessage().startsWith("policy '"), refused.getMessage());
                    }
                }
            }
        }
        assertTrue(planned > 100, planned + " plans");
    }

    @Test
    void policyWordsOutsideTheGrammarAreRefused() {
        for (String bad : new String[] {"", "exclusive", "dedicated,fast", "shared,isolate", "dedicated,isolate,require",
            "dedicated,emulator=own"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Policy.parse(bad));
            assertTrue(e.getMessage().contains("give 'dedicated' or 'shared'"), e.getMessage());
        }
        assertEquals("dedicated,isolate,emulator=isolate", Policy.parse(" Dedicated , isolate,emulator=isolate").toString());
    }
}
