package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

import java.util.ArrayList;
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

    /** The pinning a placement replaced: the vCPUs' and the emulator's. */
    private record Replaced(List<CpuMap> vcpus, CpuMap emulator, boolean persistent) {
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
        PlacementSnapshot s = snapshot.get();
        return Planner.plan(s.topology(), others(s, target.name()), target.name(), target.vcpuPins().size(),
                target.memory(), policy);
    }

    /**
     * Plans and applies; all or nothing: when a pin fails, the pins already made are put back and the error says so.
     *
     * @return the plan applied
     */
    public synchronized Plan apply(PlacementTarget target, Policy policy, boolean persistent) {
        Plan plan = plan(target, policy);
        Replaced before = new Replaced(target.vcpuPins(), target.emulatorPin(), persistent);
        pinAll(target, plan.vcpus(), plan.emulator(), before, persistent);
        replaced.putIfAbsent(target.name(), before);
        claims.put(target.name(), new Claim(new DomainPins(target.name(), plan.vcpus(), plan.emulator(), Map.of(),
                target.memory()), System.nanoTime()));
        return plan;
    }

    /**
     * Puts back the pinning the first placement since the last restore replaced.
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
        pinAll(target, r.vcpus(), r.emulator(), new Replaced(target.vcpuPins(), target.emulatorPin(), r.persistent()),
                r.persistent());
        replaced.remove(target.name());
        claims.remove(target.name());
        StringBuilder sb = new StringBuilder("restored the pinning of domain '" + target.name() + "':");
        for (int v = 0; v < r.vcpus().size(); v++) {
            sb.append("\nvcpu ").append(v).append(" -> cpus ").append(r.vcpus().get(v).toCpuList());
        }
        return sb.append("\nemulator -> cpus ").append(r.emulator().toCpuList()).toString();
    }

    private static void pinAll(PlacementTarget target, List<CpuMap> vcpus, CpuMap emulator, Replaced undo,
                               boolean persistent) {
        int made = 0;
        try {
            for (; made < vcpus.size(); made++) {
                target.pinVcpu(made, vcpus.get(made), persistent);
            }
            if (emulator != null && !emulator.isEmpty()) {
                target.pinEmulator(emulator, persistent);
            }
        } catch (RuntimeException e) {
            String undone = undo(target, undo, made, persistent);
            throw new IllegalStateException((made < vcpus.size() ? "pinning vCPU " + made : "pinning the emulator "
                    + "threads") + " of domain '" + target.name() + "' failed: " + e.getMessage() + "; " + undone, e);
        }
    }

    private static String undo(PlacementTarget target, Replaced undo, int made, boolean persistent) {
        List<String> failed = new ArrayList<>();
        for (int v = 0; v < Math.min(made, undo.vcpus().size()); v++) {
            try {
                target.pinVcpu(v, undo.vcpus().get(v), persistent);
            } catch (RuntimeException e) {
                failed.add("vCPU " + v + " (" + e.getMessage() + ")");
            }
        }
        if (made == 0) {
            return "nothing had been changed";
        }
        return failed.isEmpty() ? "the " + made + " pin(s) already made were put back"
                : "putting back the pins already made failed for " + String.join(", ", failed);
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
