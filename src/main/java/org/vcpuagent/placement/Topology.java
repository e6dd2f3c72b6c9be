package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The host's CPUs for placement: where each sits (from the capabilities), which libvirt can pin (below
 * {@code presentCpus}, the size of its CPU maps) and which are online, which the host keeps for itself
 * ({@code host.reserved.cpus}) and which the kernel isolated ({@code isolcpus}).
 *
 * @param cpus     every CPU the capabilities list, by number
 * @param isolated empty when unknown (a remote host)
 */
public record Topology(List<HostCpu> cpus, int presentCpus, CpuMap online, CpuMap reserved, CpuMap isolated) {

    public Topology {
        cpus = cpus.stream().sorted(Comparator.comparingInt(HostCpu::cpu)).toList();
    }

    /** A host whose capabilities show no topology (some drivers): each present CPU its own core on node 0. */
    public static Topology flat(int presentCpus, CpuMap online, CpuMap reserved, CpuMap isolated) {
        List<HostCpu> cpus = new ArrayList<>();
        for (int cpu = 0; cpu < presentCpus; cpu++) {
            cpus.add(new HostCpu(cpu, 0, 0, 0, cpu, CpuMap.of(cpu)));
        }
        return new Topology(cpus, presentCpus, online, reserved, isolated);
    }

    /** Whether libvirt can pin onto {@code cpu} now: inside its CPU maps, and online. */
    public boolean pinnable(int cpu) {
        return cpu < presentCpus && online.contains(cpu);
    }

    /** The CPUs a placement may use at all: pinnable and not reserved. */
    boolean usable(int cpu) {
        return pinnable(cpu) && !reserved.contains(cpu);
    }

    public boolean hasSmt() {
        return cpus.stream().anyMatch(c -> Cpus.size(c.siblings()) > 1);
    }

    public HostCpu cpu(int number) {
        return cpus.stream().filter(c -> c.cpu() == number).findFirst().orElse(null);
    }

    /** The NUMA nodes, in order. */
    public List<Integer> nodes() {
        return List.copyOf(new TreeSet<>(cpus.stream().map(HostCpu::numaNode).toList()));
    }

    /** The cores of {@code node}, each as its CPUs in order, cores in the order of their lowest CPU. */
    List<List<Integer>> cores(int node) {
        Map<String, List<Integer>> byCore = new LinkedHashMap<>();
        for (HostCpu c : cpus) {
            if (c.numaNode() == node) {
                byCore.computeIfAbsent(c.coreKey(), k -> new ArrayList<>()).add(c.cpu());
            }
        }
        return List.copyOf(byCore.values());
    }

    /** Every CPU that shares a core with {@code cpu}, not {@code cpu} itself. */
    List<Integer> siblingsOf(int cpu) {
        HostCpu c = cpu(cpu);
        return c == null ? List.of() : Cpus.members(c.siblings()).stream().filter(s -> s != cpu).toList();
    }

    /** The set a thread with libvirt's default affinity has: every CPU it may run on. */
    CpuMap everyPinnable() {
        List<Integer> out = new ArrayList<>();
        for (int cpu = 0; cpu < presentCpus; cpu++) {
            if (online.contains(cpu)) {
                out.add(cpu);
            }
        }
        return Cpus.of(out);
    }
}
