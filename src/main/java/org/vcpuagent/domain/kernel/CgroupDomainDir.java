package org.vcpuagent.domain.kernel;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where libvirt keeps one QEMU domain's cgroup, with a {@code vcpu<N>} child per vCPU (N is libvirt's vCPU id).
 * Without systemd that is {@code <mount>/machine/qemu-<id>-<name>.libvirt-qemu}; with systemd
 * {@code <mount>/machine.slice/machine-qemu\x2d<id>\x2d<name>.scope}, the vCPUs under its {@code libvirt} child
 * on cgroup v2. cgroup v2 is preferred where both hold the domain.
 *
 * @param mount    the cgroup filesystem's mount point
 * @param relative the domain's directory as {@code /proc/<pid>/cgroup} names it, e.g.
 *                 {@code /machine/qemu-1-g.libvirt-qemu}
 * @param v2       whether the threads are listed in {@code cgroup.threads} (v2) or {@code tasks} (v1)
 */
public record CgroupDomainDir(Path mount, String relative, boolean v2) {

    /** libvirt truncates a machine name to this many characters (HOST_NAME_MAX). */
    private static final int MACHINE_NAME_MAX = 64;

    public Path dir() {
        return Path.of(mount.toString(), relative);
    }

    /** The file listing the threads of vCPU {@code n}'s cgroup. */
    public Path threadsFile(int vcpu) {
        return dir().resolve("vcpu" + vcpu).resolve(v2 ? "cgroup.threads" : "tasks");
    }

    /** The vCPU ids libvirt made a cgroup for, in no particular order. */
    public List<Integer> vcpuIds() throws IOException {
        List<Integer> ids = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir(), "vcpu*")) {
            for (Path c : children) {
                String digits = c.getFileName().toString().substring("vcpu".length());
                if (!digits.isEmpty() && digits.chars().allMatch(Character::isDigit) && digits.length() < 6) {
                    ids.add(Integer.parseInt(digits));
                }
            }
        }
        return ids;
    }

    /**
     * Every directory that may be the cgroup of running domain {@code name}: one per cgroup mount and per
     * instance libvirt left behind (a stopped instance's directory may linger), cgroup v2 mounts first.
     */
    public static List<CgroupDomainDir> candidates(String name, List<CgroupMount> mounts) {
        String machine = machineName(name);
        List<CgroupDomainDir> out = new ArrayList<>();
        for (CgroupMount m : mounts) {
            addMatches(out, m, "machine", machine, false);
            addMatches(out, m, "machine.slice", machine, true);
        }
        return out;
    }

    private static void addMatches(List<CgroupDomainDir> out, CgroupMount m, String partition, String machine,
                                   boolean systemd) {
        Path parent = m.mountPoint().resolve(partition);
        if (!Files.isDirectory(parent)) {
            return;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(parent)) {
            for (Path c : children) {
                String dirName = c.getFileName().toString();
                Optional<String> rel = matches(dirName, machine, systemd).map(x -> "/" + partition + "/" + dirName);
                if (rel.isEmpty()) {
                    continue;
                }
                String r = rel.get();
                if (systemd && Files.isDirectory(c.resolve("libvirt"))) {
                    r += "/libvirt";
                }
                out.add(new CgroupDomainDir(m.mountPoint(), r, m.v2()));
            }
        } catch (IOException e) {
            // An unreadable partition holds no domain we could prove: the caller says none was found.
        }
    }

    /** The machine name's part after {@code qemu-<id>-} if {@code dirName} is an instance of it. */
    static Optional<String> matches(String dirName, String machine, boolean systemd) {
        String name;
        if (systemd) {
            if (!dirName.startsWith("machine-") || !dirName.endsWith(".scope")) {
                return Optional.empty();
            }
            name = dirName.substring("machine-".length(), dirName.length() - ".scope".length()).replace("\\x2d", "-");
        } else {
            if (!dirName.endsWith(".libvirt-qemu")) {
                return Optional.empty();
            }
            name = dirName.substring(0, dirName.length() - ".libvirt-qemu".length());
        }
        if (!name.startsWith("qemu-")) {
            return Optional.empty();
        }
        int dash = name.indexOf('-', "qemu-".length());
        if (dash < 0 || !name.substring("qemu-".length(), dash).chars().allMatch(Character::isDigit)) {
            return Optional.empty();
        }
        String rest = name.substring(dash + 1);
        boolean truncated = name.length() == MACHINE_NAME_MAX && machine.startsWith(rest);
        return rest.equals(machine) || truncated ? Optional.of(rest) : Optional.empty();
    }

    /** libvirt's machine name keeps only {@code [A-Za-z0-9_.-]} of the domain's name, without leading dots. */
    static String machineName(String domainName) {
        StringBuilder b = new StringBuilder();
        for (char c : domainName.toCharArray()) {
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-' || c == '.';
            if (ok && !(c == '.' && b.length() == 0)) {
                b.append(c);
            }
        }
        return b.toString();
    }
}
