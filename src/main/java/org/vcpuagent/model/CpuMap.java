package org.vcpuagent.model;

import java.util.BitSet;

/**
 * A set of host CPUs, convertible between the three forms administrators and libvirt use.
 *
 * <ul>
 *   <li>libvirt's byte layout ({@code cpumap}): byte 0 holds CPUs 0-7, and within a byte the
 *       lowest CPU is the least significant bit;</li>
 *   <li>cpulist text as typed for {@code virsh vcpupin} and {@code taskset -c}: {@code 0-3,8},
 *       {@code ^N} to exclude, {@code r} for every host CPU;</li>
 *   <li>the {@code yy--} form {@code virsh vcpuinfo} prints.</li>
 * </ul>
 *
 * Immutable.
 */
public final class CpuMap {

    private final BitSet cpus;

    private CpuMap(BitSet cpus) {
        this.cpus = cpus;
    }

    public static CpuMap of(int... cpus) {
        BitSet set = new BitSet();
        for (int cpu : cpus) {
            if (cpu < 0) {
                throw new IllegalArgumentException("CPU numbers start at 0, got " + cpu);
            }
            set.set(cpu);
        }
        return new CpuMap(set);
    }

    /** Every CPU from 0 to {@code count - 1}. */
    public static CpuMap all(int count) {
        BitSet set = new BitSet();
        set.set(0, count);
        return new CpuMap(set);
    }

    /** Reads libvirt's byte layout: {@code map.length} bytes. */
    public static CpuMap fromBytes(byte[] map) {
        return fromBytes(map, 0, map.length);
    }

    /** Reads {@code maplen} bytes of libvirt's byte layout starting at {@code offset}. */
    public static CpuMap fromBytes(byte[] buf, int offset, int maplen) {
        BitSet set = new BitSet(maplen * 8);
        for (int i = 0; i < maplen; i++) {
            int b = buf[offset + i] & 0xff;
            for (int bit = 0; bit < 8; bit++) {
                if ((b & (1 << bit)) != 0) {
                    set.set(i * 8 + bit);
                }
            }
        }
        return new CpuMap(set);
    }

    /**
     * Parses cpulist text such as {@code 0-3,8}, {@code 0-7,^2} or {@code r}.
     *
     * @param hostCpus how many CPUs the host has; every CPU named must be below it
     * @throws IllegalArgumentException naming the part that is wrong and what is allowed
     */
    public static CpuMap parse(String text, int hostCpus) {
        String allowed = "allowed: CPU numbers 0-" + (hostCpus - 1)
                + " as N, ranges N-M, exclusions ^N or ^N-M, separated by commas, or 'r' for all";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("cpulist is empty; " + allowed);
        }
        String trimmed = text.trim();
        if (trimmed.equals("r")) {
            return all(hostCpus);
        }
        BitSet set = new BitSet();
        for (String rawPart : trimmed.split(",", -1)) {
            String part = rawPart.trim();
            if (part.isEmpty()) {
                throw new IllegalArgumentException("cpulist '" + text + "' has an empty part between commas; " + allowed);
            }
            boolean exclude = part.startsWith("^");
            String range = exclude ? part.substring(1) : part;
            int dash = range.indexOf('-');
            int first;
            int last;
            if (dash < 0) {
                first = cpuNumber(range, part, text, allowed);
                last = first;
            } else {
                first = cpuNumber(range.substring(0, dash), part, text, allowed);
                last = cpuNumber(range.substring(dash + 1), part, text, allowed);
                if (first > last) {
                    throw new IllegalArgumentException("range '" + part + "' in cpulist '" + text
                            + "' is reversed: write the lower CPU first, as in " + last + "-" + first);
                }
            }
            if (last >= hostCpus) {
                throw new IllegalArgumentException("CPU " + last + " in '" + part + "' of cpulist '" + text
                        + "' is beyond the host, which has CPUs 0-" + (hostCpus - 1));
            }
            if (exclude) {
                set.clear(first, last + 1);
            } else {
                set.set(first, last + 1);
            }
        }
        if (set.isEmpty()) {
            throw new IllegalArgumentException("cpulist '" + text + "' selects no CPU; at least one CPU is needed");
        }
        return new CpuMap(set);
    }

    private static int cpuNumber(String digits, String part, String text, String allowed) {
        if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("'" + part + "' in cpulist '" + text + "' is not a CPU number or range; "
                    + allowed);
        }
        return Integer.parseInt(digits);
    }

    /** libvirt's byte layout in {@code maplen} bytes; CPUs that do not fit are an error, not dropped. */
    public byte[] toBytes(int maplen) {
        if (highest() >= maplen * 8) {
            throw new IllegalArgumentException("CPU " + highest() + " does not fit in a cpumap of " + maplen + " bytes");
        }
        byte[] out = new byte[maplen];
        for (int cpu = cpus.nextSetBit(0); cpu >= 0; cpu = cpus.nextSetBit(cpu + 1)) {
            out[cpu / 8] |= (byte) (1 << (cpu % 8));
        }
        return out;
    }

    /** The shortest cpulist text, e.g. {@code 0-3,8}; empty text for an empty set. */
    public String toCpuList() {
        StringBuilder sb = new StringBuilder();
        int start = cpus.nextSetBit(0);
        while (start >= 0) {
            int end = cpus.nextClearBit(start) - 1;
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(start);
            if (end > start) {
                sb.append('-').append(end);
            }
            start = cpus.nextSetBit(end + 1);
        }
        return sb.toString();
    }

    /** The {@code yy--} form over {@code hostCpus} positions, as {@code virsh vcpuinfo} prints. */
    public String toYesNo(int hostCpus) {
        StringBuilder sb = new StringBuilder(hostCpus);
        for (int i = 0; i < hostCpus; i++) {
            sb.append(cpus.get(i) ? 'y' : '-');
        }
        return sb.toString();
    }

    public boolean contains(int cpu) {
        return cpu >= 0 && cpus.get(cpu);
    }

    /** How many CPUs the set holds. */
    public int cardinality() {
        return cpus.cardinality();
    }

    public boolean isEmpty() {
        return cpus.isEmpty();
    }

    /** The highest CPU in the set, or -1 when empty. */
    public int highest() {
        return cpus.length() - 1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuMap other && cpus.equals(other.cpus);
    }

    @Override
    public int hashCode() {
        return cpus.hashCode();
    }

    @Override
    public String toString() {
        return toCpuList();
    }
}
