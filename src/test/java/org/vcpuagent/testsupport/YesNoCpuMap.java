package org.vcpuagent.testsupport;

import org.vcpuagent.model.CpuMap;

import java.util.stream.IntStream;

/** Reads back the {@code yy--} form that {@link CpuMap#toYesNo} writes (virsh's affinity column). */
public final class YesNoCpuMap {

    private YesNoCpuMap() {
    }

    /** Position N is {@code y} when CPU N is in the set, {@code -} when it is not. */
    public static CpuMap parse(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != 'y' && c != '-') {
                throw new IllegalArgumentException("character '" + c + "' at position " + i + " of '" + text
                        + "' is neither 'y' (usable) nor '-' (not usable)");
            }
        }
        return CpuMap.of(IntStream.range(0, text.length()).filter(i -> text.charAt(i) == 'y').toArray());
    }
}
