package org.vcpuagent.domain.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a domain's {@link VcpuThreadMap} from libvirt's own record of it, its cgroups, and proves it:
 *
 * <ul>
 *   <li>each {@code vcpu<N>} cgroup holds at most one thread, and only root may write its thread list, so no
 *       other user can have placed a thread there (QEMU's {@code -uuid} and thread names can be forged by anyone);
 *   <li>every vCPU thread belongs to one process, whose own cgroup is the domain's, and each thread's
 *       {@code /proc/.../cgroup} names the same {@code vcpu<N>} cgroup;
 *   <li>libvirt's pid file for the domain, where readable, names that process;
 *   <li>the start times of the process and threads are recorded, so that a reused id is noticed on each read.
 * </ul>
 * What the map must also agree with (libvirt's own vCPU list and affinities) is the caller's check.
 * Used on the owner thread only; it keeps no state.
 */
public final class ThreadMapBuilder {

    /** Where libvirtd (qemu:///system) writes each running domain's QEMU process id. */
    private static final Path SYSTEM_PID_DIR = Path.of("/run/libvirt/qemu");

    private final List<CgroupMount> mounts;
    private final Path pidDir;

    public ThreadMapBuilder(List<CgroupMount> mounts, Path pidDir) {
        this.mounts = mounts;
        this.pidDir = pidDir;
    }

    public static ThreadMapBuilder ofThisHost() {
        return new ThreadMapBuilder(CgroupMount.ofThisHost(), SYSTEM_PID_DIR);
    }

    /** A proven map, or why there is none. */
    public record Outcome(VcpuThreadMap map, String unproven) {
        static Outcome no(String why) {
            return new Outcome(null, why);
        }
    }

    public Outcome build(String domainName) {
        if (mounts.isEmpty()) {
            return Outcome.no("no cgroup v2 mount, nor a v1 mount with the cpu, cpuacct or cpuset controller, is "
                    + "visible in /proc/self/mountinfo");
        }
        List<CgroupDomainDir> live = new ArrayList<>();
        for (CgroupDomainDir c : CgroupDomainDir.candidates(domainName, mounts)) {
            if (live.stream().noneMatch(l -> l.relative().equals(c.relative())) && !threadsOf(c).isEmpty()) {
                live.add(c);
            }
        }
        if (live.isEmpty()) {
            return Outcome.no("no cgroup of libvirt under " + mounts.get(0).mountPoint() + " (machine/ or "
                    + "machine.slice/) holds a vCPU thread of domain '" + domainName + "'");
        }
        if (live.size() > 1) {
            return Outcome.no("more than one live cgroup claims domain '" + domainName + "': " + live.get(0).relative()
                    + " and " + live.get(1).relative());
        }
        try {
            return prove(domainName, live.get(0));
        } catch (IOException | RuntimeException e) {
            return Outcome.no("reading the cgroup " + live.get(0).dir() + " of domain '" + domainName
                    + "' failed: " + e);
        }
    }

    /** vCPU id → the threads listed in its cgroup; empty when the directory cannot be read. */
    private static Map<Integer, List<Integer>> threadsOf(CgroupDomainDir c) {
        Map<Integer, List<Integer>> out = new LinkedHashMap<>();
        try {
            List<Integer> ids = c.vcpuIds();
            ids.sort(Comparator.naturalOrder());
            for (int id : ids) {
                String text = ProcText.readOrNull(c.threadsFile(id).toString());
                if (text == null) {
                    return Map.of();
                }
                List<Integer> tids = new ArrayList<>();
                for (String line : text.split("\n")) {
                    if (!line.isBlank()) {
                        tids.add(Integer.parseInt(line.trim()));
                    }
                }
                if (!tids.isEmpty()) {
                    out.put(id, tids);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Map.of();
        }
        return out;
    }

    private Outcome prove(String domainName, CgroupDomainDir c) throws IOException {
        Map<Integer, List<Integer>> byVcpu = threadsOf(c);
        int pid = -1;
        List<VcpuThread> threads = new ArrayList<>();
        for (Map.Entry<Integer, List<Integer>> e : byVcpu.entrySet()) {
            int vcpu = e.getKey();
            String writable = writableByOthers(c.threadsFile(vcpu));
            if (writable != null) {
                return Outcome.no(writable);
            }
            if (e.getValue().size() != 1) {
                return Outcome.no("the cgroup of vCPU " + vcpu + " holds " + e.getValue().size() + " threads "
                        + e.getValue() + ", not one");
            }
            int tid = e.getValue().get(0);
            String status = ProcText.readOrNull("/proc/" + tid + "/status");
            if (status == null) {
                return Outcome.no("thread " + tid + " of vCPU " + vcpu + " is not visible in /proc (gone, or /proc "
                        + "is mounted with hidepid)");
            }
            int tgid = TaskStatus.parse(status).tgid();
            if (pid >= 0 && tgid != pid) {
                return Outcome.no("the vCPU threads belong to two processes, " + pid + " and " + tgid);
            }
            pid = tgid;
            String threadCgroup = ProcText.readOrNull("/proc/" + pid + "/task/" + tid + "/cgroup");
            if (threadCgroup == null || !namesCgroup(threadCgroup, c.relative() + "/vcpu" + vcpu)) {
                return Outcome.no("thread " + tid + " does not say it is in " + c.relative() + "/vcpu" + vcpu);
            }
            String stat = ProcText.readOrNull("/proc/" + pid + "/task/" + tid + "/stat");
            if (stat == null) {
                return Outcome.no("thread " + tid + " of vCPU " + vcpu + " ended while the map was built");
            }
            threads.add(VcpuThread.of(pid, vcpu, tid, TaskStat.parse(stat).startTime()));
        }
        return proveProcess(domainName, c, pid, threads);
    }

    private Outcome proveProcess(String domainName, CgroupDomainDir c, int pid, List<VcpuThread> threads) {
        String processCgroup = ProcText.readOrNull("/proc/" + pid + "/cgroup");
        String processStat = ProcText.readOrNull("/proc/" + pid + "/stat");
        if (processCgroup == null || processStat == null) {
            return Outcome.no("QEMU process " + pid + " ended while the map was built");
        }
        if (!processCgroup.contains(":" + c.relative() + "/") && !processCgroup.contains(":" + c.relative() + "\n")) {
            return Outcome.no("process " + pid + " is not in the domain's cgroup " + c.relative());
        }
        String pidFile = ProcText.readOrNull(pidDir.resolve(domainName + ".pid").toString());
        if (pidFile != null && !pidFile.trim().equals(Integer.toString(pid))) {
            return Outcome.no("libvirt's pid file " + pidDir.resolve(domainName + ".pid") + " names process "
                    + pidFile.trim() + ", but the vCPU threads belong to " + pid);
        }
        TaskStat p = TaskStat.parse(processStat);
        return new Outcome(new VcpuThreadMap(pid, p.startTime(), p.numThreads(), threads, c.relative()), null);
    }

    /** Whether {@code /proc/<pid>/cgroup} text places the task in {@code relative} on some hierarchy. */
    static boolean namesCgroup(String procCgroup, String relative) {
        for (String line : procCgroup.split("\n")) {
            if (line.endsWith(":" + relative)) {
                return true;
            }
        }
        return false;
    }

    /** Why a user other than root could write this thread list; null when none can. */
    private static String writableByOthers(Path threadsFile) throws IOException {
        int uid = (Integer) Files.getAttribute(threadsFile, "unix:uid");
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(threadsFile);
        if (uid != 0 || mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            return threadsFile + " is owned by uid " + uid + " with mode " + mode + ": a user other than root could "
                    + "have placed a thread there";
        }
        return null;
    }
}
