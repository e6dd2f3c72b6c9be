package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Set arithmetic on {@link CpuMap}, which itself only answers membership. */
final class Cpus {

    private Cpus() {
    }

    static List<Integer> members(CpuMap m) {
        List<Integer> out = new ArrayList<>();
        for (int cpu = 0; cpu <= m.highest(); cpu++) {
            if (m.contains(cpu)) {
                out.add(cpu);
            }
        }
        return out;
    }

    static int size(CpuMap m) {
        return members(m).size();
    }

    static CpuMap of(Collection<Integer> cpus) {
        return CpuMap.of(cpus.stream().mapToInt(Integer::intValue).toArray());
    }

    static boolean intersects(CpuMap a, CpuMap b) {
        for (int cpu = 0; cpu <= Math.min(a.highest(), b.highest()); cpu++) {
            if (a.contains(cpu) && b.contains(cpu)) {
                return true;
            }
        }
        return false;
    }

    static CpuMap intersection(CpuMap a, CpuMap b) {
        return of(members(a).stream().filter(b::contains).toList());
    }

    static boolean containsAll(CpuMap outer, CpuMap inner) {
        return members(inner).stream().allMatch(outer::contains);
    }
}
