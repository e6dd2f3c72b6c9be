package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A placement computed for one domain: the affinity of each vCPU, of the emulator threads and of each IOThread
 * (by id), and what the caller should know (threads of other domains that still float over the chosen CPUs).
 */
public record Plan(String domain, Policy policy, List<CpuMap> vcpus, CpuMap emulator, Map<Integer, CpuMap> ioThreads,
                   List<String> warnings) {

    public Plan {
        vcpus = List.copyOf(vcpus);
        ioThreads = Collections.unmodifiableMap(new TreeMap<>(ioThreads));
        warnings = List.copyOf(warnings);
    }

    /**
     * One line per vCPU ({@code vcpu 0 -> cpu 4}), one for the emulator threads, one per IOThread
     * ({@code iothread 1 -> cpu 5}), then the warnings.
     */
    public String text() {
        StringBuilder sb = new StringBuilder("placement of domain '" + domain + "' by policy " + policy + ":\n");
        for (int v = 0; v < vcpus.size(); v++) {
            sb.append("vcpu ").append(v).append(" -> ").append(cpus(vcpus.get(v))).append('\n');
        }
        sb.append("emulator -> ").append(cpus(emulator));
        ioThreads.forEach((id, m) -> sb.append("\niothread ").append(id).append(" -> ").append(cpus(m)));
        for (String w : warnings) {
            sb.append("\nwarning: ").append(w);
        }
        return sb.toString();
    }

    private static String cpus(CpuMap m) {
        return (Cpus.size(m) == 1 ? "cpu " : "cpus ") + m.toCpuList();
    }
}
