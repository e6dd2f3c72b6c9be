package org.vcpuagent.domain.kernel;

import java.io.IOException;
import java.nio.file.Files;
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

    /** @param hostCpus how many CPUs libvirt's cpumaps cover on this host */
    public static KernelRead of(VcpuThreadMap map, int hostCpus) {
        // The task directory's link count is 2 + the thread count: one stat call, where the process's own stat
        // file would make the kernel add up every thread's times.
        long threads = threadCount(map);
        if (threads < 0) {
            return processLost("QEMU process " + map.pid() + " is gone");
        }
        if (threads != map.numThreads()) {
            return new KernelRead(null, "QEMU process " + map.pid() + " has " + threads + " threads, not "
                    + map.numThreads() + " (a vCPU may have been plugged or unplugged)", false, -1);
        }
        List<KernelVcpu> rows = new ArrayList<>(map.threads().size());
        for (VcpuThread t : map.threads()) {
            String statText = ProcText.readOrNull(t.statPath());
            String schedText = ProcText.readOrNull(t.schedstatPath());
            if (statText == null || schedText == null) {
                return threadLost(map, t, "is gone");
            }
            TaskStat stat = TaskStat.parse(statText);
            if (stat.startTime() != t.startTime()) {
                return threadLost(map, t, "belongs to another thread now");
            }
            var affinity = ThreadAffinity.of(t.tid(), t.statusPath(), hostCpus);
            if (affinity == null) {
                return threadLost(map, t, "is gone");
            }
            Schedstat sched = Schedstat.parse(schedText);
            rows.add(new KernelVcpu(t.vcpu(), stat.state(), sched.runNs(), sched.delayNs(), stat.processor(), affinity));
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

    /** Threads in the map's process now; -1 when it is gone. */
    static long threadCount(VcpuThreadMap map) {
        try {
            return ((Number) Files.getAttribute(map.taskDir(), "unix:nlink")).longValue() - 2;
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    public boolean holds() {
        return rows != null;
    }
}
