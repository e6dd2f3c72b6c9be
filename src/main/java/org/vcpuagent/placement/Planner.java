package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Computes a placement: a pure function of the topology, the other domains' pins and the request. Reserved,
 * offline and unpinnable CPUs are never used; a dedicated CPU is one that no other domain's pinned thread may
 * use, and whose SMT siblings none may use either. Threads of other domains that float are named in a warning
 * and not avoided: they can run anywhere. IOThreads go with the emulator threads (as KubeVirt's
 * {@code isolateEmulatorThread} does): on the emulator's isolated CPU, or shared over the vCPUs' CPUs, so they
 * never take a vCPU's dedicated CPU from another domain and never need a CPU of their own.
 */
public final class Planner {

    private Planner() {
    }

    /**
     * @param others    the other domains' pins (the planned domain's own are replaced, so they are not given)
     * @param ioThreads the ids of the domain's IOThreads; empty where it has none or the driver has none
     * @throws PlacementRefusedException when the policy cannot be met, saying why and what would fit
     */
    public static Plan plan(Topology t, List<DomainPins> others, String domain, int vcpus,
                            Collection<Integer> ioThreads, NumaBinding memory, Policy policy) {
        if (vcpus < 1) {
            throw new PlacementRefusedException("domain '" + domain + "' has no online vCPU to place");
        }
        List<PinnedThread> pinned = others.stream().flatMap(d -> d.threads().stream())
                .filter(p -> !p.floats(t)).toList();
        List<String> warnings = floatingWarning(t, others);
        Plan p = policy.dedicated() ? dedicated(t, pinned, domain, vcpus, memory, policy, warnings)
                : shared(t, pinned, domain, vcpus, policy, warnings);
        Map<Integer, CpuMap> io = new TreeMap<>();
        ioThreads.forEach(id -> io.put(id, p.emulator()));
        return new Plan(p.domain(), p.policy(), p.vcpus(), p.emulator(), io, p.warnings());
    }

    private static List<String> floatingWarning(Topology t, List<DomainPins> others) {
        long floating = others.stream().filter(d -> d.threads().stream().anyMatch(p -> p.floats(t))).count();
        return floating == 0 ? List.of() : List.of(floating + " floating domain" + (floating == 1 ? "" : "s")
                + " may still run here; confine " + (floating == 1 ? "it" : "them") + " with `shared`");
    }

    private static Plan shared(Topology t, List<PinnedThread> pinned, String domain, int vcpus, Policy policy,
                               List<String> warnings) {
        List<Integer> free = new ArrayList<>();
        for (HostCpu c : t.cpus()) {
            if (t.usable(c.cpu()) && pinned.stream().noneMatch(p -> p.exclusive() && p.affinity().contains(c.cpu()))) {
                free.add(c.cpu());
            }
        }
        int needed = policy.isolateEmulator() ? 2 : 1;
        if (free.size() < needed) {
            throw new PlacementRefusedException("policy '" + policy + "' cannot be met for domain '" + domain
                    + "': it needs " + needed + " CPU(s) that are neither reserved nor held exclusively by another "
                    + "domain, and the host has " + (free.isEmpty() ? "none" : "only CPU " + free.get(0)));
        }
        CpuMap emulator = policy.isolateEmulator() ? CpuMap.of(free.remove(free.size() - 1)) : Cpus.of(free);
        return new Plan(domain, policy, Collections.nCopies(vcpus, Cpus.of(free)), emulator, Map.of(), warnings);
    }

