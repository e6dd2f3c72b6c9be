package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.NumaTune;

/**
 * A domain's NUMA memory binding ({@code <numatune><memory mode nodeset>}, {@code virDomainGetNumaParameters}).
 *
 * @param mode    {@code strict}, {@code preferred}, {@code interleave}, {@code restrictive}, or empty when none
 * @param nodeset the nodes named; empty when none is
 */
public record NumaBinding(String mode, CpuMap nodeset) {

    public static final NumaBinding NONE = new NumaBinding("", CpuMap.of());

    /** From libvirt's answer; a nodeset that is no cpulist-style text is an IllegalArgumentException. */
    public static NumaBinding of(NumaTune tune) {
        return tune.nodeset().isBlank() ? NONE : new NumaBinding(tune.mode(), CpuMap.parse(tune.nodeset(), 8192));
    }

    /**
     * One binding for a planner that places all vCPUs alike: the domain's, or with per-guest-cell bindings the union
     * of their nodes and the domain's, strict only when every one of them binds.
     */
    public static NumaBinding forPlanning(NumaBinding domainWide, java.util.Collection<NumaBinding> cells) {
        if (cells.isEmpty()) {
            return domainWide;
        }
        java.util.List<NumaBinding> all = new java.util.ArrayList<>(cells);
        if (domainWide.prefers()) {
            all.add(domainWide);
        }
        java.util.List<Integer> nodes = new java.util.ArrayList<>();
        all.forEach(c -> nodes.addAll(Cpus.members(c.nodeset())));
        return new NumaBinding(all.stream().allMatch(NumaBinding::binds) ? "strict" : "preferred", Cpus.of(nodes));
    }

    /** strict and restrictive confine the memory, so vCPUs elsewhere pay remote access on every miss. */
    public boolean binds() {
        return !nodeset.isEmpty() && (mode.equals("strict") || mode.equals("restrictive"));
    }

    /** The nodes a placement should prefer: any named nodeset, whatever the mode. */
    public boolean prefers() {
        return !nodeset.isEmpty();
    }

    /** Whether a vCPU pinned there is outside the memory's nodes (strict or preferred, as conflicts count it). */
    public boolean checked() {
        return !nodeset.isEmpty() && (binds() || mode.equals("preferred"));
    }
}
