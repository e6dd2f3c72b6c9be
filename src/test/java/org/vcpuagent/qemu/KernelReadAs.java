package org.vcpuagent.qemu;

import org.vcpuagent.domain.kernel.KernelRead;
import org.vcpuagent.domain.kernel.KernelVcpu;
import org.vcpuagent.domain.kernel.ThreadMapBuilder;

/**
 * What the kernel side of the agent's read can do as the user this runs as: prints {@code proc N cpu affinity}
 * lines, one per vCPU, when it proves the domain's vCPU thread map and reads it, or {@code unproven: why}.
 * Run by {@link KernelReadTest} as an unprivileged user.
 */
public final class KernelReadAs {

    private KernelReadAs() {
    }

    public static void main(String[] args) {
        ThreadMapBuilder.Outcome built = ThreadMapBuilder.ofThisHost().build(args[0]);
        if (built.map() == null) {
            System.out.println("unproven: " + built.unproven());
            return;
        }
        KernelRead read = KernelRead.of(built.map(), Integer.parseInt(args[1]));
        if (!read.holds()) {
            System.out.println("unproven: " + read.problem());
            return;
        }
        for (KernelVcpu v : read.rows()) {
            System.out.println("proc " + v.vcpu() + " " + v.affinity().toCpuList() + " " + v.cpuTimeNs());
        }
    }
}
