package org.vcpuagent.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the run found, as Markdown: printed as it goes, and written as one page at the end with the
 * targets first. A hand-written part of an existing page (after {@link #NOTES_MARKER}) is kept.
 */
final class Report {

    static final String NOTES_MARKER = "<!-- Everything below this line is written by hand and kept when the benchmark rewrites the page. -->";

    record Target(String target, String goal, String measured, Boolean met) {
        String verdict() {
            return met == null ? "not measured" : met ? "**met**" : "**missed**";
        }
    }

    private final StringBuilder body = new StringBuilder();
    private final List<Target> targets = new ArrayList<>();
    private final List<String> loads = new ArrayList<>();

    void section(String title) {
        String s = "\n## " + title + "\n\n";
        body.append(s);
        System.out.print(s);
        load("start of '" + title + "'");
    }

    void subsection(String title) {
        String s = "\n### " + title + "\n\n";
        body.append(s);
        System.out.print(s);
    }

    void text(String markdown) {
        String s = markdown.endsWith("\n") ? markdown + "\n" : markdown + "\n\n";
        body.append(s);
        System.out.print(s);
        System.out.flush();
    }

    void table(Table t) {
        text(t.markdown());
    }

    void code(String text) {
        text("```text\n" + text + (text.endsWith("\n") ? "" : "\n") + "```");
    }

    void target(String target, String goal, String measured, Boolean met) {
        Target t = new Target(target, goal, measured, met);
        targets.add(t);
        System.out.println("TARGET " + t.verdict().replace("*", "") + ": " + target + " (" + goal + "): " + measured);
    }

    /** Records the load average now, with what the run was doing. */
    void load(String when) {
        loads.add(when + ": " + Machine.loadAverage());
    }

    List<Target> targets() {
        return targets;
    }

    String page(String header) {
        StringBuilder p = new StringBuilder(header);
        p.append("\n## Targets\n\n");
        Table t = new Table("Target", "Goal", "Measured", "Verdict");
        for (Target x : targets) {
            t.row(x.target(), x.goal(), x.measured(), x.verdict());
        }
        p.append(t.markdown());
        p.append("\n## Load during the run\n\n");
        p.append("Other engineers build and test on this 2-core machine at the same time; the load average "
                + "(1, 5, 15 min) when each part started:\n\n");
        for (String l : loads) {
            p.append("- ").append(l).append('\n');
        }
        p.append(body);
        return p.toString();
    }

    /** Writes the page, keeping the hand-written notes of an existing one. */
    void write(Path file, String header) throws IOException {
        String notes = "\n" + NOTES_MARKER + "\n";
        if (Files.exists(file)) {
            String old = Files.readString(file, StandardCharsets.UTF_8);
            int at = old.indexOf(NOTES_MARKER);
            if (at >= 0) {
                notes = "\n" + old.substring(at);
            }
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, page(header) + notes, StandardCharsets.UTF_8);
    }
}
