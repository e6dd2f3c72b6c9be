package org.vcpuagent.domain.kernel;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads every vCPU of a proven map from {@code /proc}: safe on any thread, since it only reads files and asks the
 * kernel. A read that finds the map no longer true (a thread gone or reused, the process restarted, a thread
 * more or less in QEMU) returns no rows but the reason, and the caller asks libvirt instead.
 *
 * @param rows        the vCPUs in the map's order; null when the map no longer holds
 * @param problem     why the map no longer holds; null with rows
 * @param processLost whether the QEMU process itself is gone or replaced (every vCPU thread with it)
 * @param lostVcpu    the vCPU whose thread is gone or replaced; -1 when none is known
 */
public record KernelRead(List<KernelVcpu> rows, String problem, boolean processLost, int lostVcpu) {

    /** What a read through {@link HeldThreadFiles} returns when they were closed under it: the map was replaced. */
    public static final KernelRead REPLACED = new KernelRead(null, "the map was replaced while it was read", false, -1);

    /**
     * Reads by path, opening each file for this read: what the owner's checks use.
     *
     * @param hostCpus how many CPUs libvirt's cpumaps cover on this host
     */
    public static KernelRead of(VcpuThreadMap map, int hostCpus) {
        return of(map, ThreadFiles.BY_PATH, hostCpus);
    }

    static KernelRead of(VcpuThreadMap map, ThreadFiles files, int hostCpus) {
        List<KernelVcpu> rows = new ArrayList<>(map.threads().size());
        List<VcpuThread> threads = map.threads();
        try {
            for (int i = 0; i < threads.size(); i++) {
                VcpuThread t = threads.get(i);
                String statText = files.stat(i, t);
                String schedText = files.schedstat(i, t);
                if (statText == null || schedText == null) {
                    return threadLost(map, t, "is gone");
                }
                TaskStat stat = TaskStat.parse(statText);
                if (stat.startTime() != t.startTime()) {
                    return threadLost(map, t, "belongs to another thread now");
                }
                // A thread's stat counts the threads of its whole process (field 20): a vCPU plugged in since the
                // map was made adds one. Free here, where the process's own stat would make the kernel add up
                // every thread's times.
                if (stat.numThreads() != map.numThreads()) {
                    return new KernelRead(null, "QEMU process " + map.pid() + " has " + stat.numThreads()
                            + " threads, not " + map.numThreads() + " (a vCPU may have been plugged or unplugged)",
                            false, -1);
                }
                var affinity = ThreadAffinity.of(t.tid(), t.statusPath(), hostCpus);
                if (affinity == null) {
                    return threadLost(map, t, "is gone");
                }
                Schedstat sched = Schedstat.parse(schedText);
                rows.add(new KernelVcpu(t.vcpu(), stat.state(), sched.runNs(), sched.delayNs(), stat.processor(),
                        affinity));
            }
        } catch (ClosedChannelException e) {
            return REPLACED;
        }
        return new KernelRead(rows, null, false, -1);
    }

    private static KernelRead processLost(String why) {
        return new KernelRead(null, why, true, -1);
    }

    /** A vCPU thread is gone: alone (an unplug), or with its process (a restart, where every vCPU starts again). */
    private static KernelRead threadLost(VcpuThreadMap map, VcpuThread t, String what) {
        String stat = ProcText.readOrNull(map.processStatPath());
        if (stat == null || TaskStat.parse(stat).startTime() != map.pidStartTime()) {
            return processLost("QEMU process " + map.pid() + " is gone or was replaced");
        }
        return new KernelRead(null, "thread " + t.tid() + " of vCPU " + t.vcpu() + " " + what, false, t.vcpu());
    }

    public boolean holds() {
        return rows != null;
    }

    /** Whether the read met files closed under it: nothing is known about the map, read the one now published. */
    public boolean replaced() {
        return this == REPLACED;
    }
}
