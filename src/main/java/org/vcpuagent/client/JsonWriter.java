package org.vcpuagent.client;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Writes one JSON value (RFC 8259) on one line, for the client's {@code --json} output.
 *
 * <p>Everything outside printable ASCII in strings is written as a {@code \\uXXXX} escape, so the
 * output is plain ASCII whatever the terminal's or the JVM's encoding. Misuse (a value where a
 * member name is due, an unclosed object) is an {@link IllegalStateException}, not bad JSON.
 */
final class JsonWriter {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder out = new StringBuilder(256);
    /** One entry per open object or array: whether it has an element yet. */
    private final Deque<Scope> open = new ArrayDeque<>();
    private boolean nameWritten;
    private boolean done;

    private static final class Scope {
        final boolean object;
        boolean hasElement;

        Scope(boolean object) {
            this.object = object;
        }
    }

    JsonWriter beginObject() {
        beforeValue();
        out.append('{');
        open.push(new Scope(true));
        return this;
    }

    JsonWriter endObject() {
        return end(true, '}');
    }

    JsonWriter beginArray() {
        beforeValue();
        out.append('[');
        open.push(new Scope(false));
        return this;
    }

    JsonWriter endArray() {
        return end(false, ']');
    }

    /** The next member's name; only inside an object, before its value. */
    JsonWriter name(String name) {
        Scope s = open.peek();
        if (s == null || !s.object || nameWritten) {
            throw new IllegalStateException("a member name is not allowed here: " + name);
        }
        if (s.hasElement) {
            out.append(',');
        }
        s.hasElement = true;
        string(name);
        out.append(':');
        nameWritten = true;
        return this;
    }

    JsonWriter value(String s) {
        beforeValue();
        if (s == null) {
            out.append("null");
        } else {
            string(s);
        }
        done = open.isEmpty();
        return this;
    }

    JsonWriter value(long n) {
        return literal(Long.toString(n));
    }

    /** A whole number, or {@code null}. */
    JsonWriter value(Number n) {
        if (n instanceof Double || n instanceof Float) {
            throw new IllegalArgumentException("only whole numbers are written: " + n);
        }
        return literal(n == null ? "null" : n.toString());
    }

    JsonWriter value(boolean b) {
        return literal(Boolean.toString(b));
    }

    /** {@code true}, {@code false} or {@code null}. */
    JsonWriter value(Boolean b) {
        return literal(b == null ? "null" : b.toString());
    }

    private JsonWriter literal(String text) {
        beforeValue();
        out.append(text);
        done = open.isEmpty();
        return this;
    }

    /** Shorthand for {@code name(name).value(value)}. */
    JsonWriter member(String name, String value) {
        return name(name).value(value);
    }

    JsonWriter member(String name, long value) {
        return name(name).value(value);
    }

    JsonWriter member(String name, Number value) {
        return name(name).value(value);
    }

    JsonWriter member(String name, boolean value) {
        return name(name).value(value);
    }

    JsonWriter member(String name, Boolean value) {
        return name(name).value(value);
    }

    /** The complete value; fails while an object or array is still open. */
    @Override
    public String toString() {
        if (!done) {
            throw new IllegalStateException("the JSON value is not complete: " + out);
        }
        return out.toString();
    }

    private JsonWriter end(boolean object, char close) {
        Scope s = open.peek();
        if (s == null || s.object != object || nameWritten) {
            throw new IllegalStateException("cannot close " + (object ? "an object" : "an array") + " here: " + out);
        }
        open.pop();
        out.append(close);
        done = open.isEmpty();
        return this;
    }

    private void beforeValue() {
        if (done) {
            throw new IllegalStateException("the JSON value is already complete: " + out);
        }
        Scope s = open.peek();
        if (s == null) {
            return;
        }
        if (s.object) {
            if (!nameWritten) {
                throw new IllegalStateException("a member value needs a name first: " + out);
            }
            nameWritten = false;
        } else {
            if (s.hasElement) {
                out.append(',');
            }
            s.hasElement = true;
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf])
                                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
