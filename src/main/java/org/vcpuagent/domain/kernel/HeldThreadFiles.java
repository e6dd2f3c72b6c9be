package org.vcpuagent.domain.kernel;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code stat} and {@code schedstat} files of every thread of one proven map, held open: a read then costs a
 * seek to 0 and one read per file (the kernel writes the text anew at offset 0), where opening by path costs a
 * walk of five {@code /proc} names, an open, an fstat, two reads and a close. Two descriptors per vCPU thread.
 *
 * <p>A held descriptor is bound to the thread it was opened for, not to its id: once that thread has ended,
 * reading it fails with ESRCH even when the id has been reused, so a held file never shows another thread's
 * figures (the read still checks each start time, as by path).
 *
 * <p>Opened and closed by the connection's owner thread; read by any thread. A {@link RandomAccessFile}, not an
 * NIO channel: a channel is closed for everyone when a reading thread is interrupted.
 */
public final class HeldThreadFiles implements AutoCloseable {

    private final VcpuThreadMap map;
    private final List<HeldFile> stat;
    private final List<HeldFile> schedstat;

    private HeldThreadFiles(VcpuThreadMap map, List<HeldFile> stat, List<HeldFile> schedstat) {
        this.map = map;
        this.stat = stat;
        this.schedstat = schedstat;
    }

    /**
     * Opens the files of every thread of the map; on the owner thread.
     *
     * @return the held files; null when one cannot be opened (a thread ended since the map was proven), and then
     *         nothing stays open
     */
    public static HeldThreadFiles open(VcpuThreadMap map) {
        List<HeldFile> stat = new ArrayList<>(map.threads().size());
        List<HeldFile> schedstat = new ArrayList<>(map.threads().size());
        try {
            for (VcpuThread t : map.threads()) {
                stat.add(new HeldFile(t.statPath()));
                schedstat.add(new HeldFile(t.schedstatPath()));
            }
        } catch (FileNotFoundException e) {
            stat.forEach(HeldFile::close);
            schedstat.forEach(HeldFile::close);
            return null;
        }
        return new HeldThreadFiles(map, List.copyOf(stat), List.copyOf(schedstat));
    }

    public VcpuThreadMap map() {
        return map;
    }

    /** Reads every vCPU of the map through the held files, as {@link KernelRead#of(VcpuThreadMap, int)} does by path. */
    public KernelRead read(int hostCpus) {
        return KernelRead.of(map, new ThreadFiles() {
            @Override
            public String stat(int index, VcpuThread t) throws ClosedChannelException {
                return stat.get(index).textOrNull();
            }

            @Override
            public String schedstat(int index, VcpuThread t) throws ClosedChannelException {
                return schedstat.get(index).textOrNull();
            }
        }, hostCpus);
    }

    /** Closes every descriptor; on the owner thread, once the map is no longer published. */
    @Override
    public void close() {
        stat.forEach(HeldFile::close);
        schedstat.forEach(HeldFile::close);
    }

    /** One held {@code /proc} file. Its lock keeps a seek and its read together, and a close out of both. */
    private static final class HeldFile {

        /** A stat line has 52 numbers after a command name of at most 64 bytes: far less than this. */
        private static final int BUFFER = 2048;

        private final String path;
        /** Guarded by this. */
        private final RandomAccessFile file;
        /** Guarded by this. */
        private boolean closed;

        HeldFile(String path) throws FileNotFoundException {
            this.path = path;
            this.file = new RandomAccessFile(path, "r");
        }

        /** The file's text now; null when its thread has ended. */
        synchronized String textOrNull() throws ClosedChannelException {
            if (closed) {
                throw new ClosedChannelException();
            }
            byte[] buf = new byte[BUFFER];
            int n;
            try {
                file.seek(0);
                n = file.read(buf);
            } catch (IOException e) {
                // ESRCH: the thread this descriptor was opened for has ended.
                return null;
            }
            if (n == BUFFER) {
                return ProcText.readOrNull(path); // longer than any stat line can be; read it whole by path
            }
            return n <= 0 ? null : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        }

        synchronized void close() {
            closed = true;
            try {
                file.close();
            } catch (IOException e) {
                // Closing a /proc file releases it whatever close reports; there is nothing else to do.
            }
        }
    }
}
