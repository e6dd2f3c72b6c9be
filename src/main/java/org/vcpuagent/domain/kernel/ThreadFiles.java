package org.vcpuagent.domain.kernel;

import java.nio.channels.ClosedChannelException;

/**
 * Where a {@link KernelRead} gets the {@code stat} and {@code schedstat} text of each thread of a map: opened by
 * path for this read ({@link #BY_PATH}), or read again from descriptors held open since the map was proven
 * ({@link HeldThreadFiles}).
 */
interface ThreadFiles {

    /** Opens each file for the read: what the owner's checks use, and a reader with no descriptors held. */
    ThreadFiles BY_PATH = new ThreadFiles() {
        @Override
        public String stat(int index, VcpuThread t) {
            return ProcText.readOrNull(t.statPath());
        }

        @Override
        public String schedstat(int index, VcpuThread t) {
            return ProcText.readOrNull(t.schedstatPath());
        }
    };

    /**
     * @param index the thread's place in the map
     * @return the thread's {@code stat} text; null when the thread is gone
     * @throws ClosedChannelException when the descriptors were closed meanwhile: the map was replaced
     */
    String stat(int index, VcpuThread t) throws ClosedChannelException;

    /** The thread's {@code schedstat} text, as {@link #stat}. */
    String schedstat(int index, VcpuThread t) throws ClosedChannelException;
}
