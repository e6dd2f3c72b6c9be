package org.vcpuagent.security;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads an audit line ({@code org.vcpuagent.jmx.AuditLine}'s format) back into its keys and values, as a
 * log processor would: only the tests need to, so this lives here and not in the agent.
 */
public final class AuditLines {

    private AuditLines() {
    }

    /**
     * The keys and values of one line, in order.
     *
     * @throws IllegalArgumentException if the line is not in the audit format
     */
    public static Map<String, String> parse(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            int eq = line.indexOf('=', i);
            if (eq <= i) {
                throw new IllegalArgumentException("no key=value at column " + i + " of: " + line);
            }
            String key = line.substring(i, eq);
            i = eq + 1;
            StringBuilder v = new StringBuilder();
            if (i < n && line.charAt(i) == '"') {
                i = unquote(line, i + 1, key, v);
            } else {
                int end = line.indexOf(' ', i);
                end = end < 0 ? n : end;
                v.append(line, i, end);
                i = end;
            }
            out.put(key, v.toString());
            if (i < n) {
                if (line.charAt(i) != ' ') {
                    throw new IllegalArgumentException("expected a space after the value of " + key + " in: " + line);
                }
                i++;
            }
        }
        return out;
    }

    /** Reads a quoted value from just after its opening quote into {@code v}; returns the index after the closing one. */
    private static int unquote(String line, int i, String key, StringBuilder v) {
        int n = line.length();
        while (true) {
            if (i >= n) {
                throw new IllegalArgumentException("unterminated quoted value of " + key + " in: " + line);
            }
            char c = line.charAt(i++);
            if (c == '"') {
                return i;
            }
            if (c != '\\') {
                v.append(c);
                continue;
            }
            if (i >= n) {
                throw new IllegalArgumentException("dangling escape in value of " + key + " in: " + line);
            }
            char e = line.charAt(i++);
            switch (e) {
                case 'n' -> v.append('\n');
                case 'r' -> v.append('\r');
                case 't' -> v.append('\t');
                case 'u' -> {
                    v.append((char) Integer.parseInt(line.substring(i, i + 4), 16));
                    i += 4;
                }
                default -> v.append(e);
            }
        }
    }
}
