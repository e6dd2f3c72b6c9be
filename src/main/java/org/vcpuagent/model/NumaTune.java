package org.vcpuagent.model;

/**
 * A domain's NUMA memory tuning as {@code virDomainGetNumaParameters} gives it ({@code virsh numatune}).
 *
 * @param mode    {@code strict}, {@code preferred}, {@code interleave} or {@code restrictive}
 * @param nodeset the host NUMA nodes, as cpulist-style text; empty when none is set
 */
public record NumaTune(String mode, String nodeset) {

    /** libvirt's {@code virDomainNumatuneMemMode} numbers. */
    public static String modeWord(int mode) {
        return switch (mode) {
            case 0 -> "strict";
            case 1 -> "preferred";
            case 2 -> "interleave";
            case 3 -> "restrictive";
            default -> "mode " + mode;
        };
    }
}
