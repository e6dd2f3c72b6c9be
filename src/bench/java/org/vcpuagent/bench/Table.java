package org.vcpuagent.bench;

import java.util.ArrayList;
import java.util.List;

/** A Markdown table. */
final class Table {

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = List.of(headers);
    }

    Table row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(String.valueOf(c).replace("|", "\\|").replace("\n", " "));
        }
        while (r.size() < headers.size()) {
            r.add("");
        }
        rows.add(r);
        return this;
    }

    /** One row per tool: median, min–max, samples and the ratio to {@code base} (or blank). */
    Table stats(String what, Stats s, Stats base, String ratioLabel) {
        return row(what, s.label, s.median(true), s.range(), s.n(), base == null ? "" : ratioLabel + " " + Stats.ratio(s, base));
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| ").append(String.join(" | ", headers)).append(" |\n");
        b.append("|").append("---|".repeat(headers.size())).append("\n");
        for (List<String> r : rows) {
            b.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        return b.toString();
    }
}
