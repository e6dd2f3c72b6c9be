package org.vcpuagent.placement;

import java.util.List;

/**
 * What the owner thread last computed about the host's placement, published whole: the topology, every
 * domain's pins, who may run where, and the conflicts.
 *
 * @param takenAt {@link System#nanoTime()} when the pins were read, so that a placement made later is not undone
 *                by an older look
 */
public record PlacementSnapshot(Topology topology, List<DomainPins> domains, List<AllocationRow> allocation,
                                List<Conflict> conflicts, long takenAt) {

    public PlacementSnapshot {
        domains = List.copyOf(domains);
        allocation = List.copyOf(allocation);
        conflicts = List.copyOf(conflicts);
    }

    public static PlacementSnapshot of(Topology t, List<DomainPins> domains, long takenAt) {
        return new PlacementSnapshot(t, domains, AllocationRow.of(t, domains), ConflictFinder.find(t, domains),
                takenAt);
    }
}
