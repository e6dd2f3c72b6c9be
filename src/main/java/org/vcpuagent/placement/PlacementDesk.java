package org.vcpuagent.placement;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Plans and applies placements for the domains of one host, one at a time: two concurrent placements never
 * pick the same CPUs, because each plans under this desk's lock and its pins count for the next before the
 * owner's next look has seen them. It also keeps the pinning each placement replaced, for {@link #restore}.
 * Its maps are guarded by its own monitor; JMX threads call it.
 */
public final class PlacementDesk {

    /** The pins a placement made, counted until a snapshot newer than them shows them. */
    private record Claim(DomainPins pins, long madeAt) {
    }

    /** The pinning a placement replaced, and whether the placement went to the persistent configuration too. */
    private record Replaced(PinSteps.Pins pinning, boolean persistent) {
    }

    private final Supplier<PlacementSnapshot> snapshot;
    private final Map<String, Claim> claims = new HashMap<>();
    private final Map<String, Replaced> replaced = new HashMap<>();

    /** @param snapshot the owner's latest; throws IllegalStateException before the first */
    public PlacementDesk(Supplier<PlacementSnapshot> snapshot) {
        this.snapshot = snapshot;
    }

    /** The plan for {@code target}, changing nothing. */
    public synchronized Plan plan(PlacementTarget target, Policy policy) {
        return plan(target, policy, target.vcpuPins().size(), target.ioThreadPins().keySet());
    }

    private Plan plan(PlacementTarget target, Policy policy, int vcpus, Collection<Integer> ioThreads) {
        PlacementSnapshot s = snapshot.get();
        return Planner.plan(s.topology(), others(s, target.name()), target.name(), vcpus, ioThreads,
                target.memory(), policy);
    }

    /**
     * Plans and applies; all or nothing: when a pin fails, the pins already made are put back and the error says so.
     *
     * @return the plan applied
     */
    public synchronized Plan apply(PlacementTarget target, Policy policy, boolean persistent) {
        PinSteps.Pins before = PinSteps.Pins.of(target);
        Plan plan = plan(target, policy, before.vcpus().size(), before.ioThreads().keySet());
        PinSteps.pinAll(target, PinSteps.Pins.of(plan), before, persistent);
        replaced.putIfAbsent(target.name(), new Replaced(before, persistent));
        claims.put(target.name(), new Claim(new DomainPins(target.name(), plan.vcpus(), plan.emulator(),
                plan.ioThreads(), target.memory()), System.nanoTime()));
        return plan;
    }

    /**
     * Puts back the pinning the first placement since the last restore replaced: the vCPUs', the emulator's
     * and the IOThreads'.
     *
     * @return what was put back, as text
     * @throws IllegalStateException when no placement of this domain is kept
     */
    public synchronized String restore(PlacementTarget target) {
        Replaced r = replaced.get(target.name());
        if (r == null) {
            throw new IllegalStateException("domain '" + target.name() + "' has no placement to restore: "
                    + "restorePlacement puts back the pinning an applyPlacement replaced, and none was applied");
        }
        PinSteps.Pins old = r.pinning();
        PinSteps.pinAll(target, old, PinSteps.Pins.of(target), r.persistent());
        replaced.remove(target.name());
        claims.remove(target.name());
        StringBuilder sb = new StringBuilder("restored the pinning of domain '" + target.name() + "':");
        for (int v = 0; v < old.vcpus().size(); v++) {
            sb.append("\nvcpu ").append(v).append(" -> cpus ").append(old.vcpus().get(v).toCpuList());
        }
        if (old.hasEmulator()) {
            sb.append("\nemulator -> cpus ").append(old.emulator().toCpuList());
        }
        old.ioThreads().forEach((id, m) -> sb.append("\niothread ").append(id)
                .append(" -> cpus ").append(m.toCpuList()));
        return sb.toString();
    }

    /** The other domains' pins: the owner's snapshot, with the placements made since it was taken. */
    private List<DomainPins> others(PlacementSnapshot s, String domain) {
        claims.values().removeIf(c -> c.madeAt() - s.takenAt() < 0);
        Map<String, DomainPins> byName = new HashMap<>();
        s.domains().forEach(d -> byName.put(d.domain(), d));
        claims.forEach((name, c) -> byName.put(name, c.pins()));
        byName.remove(domain);
        return List.copyOf(byName.values());
    }
}
