package org.vcpuagent.placement;

import java.util.Locale;

/**
 * A placement request, parsed from a small grammar: comma-separated words, first {@code dedicated} or
 * {@code shared}; with {@code dedicated}, at most one of {@code prefer} (the default), {@code isolate} or
 * {@code require}; and optionally {@code emulator=share} (the default) or {@code emulator=isolate}.
 */
public record Policy(boolean dedicated, Threads threads, boolean isolateEmulator) {

    /** How SMT siblings are used, as OpenStack's {@code hw:cpu_thread_policy}. */
    public enum Threads {
        /** siblings filled core by core */
        PREFER,
        /** one vCPU per core, its siblings left unused */
        ISOLATE,
        /** siblings paired; only on hosts with SMT */
        REQUIRE
    }

    public static final String GRAMMAR = "give 'dedicated' or 'shared', then optionally (dedicated only) one of "
            + "'prefer', 'isolate', 'require', and optionally 'emulator=share' or 'emulator=isolate', separated by "
            + "commas, e.g. 'dedicated,isolate,emulator=isolate'";

    /** @throws IllegalArgumentException naming the word that is wrong, with the grammar */
    public static Policy parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the placement policy is empty: " + GRAMMAR);
        }
        String[] words = text.trim().toLowerCase(Locale.ROOT).split("\\s*,\\s*", -1);
        boolean dedicated = switch (words[0]) {
            case "dedicated" -> true;
            case "shared" -> false;
            default -> throw refused(text, words[0], "the first word must be 'dedicated' or 'shared'");
        };
        Threads threads = null;
        Boolean isolateEmulator = null;
        for (int i = 1; i < words.length; i++) {
            String w = words[i];
            if (w.startsWith("emulator=")) {
                if (isolateEmulator != null) {
                    throw refused(text, w, "emulator= is given twice");
                }
                isolateEmulator = switch (w.substring("emulator=".length())) {
                    case "share" -> false;
                    case "isolate" -> true;
                    default -> throw refused(text, w, "emulator= takes 'share' or 'isolate'");
                };
            } else if (w.equals("prefer") || w.equals("isolate") || w.equals("require")) {
                if (!dedicated) {
                    throw refused(text, w, "'" + w + "' is a thread policy of 'dedicated'; 'shared' takes none");
                }
                if (threads != null) {
                    throw refused(text, w, "only one of 'prefer', 'isolate', 'require' may be given");
                }
                threads = Threads.valueOf(w.toUpperCase(Locale.ROOT));
            } else {
                throw refused(text, w, "it is not a word of the grammar");
            }
        }
        return new Policy(dedicated, threads == null ? Threads.PREFER : threads,
                isolateEmulator != null && isolateEmulator);
    }

    private static IllegalArgumentException refused(String text, String word, String why) {
        return new IllegalArgumentException("placement policy '" + text + "' is not allowed: '" + word + "': " + why
                + "; " + GRAMMAR);
    }

    @Override
    public String toString() {
        return (dedicated ? "dedicated," + threads.name().toLowerCase(Locale.ROOT) : "shared")
                + ",emulator=" + (isolateEmulator ? "isolate" : "share");
    }
}
