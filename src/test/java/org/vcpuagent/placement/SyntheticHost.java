package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

import java.util.ArrayList;
import java.util.List;

/**
 * Capabilities XML of made-up hosts, numbered as Linux numbers Intel servers (all first threads, then their
 * siblings), parsed by the agent's own {@link CapabilitiesXml}: so the planner's tests run over the same path
 * as a real host's capabilities.
 */
final class SyntheticHost {

    private SyntheticHost() {
    }

    /** {@code nodes} NUMA nodes of one socket each, {@code cores} cores per node, {@code threads} per core. */
    static String xml(int nodes, int cores, int threads) {
        int perThread = nodes * cores;
        StringBuilder sb = new StringBuilder("<capabilities><host><cpu><arch>x86_64</arch></cpu><topology><cells num='")
                .append(nodes).append("'>");
        for (int node = 0; node < nodes; node++) {
            sb.append("<cell id='").append(node).append("'><cpus num='").append(cores * threads).append("'>");
            for (int t = 0; t < threads; t++) {
                for (int core = 0; core < cores; core++) {
                    int first = node * cores + core;
                    List<String> siblings = new ArrayList<>();
                    for (int s = 0; s < threads; s++) {
                        siblings.add(String.valueOf(first + s * perThread));
                    }
                    sb.append("<cpu id='").append(first + t * perThread).append("' socket_id='").append(node)
                            .append("' die_id='0' core_id='").append(core).append("' siblings='")
                            .append(String.join(",", siblings)).append("'/>");
                }
            }
            sb.append("</cpus></cell>");
        }
        return sb.append("</cells></topology></host></capabilities>").toString();
    }

    static Topology of(int nodes, int cores, int threads) {
        return with(nodes, cores, threads, CpuMap.of(), CpuMap.of(), CpuMap.of());
    }

    static Topology with(int nodes, int cores, int threads, CpuMap offline, CpuMap reserved, CpuMap isolated) {
        int n = nodes * cores * threads;
        List<Integer> online = new ArrayList<>();
        for (int cpu = 0; cpu < n; cpu++) {
            if (!offline.contains(cpu)) {
                online.add(cpu);
            }
        }
        return new Topology(CapabilitiesXml.cpus(xml(nodes, cores, threads)), n, Cpus.of(online), reserved, isolated);
    }

    /** A domain whose vCPUs are pinned as given, with no emulator pin and no memory binding. */
    static DomainPins pinned(String name, CpuMap... vcpus) {
        return new DomainPins(name, List.of(vcpus), null, java.util.Map.of(), NumaBinding.NONE);
    }
}
