package org.vcpuagent.client;

import org.vcpuagent.model.VcpuReading;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * virsh 9.0's human layouts, reproduced column for column so that eyes and scripts used to virsh
 * read the client's output the same way. virsh's shell adds one empty line after every command;
 * that is virsh's framing, not the command's output, and is left out here (as {@code virsh -q} does).
 */
final class VirshFormat {

    private VirshFormat() {
    }

    /**
     * virsh's tables (vsh-table.c): every cell after one space, columns as wide as their widest
     * cell plus two spaces, no padding after the last column, and under the header a rule of
     * (width + 3) dashes per column. Control characters are shown as {@code \xNN}.
     */
    static String table(List<String> header, List<List<String>> rows) {
        int columns = header.size();
        int[] widths = new int[columns];
        measure(header, widths);
        for (List<String> row : rows) {
            measure(row, widths);
        }
        StringBuilder sb = new StringBuilder();
        row(sb, header, widths);
        for (int w : widths) {
            sb.append("-".repeat(w + 3));
        }
        sb.append('\n');
        for (List<String> row : rows) {
            row(sb, row, widths);
        }
        return sb.toString();
    }

    private static void measure(List<String> cells, int[] widths) {
        for (int i = 0; i < cells.size(); i++) {
            widths[i] = Math.max(widths[i], width(safe(cells.get(i))));
        }
    }

    private static void row(StringBuilder sb, List<String> cells, int[] widths) {
        for (int i = 0; i < cells.size(); i++) {
            String cell = safe(cells.get(i));
            sb.append(' ').append(cell);
            if (i < cells.size() - 1) {
                sb.append(" ".repeat(widths[i] - width(cell) + 2));
            }
        }
        sb.append('\n');
    }

    /** Characters on screen: code points (wide East Asian characters count as one here). */
    private static int width(String s) {
        return s.codePointCount(0, s.length());
    }

    /** Control characters as {@code \xNN} of their UTF-8 bytes, as vshTableSafeEncode does. */
    static String safe(String s) {
        boolean clean = true;
        for (int i = 0; i < s.length() && clean; i++) {
            clean = !Character.isISOControl(s.charAt(i));
        }
        if (clean) {
            return s;
        }
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp)) {
                for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    sb.append(String.format(Locale.ROOT, "\\x%02x", b & 0xff));
                }
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    /**
     * {@code virsh list}, except that the agent has no domain id: the columns are Name, State and
     * vCPUs (the current count), after Connection (the alias) when the agent has several.
     */
    static String list(List<List<String>> rows, boolean withConnection) {
        return table(withConnection ? List.of("Connection", "Name", "State", "vCPUs") : List.of("Name", "State", "vCPUs"),
                rows);
    }

    /**
     * {@code virsh vcpuinfo}: one block per vCPU, separated by an empty line; labels padded to 15
     * ({@code %-15s}); CPU time only when not 0, in seconds with one decimal; affinity as y/- over
     * the host's present CPUs, or with {@code --pretty} as a cpulist "(out of N)".
     */
    static String vcpuinfo(List<VcpuReading> vcpus, int presentCpus, boolean pretty) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < vcpus.size(); i++) {
            VcpuReading v = vcpus.get(i);
            if (i > 0) {
                sb.append('\n');
            }
            line(sb, "VCPU:", Integer.toString(v.number()));
            line(sb, "CPU:", Integer.toString(v.cpu()));
            line(sb, "State:", v.state());
            if (v.cpuTime() != 0) {
                line(sb, "CPU time:", String.format(Locale.ROOT, "%.1fs", v.cpuTime() / 1e9));
            }
            line(sb, "CPU Affinity:", pretty ? v.affinity().toCpuList() + " (out of " + presentCpus + ")"
                    : v.affinity().toYesNo(presentCpus));
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String label, String value) {
        sb.append(label);
        sb.append(" ".repeat(Math.max(0, 15 - label.length())));
        sb.append(' ').append(value).append('\n');
    }

    /**
     * {@code virsh vcpucount}'s live lines ({@code %-12s %-12s %3d}); the agent reports the running
     * domain, so the config lines virsh also prints are not shown.
     */
    static String vcpucount(int maximumLive, int currentLive) {
        return countLine("maximum", "live", maximumLive) + countLine("current", "live", currentLive);
    }

    private static String countLine(String which, String where, int n) {
        String number = Integer.toString(n);
        return which + " ".repeat(Math.max(0, 12 - which.length())) + ' '
                + where + " ".repeat(Math.max(0, 12 - where.length())) + ' '
                + " ".repeat(Math.max(0, 3 - number.length())) + number + '\n';
    }

    /** {@code virsh vcpupin DOMAIN}: a table of vCPU and cpulist. */
    static String vcpupin(Map<Integer, String> pins) {
        List<List<String>> rows = new java.util.ArrayList<>(pins.size());
        for (Map.Entry<Integer, String> e : pins.entrySet()) {
            rows.add(List.of(Integer.toString(e.getKey()), e.getValue()));
        }
        return table(List.of("VCPU", "CPU Affinity"), rows);
    }

    /** {@code virsh emulatorpin DOMAIN}. */
    static String emulatorpin(String cpulist) {
        return "emulator: CPU Affinity\n"
                + "----------------------------------\n"
                + "       *: " + cpulist + '\n';
    }

    /**
     * {@code virsh iothreadinfo DOMAIN}: a table of IOThread id and cpulist; virsh's sentence when there are none
     * (virsh gives it no newline of its own, the shell's empty line ends it).
     */
    static String iothreadinfo(Map<Integer, String> threads) {
        if (threads.isEmpty()) {
            return "No IOThreads found for the domain\n";
        }
        List<List<String>> rows = new java.util.ArrayList<>(threads.size());
        for (Map.Entry<Integer, String> e : threads.entrySet()) {
            rows.add(List.of(Integer.toString(e.getKey()), e.getValue()));
        }
        return table(List.of("IOThread ID", "CPU Affinity"), rows);
    }

    /**
     * {@code virsh numatune DOMAIN}: one {@code %-15s: %s} line per parameter libvirt gave; nothing when it gave
     * none (an empty {@code mode}).
     */
    static String numatune(String mode, String nodeset) {
        if (mode.isEmpty()) {
            return "";
        }
        return "numa_mode      : " + mode + "\nnuma_nodeset   : " + nodeset + "\n";
    }
}
