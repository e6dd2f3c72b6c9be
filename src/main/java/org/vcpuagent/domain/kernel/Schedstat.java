package org.vcpuagent.domain.kernel;

/**
 * {@code /proc/<pid>/task/<tid>/schedstat}: the kernel's own CPU time of a thread, in nanoseconds, not the
 * 10 ms ticks of {@code stat}'s utime and stime (which libvirt's virDomainGetVcpus reports).
 *
 * @param runNs   time spent on a CPU
 * @param delayNs time spent runnable, waiting for a CPU (libvirt's {@code vcpu.N.delay})
 */
public record Schedstat(long runNs, long delayNs) {

    /** @throws IllegalArgumentException when the text is not three numbers */
    public static Schedstat parse(String text) {
        String[] f = text.trim().split(" ");
        if (f.length != 3) {
            throw new IllegalArgumentException("schedstat should be three numbers (run ns, wait ns, slices): '"
                    + text.trim() + "'");
        }
        return new Schedstat(TaskStat.number(f[0], 0, f[0].length()), TaskStat.number(f[1], 0, f[1].length()));
    }
}
