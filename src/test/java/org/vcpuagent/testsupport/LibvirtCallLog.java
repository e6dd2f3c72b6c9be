package org.vcpuagent.testsupport;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * libvirt's own debug log of an agent process ({@link #ENV} in its environment), read as "which thread made which
 * API call": libvirt logs every public API entry with the calling thread's id, which /proc names. This shows from
 * outside the agent which of its threads asked libvirt anything.
 */
public final class LibvirtCallLog {

    /** libvirt logs each public API entry as {@code TIME: TID: debug : virDomainGetVcpus:NNN : ...}. */
    private static final Pattern CALL = Pattern.compile("^\\S+ \\S+: (\\d+): debug : (vir[A-Za-z]+):\\d+ : ");

    private final Path file;
    private final long pid;

    public LibvirtCallLog(Path file, long pid) {
        this.file = file;
        this.pid = pid;
    }

    /** The environment that makes libvirt log every API call of the domain and host APIs to {@code file}. */
    public static Map<String, String> env(Path file) {
        return Map.of("LIBVIRT_LOG_FILTERS", "1:libvirt.domain 1:libvirt.host", "LIBVIRT_LOG_OUTPUTS", "1:file:" + file);
    }

    /** Where the log ends now: calls after it are those made from here on. */
    public long mark() throws IOException {
        return Files.size(file);
    }

    /** The calls logged since {@code from}, counted by call whichever thread made them (the log of any process). */
    public static Map<String, Integer> callsSince(Path file, long from) throws IOException {
        Map<String, Integer> out = new java.util.TreeMap<>();
        for (String line : linesSince(file, from)) {
            Matcher m = CALL.matcher(line);
            if (m.find()) {
                out.merge(m.group(2), 1, Integer::sum);
            }
        }
        return out;
    }

    private static String[] linesSince(Path file, long from) throws IOException {
        byte[] rest;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(from);
            rest = new byte[(int) (f.length() - from)];
            f.readFully(rest);
        }
        return new String(rest, StandardCharsets.ISO_8859_1).split("\n");
    }

    /**
     * The calls logged since {@code from}, counted as "thread name: call", thread names from
     * /proc/PID/task/TID/comm as they are now (cut at 15 characters; "thread N (ended)" for one gone).
     */
    public Map<String, Integer> callsByThreadSince(long from) throws IOException {
        Map<String, String> names = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                names.put(t.getFileName().toString(), Files.readString(t.resolve("comm")).trim());
            }
        }
        Map<String, Integer> out = new HashMap<>();
        for (String line : linesSince(file, from)) {
            Matcher m = CALL.matcher(line);
            if (m.find()) {
                out.merge(names.getOrDefault(m.group(1), "thread " + m.group(1) + " (ended)") + ": " + m.group(2), 1,
                        Integer::sum);
            }
        }
        return out;
    }

    /**
     * A count of 0 calls means something only if the threads it is about exist under the names looked for:
     * throws unless each of {@code threadPrefixes} starts the name of one of the process's threads now.
     */
    public void requireThreads(Iterable<String> threadPrefixes) throws IOException {
        List<String> comms = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                comms.add(Files.readString(t.resolve("comm")).trim());
            }
        }
        for (String p : threadPrefixes) {
            if (comms.stream().noneMatch(c -> c.startsWith(p))) {
                throw new IllegalStateException("no thread of process " + pid + " has a name starting with '" + p
                        + "' (comm is cut at 15 characters); its threads: " + comms);
            }
        }
    }

    /** How many of {@code calls} were made by threads whose name starts with one of {@code threadPrefixes}. */
    public static int madeBy(Map<String, Integer> calls, Iterable<String> threadPrefixes) {
        int n = 0;
        for (Map.Entry<String, Integer> e : calls.entrySet()) {
            for (String p : threadPrefixes) {
                if (e.getKey().startsWith(p)) {
                    n += e.getValue();
                    break;
                }
            }
        }
        return n;
    }
}
