package org.vcpuagent.domain.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads every vCPU of a proven map from {@code /proc}: safe on any thread, since it only reads files and asks the
 * kernel. A read that finds the map no longer true (a thread gone or reused, the process restarted, a thread
 * more or less in QEMU) returns no rows but the reason, and the caller asks libvirt instead.
 *
 * @param rows    the vCPUs in the map's order; null when the map no longer holds
 * @param problem why the map no longer holds; null with rows
 */
public record KernelRead(List<KernelVcpu> rows, String problem) {

    /** @param hostCpus how many CPUs libvirt's cpumaps cover on this host */
    public static KernelRead of(VcpuThreadMap map, int hostCpus) {
        String processStat = ProcText.readOrNull(map.processStatPath());
        if (processStat == null) {
            return broken("QEMU process " + map.pid() + " is gone");
        }
        TaskStat process = TaskStat.parse(processStat);
        if (process.startTime() != map.pidStartTime()) {
            return broken("process id " + map.pid() + " belongs to another process now");
        }
        if (process.numThreads() != map.numThreads()) {
            return broken("QEMU process " + map.pid() + " has " + process.numThreads() + " threads, not "
                    + map.numThreads() + " (a vCPU may have been plugged or unplugged)");
        }
        List<KernelVcpu> rows = new ArrayList<>(map.threads().size());
        for (VcpuThread t : map.threads()) {
            String statText = ProcText.readOrNull(t.statPath());
            String schedText = ProcText.readOrNull(t.schedstatPath());
            if (statText == null || schedText == null) {
                return broken("the thread " + t.tid() + " of vCPU " + t.vcpu() + " is gone");
            }
            TaskStat stat = TaskStat.parse(statText);
            if (stat.startTime() != t.startTime()) {
                return broken("thread id " + t.tid() + " of vCPU " + t.vcpu() + " belongs to another thread now");
            }
            var affinity = ThreadAffinity.of(t.tid(), t.statusPath(), hostCpus);
            if (affinity == null) {
                return broken("the thread " + t.tid() + " of vCPU " + t.vcpu() + " is gone");
            }
            Schedstat sched = Schedstat.parse(schedText);
            rows.add(new KernelVcpu(t.vcpu(), stat.state(), sched.runNs(), sched.delayNs(), stat.processor(), affinity));
        }
        return new KernelRead(rows, null);
    }

    private static KernelRead broken(String why) {
        return new KernelRead(null, why);
    }

    public boolean holds() {
        return rows != null;
    }
}
