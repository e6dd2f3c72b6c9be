package org.vcpuagent.placement;

import java.util.List;

/**
 * Who may run on one host CPU.
 *
 * @param threads   every thread whose affinity includes the CPU ({@code domain:vcpu}, {@code domain:emulator},
 *                  {@code domain:iothreadN}), floating ones included
 * @param exclusive how many of them are pinned to this CPU alone
 * @param floating  how many of them float (libvirt's default affinity, nobody pinned them)
 */
public record AllocationRow(int cpu, List<String> threads, int exclusive, int floating) {

    public AllocationRow {
        threads = List.copyOf(threads);
    }

    /** Every host CPU's row, in CPU order. */
    public static List<AllocationRow> of(Topology t, List<DomainPins> domains) {
        List<PinnedThread> all = domains.stream().flatMap(d -> d.threads().stream()).toList();
        return t.cpus().stream().map(c -> {
            List<PinnedThread> here = all.stream().filter(p -> p.affinity().contains(c.cpu())).toList();
            return new AllocationRow(c.cpu(), here.stream().map(PinnedThread::label).toList(),
                    (int) here.stream().filter(PinnedThread::exclusive).count(),
                    (int) here.stream().filter(p -> p.floats(t)).count());
        }).toList();
    }
}
