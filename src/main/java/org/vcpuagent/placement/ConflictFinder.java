package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.IntPredicate;

/**
 * Finds the placement problems of a host: a pure function of the topology and every domain's pins. Threads that
 * float (libvirt's default affinity) are never part of a conflict.
 */
public final class ConflictFinder {

    private ConflictFinder() {
    }

    public static List<Conflict> find(Topology t, List<DomainPins> domains) {
        List<PinnedThread> pinned = domains.stream().flatMap(d -> d.threads().stream())
                .filter(p -> !p.floats(t)).toList();
        List<Conflict> out = new ArrayList<>();
        for (HostCpu c : t.cpus()) {
            exclusiveOnes(c.cpu(), pinned, out);
            smtSiblings(t, c.cpu(), pinned, out);
        }
        for (DomainPins d : domains) {
            numa(t, d, out);
            onCpus(Conflict.Kind.RESERVED, d, pinned, t.reserved()::contains, out);
            onCpus(Conflict.Kind.OFFLINE, d, pinned, cpu -> !t.pinnable(cpu), out);
        }
        // An SMT pair of two domains' exclusive pins is found from both CPUs: one row.
        return List.copyOf(new java.util.LinkedHashSet<>(out));
    }

    private static void exclusiveOnes(int cpu, List<PinnedThread> pinned, List<Conflict> out) {
        List<PinnedThread> exclusive = pinned.stream().filter(p -> p.exclusive() && p.affinity().contains(cpu)).toList();
        if (exclusive.isEmpty()) {
            return;
        }
        if (domainsOf(exclusive).size() > 1) {
            out.add(conflict(Conflict.Kind.EXCLUSIVE_OVERLAP, exclusive, CpuMap.of(cpu)));
            return;
        }
        String holder = exclusive.get(0).domain();
        List<PinnedThread> sharers = pinned.stream()
                .filter(p -> !p.domain().equals(holder) && !p.exclusive() && p.affinity().contains(cpu)).toList();
        if (!sharers.isEmpty()) {
            out.add(conflict(Conflict.Kind.EXCLUSIVE_SHARED, concat(exclusive, sharers), CpuMap.of(cpu)));
        }
    }

    private static void smtSiblings(Topology t, int cpu, List<PinnedThread> pinned, List<Conflict> out) {
        List<PinnedThread> exclusive = pinned.stream().filter(p -> p.exclusive() && p.affinity().contains(cpu)).toList();
        if (exclusive.isEmpty() || domainsOf(exclusive).size() > 1) {
            return;
        }
        String holder = exclusive.get(0).domain();
        List<Integer> siblings = t.siblingsOf(cpu);
        List<PinnedThread> neighbours = pinned.stream().filter(p -> !p.domain().equals(holder)
                && siblings.stream().anyMatch(p.affinity()::contains)).toList();
        if (!neighbours.isEmpty()) {
            List<Integer> cpus = new ArrayList<>(List.of(cpu));
            siblings.stream().filter(s -> neighbours.stream().anyMatch(p -> p.affinity().contains(s))).forEach(cpus::add);
            out.add(conflict(Conflict.Kind.SMT_SIBLING, concat(exclusive, neighbours), Cpus.of(cpus)));
        }
    }

    private static void numa(Topology t, DomainPins d, List<Conflict> out) {
        List<PinnedThread> outside = new ArrayList<>();
        TreeSet<Integer> cpus = new TreeSet<>();
        for (PinnedThread p : d.threads()) {
            NumaBinding memory = d.memoryOf(p.id());
            if (p.kind() != PinnedThread.Kind.VCPU || p.floats(t) || !memory.checked()) {
                continue;
            }
            List<Integer> away = Cpus.members(p.affinity()).stream().filter(cpu -> {
                HostCpu c = t.cpu(cpu);
                return c != null && !memory.nodeset().contains(c.numaNode());
            }).toList();
            if (!away.isEmpty()) {
                outside.add(p);
                cpus.addAll(away);
            }
        }
        if (!outside.isEmpty()) {
            out.add(conflict(Conflict.Kind.NUMA, outside, Cpus.of(cpus)));
        }
    }

    private static void onCpus(Conflict.Kind kind, DomainPins d, List<PinnedThread> pinned, IntPredicate bad,
                               List<Conflict> out) {
        List<PinnedThread> hit = new ArrayList<>();
        TreeSet<Integer> cpus = new TreeSet<>();
        for (PinnedThread p : pinned) {
            if (!p.domain().equals(d.domain())) {
                continue;
            }
            List<Integer> badCpus = Cpus.members(p.affinity()).stream().filter(bad::test).toList();
            if (!badCpus.isEmpty()) {
                hit.add(p);
                cpus.addAll(badCpus);
            }
        }
        if (!hit.isEmpty()) {
            out.add(conflict(kind, hit, Cpus.of(cpus)));
        }
    }

    private static List<String> domainsOf(List<PinnedThread> threads) {
        return List.copyOf(new TreeSet<>(threads.stream().map(PinnedThread::domain).toList()));
    }

    private static List<PinnedThread> concat(List<PinnedThread> a, List<PinnedThread> b) {
        List<PinnedThread> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static Conflict conflict(Conflict.Kind kind, List<PinnedThread> threads, CpuMap cpus) {
        return new Conflict(kind, domainsOf(threads), threads.stream().map(PinnedThread::label).sorted().toList(),
                cpus);
    }
}
