package org.vcpuagent.domain;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Keeps each vCPU's reported {@code cpuTime} from going backwards when its source changes: the kernel's
 * schedstat (ns) and libvirt's ticks (10 ms steps) differ a little, and a Prometheus counter must not run
 * backwards. A source's own figure falling means a new thread (a restart, an unplug and plug): that starts the
 * vCPU again. Updated by every reading thread, each vCPU atomically through {@code compute}.
 */
final class CpuTimeFloor {

    private record Mark(String source, long raw, long shown) {
    }

    private final ConcurrentMap<Integer, Mark> marks = new ConcurrentHashMap<>();

    /** The CPU time to report for {@code raw} from {@code source}: never below what was reported before. */
    long apply(int vcpu, String source, long raw) {
        return marks.compute(vcpu, (k, prev) -> {
            if (prev == null || (prev.source.equals(source) && raw < prev.raw)) {
                return new Mark(source, raw, raw);
            }
            return new Mark(source, raw, Math.max(raw, prev.shown));
        }).shown;
    }

    /** vCPU {@code vcpu} has a new thread: its time starts again. */
    void forget(int vcpu) {
        marks.remove(vcpu);
    }

    /** The domain has a new QEMU process: every vCPU's time starts again. */
    void forgetAll() {
        marks.clear();
    }
}
