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
 * @param cellMemory by vCPU, the binding of its guest NUMA cell's memory ({@code <memnode>}), where there is one
 */
public record DomainPins(String domain, List<CpuMap> vcpus, CpuMap emulator, Map<Integer, CpuMap> ioThreads,
                         NumaBinding memory, Map<Integer, NumaBinding> cellMemory) {

    public DomainPins {
        vcpus = List.copyOf(vcpus);
        ioThreads = Map.copyOf(new TreeMap<>(ioThreads));
        memory = memory == null ? NumaBinding.NONE : memory;
        cellMemory = Map.copyOf(cellMemory);
    }

    /** A domain without per-guest-cell bindings. */
    public DomainPins(String domain, List<CpuMap> vcpus, CpuMap emulator, Map<Integer, CpuMap> ioThreads,
                      NumaBinding memory) {
        this(domain, vcpus, emulator, ioThreads, memory, Map.of());
    }

    /** Where vCPU {@code vcpu}'s memory is: its guest cell's binding, else the domain's. */
    public NumaBinding memoryOf(int vcpu) {
        return cellMemory.getOrDefault(vcpu, memory);
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
