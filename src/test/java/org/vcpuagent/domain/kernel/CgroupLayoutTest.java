package org.vcpuagent.domain.kernel;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where libvirt's vCPU cgroups are: this machine's mounts, and the directory names libvirt gives a domain. */
class CgroupLayoutTest {

    @Test
    void thisMachinesMountsAreFoundCgroupV2First() throws Exception {
        String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        List<CgroupMount> mounts = CgroupMount.parse(mountinfo);
        for (String line : mountinfo.split("\n")) {
            String point = line.split(" ")[4];
            if (line.contains(" - cgroup2 ")) {
                assertTrue(mounts.contains(new CgroupMount(Path.of(point), true)), line);
            }
        }
        for (int i = 1; i < mounts.size(); i++) {
            assertFalse(mounts.get(i).v2() && !mounts.get(i - 1).v2(), "v2 first: " + mounts);
        }
    }

    @Test
    void v1MountsCountOnlyWithTheControllersLibvirtPlacesVcpusIn() {
        String info = """
                31 23 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
                35 23 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
                41 23 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
                42 23 0:39 /sub /mnt/bind rw,relatime - cgroup2 cgroup2 rw
                """;
        assertEquals(List.of(new CgroupMount(Path.of("/sys/fs/cgroup/unified"), true),
                new CgroupMount(Path.of("/sys/fs/cgroup/cpu"), false)), CgroupMount.parse(info));
    }

    @Test
    void aDomainsDirectoryIsRecognisedWithAndWithoutSystemd() {
        assertEquals(Optional.of("guest"), CgroupDomainDir.matches("qemu-12-guest.libvirt-qemu", "guest", false));
        assertEquals(Optional.of("my-guest"),
                CgroupDomainDir.matches("machine-qemu\\x2d3\\x2dmy\\x2dguest.scope", "my-guest", true));
        assertEquals(Optional.empty(), CgroupDomainDir.matches("qemu-12-guest2.libvirt-qemu", "guest", false));
        assertEquals(Optional.empty(), CgroupDomainDir.matches("qemu-x-guest.libvirt-qemu", "guest", false));
        assertEquals(Optional.empty(), CgroupDomainDir.matches("lxc-12-guest.libvirt-lxc", "guest", false));
        assertEquals("a.b_c-d", CgroupDomainDir.machineName(".a.b_c-d é"));
    }
}
