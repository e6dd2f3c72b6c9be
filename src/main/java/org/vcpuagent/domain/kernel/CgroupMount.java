package org.vcpuagent.domain.kernel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * A mounted cgroup hierarchy that can hold libvirt's per-vCPU cgroups: cgroup v2, or a v1 hierarchy with the
 * cpu, cpuacct or cpuset controller (the ones libvirt places vCPU threads in).
 */
public record CgroupMount(Path mountPoint, boolean v2) {

    private static final Set<String> VCPU_CONTROLLERS = Set.of("cpu", "cpuacct", "cpuset");

    /** The mounts in {@code mountinfo} text (proc(5)), cgroup v2 first. */
    public static List<CgroupMount> parse(String mountinfo) {
        List<CgroupMount> out = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            int sep = line.indexOf(" - ");
            if (sep < 0) {
                continue;
            }
            String[] before = line.substring(0, sep).split(" ");
            String[] after = line.substring(sep + 3).split(" ");
            if (before.length < 5 || after.length < 3 || !"/".equals(before[3])) {
                continue;
            }
            Path point = Path.of(before[4].replace("\\040", " "));
            if (after[0].equals("cgroup2")) {
                out.add(new CgroupMount(point, true));
            } else if (after[0].equals("cgroup")
                    && Set.of(after[2].split(",")).stream().anyMatch(VCPU_CONTROLLERS::contains)) {
                out.add(new CgroupMount(point, false));
            }
        }
        out.sort(Comparator.comparing(m -> !m.v2()));
        return out;
    }

    /** This process's view: {@code /proc/self/mountinfo}. */
    public static List<CgroupMount> ofThisHost() {
        String text = ProcText.readOrNull("/proc/self/mountinfo");
        return text == null ? List.of() : parse(text);
    }
}
