package org.vcpuagent.domain.kernel;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import org.vcpuagent.model.CpuMap;

/**
 * A thread's affinity as the kernel holds it, through libc's {@code sched_getaffinity} (what libvirt's
 * virDomainGetVcpus calls for each vCPU thread); where libc cannot be bound, from {@code Cpus_allowed_list}.
 * Asking needs no privilege: any user may read any thread's affinity.
 */
public final class ThreadAffinity {

    /** Room for 1024 CPUs, glibc's CPU_SETSIZE. */
    private static final int MASK_BYTES = 128;
    private static final boolean BOUND = bind();

    private ThreadAffinity() {
    }

    private static boolean bind() {
        try {
            Native.register(ThreadAffinity.class, NativeLibrary.getInstance("c"));
            return true;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false;
        }
    }

    private static native int sched_getaffinity(int tid, NativeLong size, byte[] mask);

    /**
     * @param statusPath the thread's {@code status} file, read only when libc is not bound
     * @param hostCpus   how many CPUs the host's cpumaps cover (libvirt's present CPUs): the map covers no more
     * @return the CPUs the thread may run on; null when the thread no longer exists
     */
    public static CpuMap of(int tid, String statusPath, int hostCpus) {
        if (BOUND) {
            byte[] mask = new byte[MASK_BYTES];
            if (sched_getaffinity(tid, new NativeLong(MASK_BYTES), mask) != 0) {
                return null;
            }
            return CpuMap.fromBytes(mask, 0, Math.min(MASK_BYTES, (hostCpus + 7) / 8));
        }
        String status = ProcText.readOrNull(statusPath);
        return status == null ? null : CpuMap.parse(TaskStatus.parse(status).cpusAllowedList(), hostCpus);
    }

    /** Whether affinities come from sched_getaffinity (true) or from the status file. */
    public static boolean usesLibc() {
        return BOUND;
    }
}
