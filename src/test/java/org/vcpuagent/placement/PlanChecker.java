package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks a plan against its policy's rules from the outside, without the planner's code: the CPUs used, the
 * cores they share, the nodes they sit on, and what the conflict finder says once the plan is in place.
 */
final class PlanChecker {

    private PlanChecker() {
    }

    static void check(Topology t, List<DomainPins> others, Plan plan, int vcpus, List<Integer> ioThreads,
                      NumaBinding memory) {
        Policy p = plan.policy();
        assertEquals(vcpus, plan.vcpus().size(), "one affinity per vCPU");
        List<CpuMap> all = new ArrayList<>(plan.vcpus());
        all.add(plan.emulator());
        all.addAll(plan.ioThreads().values());
        for (CpuMap m : all) {
            assertTrue(!m.isEmpty(), "no empty affinity");
            for (int cpu : Cpus.members(m)) {
                assertTrue(t.pinnable(cpu), "CPU " + cpu + " is offline or unpinnable: " + plan.text());
                assertTrue(!t.reserved().contains(cpu), "CPU " + cpu + " is reserved: " + plan.text());
                if (memory.binds()) {
                    assertTrue(memory.nodeset().contains(t.cpu(cpu).numaNode()), "CPU " + cpu + " outside the "
                            + "memory's nodes: " + plan.text());
                }
            }
        }
        if (p.dedicated()) {
            checkDedicated(t, others, plan);
        } else {
            for (CpuMap m : plan.vcpus()) {
                for (DomainPins o : others) {
                    o.threads().stream().filter(PinnedThread::exclusive).forEach(x -> assertTrue(
                            !Cpus.intersects(m, x.affinity()), "shared over " + x.label() + "'s exclusive CPU"));
                }
            }
        }
        if (p.isolateEmulator()) {
            assertEquals(1, Cpus.size(plan.emulator()), "an isolated emulator has one CPU");
            plan.vcpus().forEach(m -> assertTrue(!Cpus.intersects(m, plan.emulator()), "emulator CPU shared"));
        }
        checkIoThreads(plan, ioThreads);
        List<DomainPins> after = new ArrayList<>(others);
        after.add(new DomainPins(plan.domain(), plan.vcpus(), plan.emulator(), plan.ioThreads(), memory));
        List<Conflict> conflicts = ConflictFinder.find(t, after);
        if (p.dedicated()) {
            // A plan that had to leave the memory's preferred nodes says so; only that may show as a numa conflict.
            boolean spans = plan.warnings().stream().anyMatch(w -> w.contains("span nodes"));
            assertTrue(conflicts.stream().noneMatch(c -> c.domains().contains(plan.domain())
                    && !(spans && c.kind() == Conflict.Kind.NUMA)),
                    "the plan makes conflicts: " + conflicts);
        }
    }

    /**
     * IOThreads go with the emulator threads: with emulator=isolate on its one CPU, which no vCPU uses; with
     * emulator=share over exactly the vCPUs' CPUs. One line per IOThread, each in the text.
     */
    private static void checkIoThreads(Plan plan, List<Integer> ioThreads) {
        assertEquals(new TreeSet<>(ioThreads), plan.ioThreads().keySet(), "one affinity per IOThread: " + plan.text());
        Set<Integer> vcpuCpus = new TreeSet<>();
        plan.vcpus().forEach(m -> vcpuCpus.addAll(Cpus.members(m)));
        for (Map.Entry<Integer, CpuMap> e : plan.ioThreads().entrySet()) {
            Set<Integer> io = new TreeSet<>(Cpus.members(e.getValue()));
            if (plan.policy().isolateEmulator()) {
                assertEquals(1, io.size(), "IOThread " + e.getKey() + " shares the isolated CPU: " + plan.text());
                assertTrue(!vcpuCpus.contains(io.iterator().next()), "IOThread " + e.getKey() + " on a vCPU's CPU: "
                        + plan.text());
                assertEquals(Cpus.members(plan.emulator()), List.copyOf(io), "IOThread " + e.getKey()
                        + " beside the emulator: " + plan.text());
            } else {
                assertEquals(vcpuCpus, io, "IOThread " + e.getKey() + " over the vCPUs' CPUs: " + plan.text());
            }
            String line = "iothread " + e.getKey() + " -> cpu" + (io.size() == 1 ? " " : "s ")
                    + e.getValue().toCpuList();
            assertTrue(plan.text().lines().anyMatch(line::equals), "the text has '" + line + "': " + plan.text());
        }
    }

    private static void checkDedicated(Topology t, List<DomainPins> others, Plan plan) {
        Set<Integer> used = new HashSet<>();
        Set<String> cores = new HashSet<>();
        for (CpuMap m : plan.vcpus()) {
            assertEquals(1, Cpus.size(m), "a dedicated vCPU has one CPU: " + plan.text());
            int cpu = m.highest();
            assertTrue(used.add(cpu), "CPU " + cpu + " given twice: " + plan.text());
            HostCpu c = t.cpu(cpu);
            if (plan.policy().threads() == Policy.Threads.ISOLATE) {
                assertTrue(cores.add(c.coreKey()), "isolate put two vCPUs on one core: " + plan.text());
            }
            for (DomainPins o : others) {
                for (PinnedThread x : o.threads()) {
                    if (x.floats(t)) {
                        continue;
                    }
                    assertTrue(!Cpus.intersects(x.affinity(), c.siblings()), x.label() + " may use CPU " + cpu
                            + " or its siblings " + c.siblings() + ": " + plan.text());
                }
            }
        }
        if (plan.policy().threads() == Policy.Threads.REQUIRE) {
            long lonely = plan.vcpus().stream().map(m -> t.cpu(m.highest()).coreKey()).distinct()
                    .filter(k -> plan.vcpus().stream().filter(m -> t.cpu(m.highest()).coreKey().equals(k)).count() < 2)
                    .count();
            assertTrue(lonely <= plan.vcpus().size() % 2, "require leaves vCPUs without their sibling: " + plan.text());
        }
        Set<Integer> nodes = new HashSet<>();
        plan.vcpus().forEach(m -> nodes.add(t.cpu(m.highest()).numaNode()));
        if (nodes.size() > 1) {
            assertTrue(plan.warnings().stream().anyMatch(w -> w.contains("span nodes")),
                    "a plan across nodes says so: " + plan.text());
        }
    }
}
