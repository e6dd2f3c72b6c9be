package org.vcpuagent.testsupport;

import java.util.ArrayList;
import java.util.List;

/**
 * What the test guests' init prints on its console (scripts/prepare-test-guest.sh for the QEMU guest,
 * scripts/xen/domu-init.sh for the Xen domU): a {@code VCPU-ONLINE: <cpulist>} line each time the set
 * of online vCPUs changes, as the guest's own kernel reports it.
 */
public final class VcpuOnlineReports {

    public static final String PREFIX = "VCPU-ONLINE: ";

    private VcpuOnlineReports() {
    }

    /** Every cpulist reported in these console lines, oldest first. */
    public static List<String> in(Iterable<String> consoleLines) {
        List<String> out = new ArrayList<>();
        for (String line : consoleLines) {
            int at = line.indexOf(PREFIX);
            if (at >= 0) {
                out.add(line.substring(at + PREFIX.length()).trim());
            }
        }
        return out;
    }
}