    private static Plan dedicated(Topology t, List<PinnedThread> pinned, String domain, int vcpus, NumaBinding memory,
                                  Policy policy, List<String> warnings) {
        if (policy.threads() == Policy.Threads.REQUIRE && !t.hasSmt()) {
            throw new PlacementRefusedException("policy '" + policy + "' cannot be met for domain '" + domain
                    + "': 'require' pairs vCPUs on SMT siblings and this host has one thread per core; "
                    + "'dedicated' or 'dedicated,isolate' would place it");
        }
        int needed = vcpus + (policy.isolateEmulator() ? 1 : 0);
        List<Integer> nodes = nodesToTry(t, memory);
        List<Integer> best = List.of();
        int bestNode = -1;
        for (int node : nodes) {
            List<Integer> seq = candidates(t, pinned, node, policy.threads());
            if (seq.size() >= needed) {
                return dedicatedPlan(domain, policy, vcpus, seq.subList(0, needed), warnings);
            }
            if (seq.size() > best.size()) {
                best = seq;
                bestNode = node;
            }
        }
        List<Integer> everywhere = new ArrayList<>();
        nodes.forEach(n -> everywhere.addAll(candidates(t, pinned, n, policy.threads())));
        if (everywhere.size() >= needed && !memory.binds()) {
            List<String> w = new ArrayList<>(warnings);
            w.add("no NUMA node has " + needed + " free CPUs: the vCPUs span nodes " + nodes + (memory.checked()
                    ? ", so those outside the memory's " + memory.mode() + " nodes " + memory.nodeset().toCpuList()
                    + " show as a numa conflict" : ""));
            return dedicatedPlan(domain, policy, vcpus, everywhere.subList(0, needed), w);
        }
        throw new PlacementRefusedException(refusal(t, domain, policy, vcpus, needed, nodes, memory, best, bestNode,
                everywhere.size()));
    }

    private static String refusal(Topology t, String domain, Policy policy, int vcpus, int needed, List<Integer> nodes,
                                  NumaBinding memory, List<Integer> best, int bestNode, int everywhere) {
        String why = "policy '" + policy + "' cannot be met for domain '" + domain + "': it needs " + needed
                + " free CPU(s) (" + vcpus + " vCPU(s)" + (policy.isolateEmulator() ? " and one for the emulator" : "")
                + ")" + (memory.binds() ? " in NUMA node(s) " + memory.nodeset().toCpuList() + ", where its memory is "
                + memory.mode() : "") + ", and ";
        String offer = best.isEmpty() ? "no NUMA node of " + nodes + " has a free CPU (each is reserved, offline, "
                + "or used by another domain's pinned threads)"
                : "the most any NUMA node offers is " + best.size() + " (node " + bestNode + ": CPUs "
                + Cpus.of(best).toCpuList() + "), " + everywhere + " in all";
        int fits = best.size() - (policy.isolateEmulator() ? 1 : 0);
        String fit = fits >= 1 ? "; what would fit: " + fits + " vCPU(s) with '" + policy + "', or 'shared'"
                : "; what would fit: 'shared'";
        return why + offer + fit;
    }

    private static Plan dedicatedPlan(String domain, Policy policy, int vcpus, List<Integer> cpus, List<String> w) {
        List<CpuMap> pins = new ArrayList<>();
        for (int v = 0; v < vcpus; v++) {
            pins.add(CpuMap.of(cpus.get(v)));
        }
        CpuMap emulator = policy.isolateEmulator() ? CpuMap.of(cpus.get(vcpus)) : Cpus.of(cpus.subList(0, vcpus));
        return new Plan(domain, policy, pins, emulator, Map.of(), w);
    }

    /** The nodes a placement may use, the memory's first: only those when it is bound there. */
    private static List<Integer> nodesToTry(Topology t, NumaBinding memory) {
        List<Integer> preferred = new ArrayList<>();
        List<Integer> rest = new ArrayList<>();
        for (int n : t.nodes()) {
            (memory.prefers() && memory.nodeset().contains(n) ? preferred : rest).add(n);
        }
        if (!memory.binds()) {
            preferred.addAll(rest);
        }
        return preferred;
    }

    /** The CPUs of {@code node} a dedicated placement may take, in the order it takes them. */
    private static List<Integer> candidates(Topology t, List<PinnedThread> pinned, int node, Policy.Threads threads) {
        Set<Integer> taken = new TreeSet<>();
        pinned.forEach(p -> taken.addAll(Cpus.members(p.affinity())));
        List<Integer> out = new ArrayList<>();
        for (List<Integer> core : t.cores(node)) {
            if (core.stream().anyMatch(taken::contains)) {
                continue;
            }
            List<Integer> free = core.stream().filter(t::usable).toList();
            switch (threads) {
                case PREFER -> out.addAll(free);
                case ISOLATE -> free.stream().findFirst().ifPresent(out::add);
                case REQUIRE -> {
                    if (free.size() >= 2) {
                        out.addAll(free);
                    }
                }
                default -> throw new IllegalStateException("unknown thread policy " + threads);
            }
        }
        return out;
    }
}
