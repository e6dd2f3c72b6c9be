package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where one domain's threads may run, as the owner last read it: each online vCPU's affinity, the emulator
 * threads' and each IOThread's, and the NUMA nodes its memory is bound to.
 *
 * @param vcpus     the online vCPUs' affinities, by vCPU number
 * @param emulator  null where the driver has no emulator pinning
 * @param ioThreads by IOThread id; empty where there are none or the driver has none
 * @param memory    the memory binding; {@link NumaBinding#NONE} when there is none or it is unknown
 */
public record DomainPins(String domain, List<CpuMap> vcpus, CpuMap emulator, Map<Integer, CpuMap> ioThreads,
                         NumaBinding memory) {

    public DomainPins {
        vcpus = List.copyOf(vcpus);
        ioThreads = Map.copyOf(new TreeMap<>(ioThreads));
        memory = memory == null ? NumaBinding.NONE : memory;
    }

    /** Every thread, vCPUs first, then the emulator, then the IOThreads by id. */
    public List<PinnedThread> threads() {
        List<PinnedThread> out = new ArrayList<>();
        for (int v = 0; v < vcpus.size(); v++) {
            out.add(new PinnedThread(domain, PinnedThread.Kind.VCPU, v, vcpus.get(v)));
        }
        if (emulator != null && !emulator.isEmpty()) {
            out.add(new PinnedThread(domain, PinnedThread.Kind.EMULATOR, 0, emulator));
        }
        new TreeMap<>(ioThreads).forEach((id, m) -> out.add(new PinnedThread(domain, PinnedThread.Kind.IOTHREAD, id, m)));
        return out;
    }
}
