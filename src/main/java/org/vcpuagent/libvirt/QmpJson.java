package org.vcpuagent.libvirt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the JSON of a QMP reply, as QEMU sends it: objects, arrays, strings, integers, booleans and
 * null (RFC 8259 without fractions and exponents, which no reply this agent reads has). Strict: anything
 * else, a trailing comma, a duplicate key or text after the value is an error naming the position.
 *
 * <p>Values become: object to an unmodifiable {@code Map<String, Object>} in document order, array to an
 * unmodifiable {@code List<Object>}, string to {@link String}, integer to {@link Long}, {@code true} and
 * {@code false} to {@link Boolean}, {@code null} to {@code null}.
 */
final class QmpJson {

    /** QMP replies are a few levels deep; a limit keeps a hostile reply from overflowing the stack. */
    private static final int MAX_DEPTH = 32;

    /** Malformed JSON, or JSON without the shape the caller expected. */
    static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message);
        }
    }

    private final String text;
    private int pos;
    private int depth;

    private QmpJson(String text) {
        this.text = text;
    }

    /** The one JSON value that makes up {@code text}, surrounding whitespace aside. */
    static Object parse(String text) {
        if (text == null) {
            throw new Malformed("invalid JSON: no text (null)");
        }
        QmpJson p = new QmpJson(text);
        Object value = p.value();
        p.skipWhitespace();
        if (p.pos < text.length()) {
            throw p.error("expected end of input after the value");
        }
        return value;
    }

    /** {@code value} as an object; {@code what} names it in the error. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object value, String what) {
        if (value instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new Malformed(what + " is " + describe(value) + ", expected an object");
    }

    /** {@code value} as an array; {@code what} names it in the error. */
    @SuppressWarnings("unchecked")
    static List<Object> list(Object value, String what) {
        if (value instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new Malformed(what + " is " + describe(value) + ", expected an array");
    }

    static String stringMember(Map<String, Object> object, String key) {
        if (object.get(key) instanceof String s) {
            return s;
        }
        throw new Malformed(memberText(object, key) + ", expected a string");
    }

    static long longMember(Map<String, Object> object, String key) {
        if (object.get(key) instanceof Long l) {
            return l;
        }
        throw new Malformed(memberText(object, key) + ", expected an integer");
    }

    static int intMember(Map<String, Object> object, String key) {
        long l = longMember(object, key);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw new Malformed("member '" + key + "' is " + l + ", expected an integer in the range of an int");
        }
        return (int) l;
    }

    private static String memberText(Map<String, Object> object, String key) {
        return object.containsKey(key) ? "member '" + key + "' is " + describe(object.get(key))
                : "member '" + key + "' is missing (members: " + object.keySet() + ")";
    }

    private static String describe(Object v) {
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "an array";
        }
        return v instanceof String s ? "the string \"" + s + "\"" : String.valueOf(v);
    }

    private Object value() {
        skipWhitespace();
        int c = peek();
        if (c == '{' || c == '[') {
            if (++depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH + " levels");
            }
            Object v = c == '{' ? object() : array();
            depth--;
            return v;
        }
        if (c == '"') {
            return string();
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return integer();
        }
        for (Object literal : new Object[] {Boolean.TRUE, Boolean.FALSE, null}) {
            String word = String.valueOf(literal);
            if (text.startsWith(word, pos)) {
                pos += word.length();
                return literal;
            }
        }
        throw error("expected a value");
    }

    private Map<String, Object> object() {
        Map<String, Object> members = new LinkedHashMap<>();
        pos++;
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return Collections.unmodifiableMap(members);
        }
        do {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a string as object key");
            }
            int keyAt = pos;
            String key = string();
            if (members.containsKey(key)) {
                // Which of the two values counts would be a guess.
                pos = keyAt;
                throw error("duplicate object key \"" + key + "\"");
            }
            expect(':', "expected ':' after an object key");
            members.put(key, value());
            skipWhitespace();
        } while (next(',', '}', "an object"));
        return Collections.unmodifiableMap(members);
    }

    private List<Object> array() {
        List<Object> items = new ArrayList<>();
        pos++;
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return Collections.unmodifiableList(items);
        }
        do {
            items.add(value());
            skipWhitespace();
        } while (next(',', ']', "an array"));
        return Collections.unmodifiableList(items);
    }

    /** Consumes {@code more} (true) or {@code end} (false); anything else is an error. */
    private boolean next(char more, char end, String in) {
        int c = peek();
        if (c != more && c != end) {
            throw error("expected '" + more + "' or '" + end + "' in " + in);
        }
        pos++;
        return c == more;
    }

    private String string() {
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = peek();
            if (c < 0) {
                throw error("unterminated string");
            }
            if (c < 0x20) {
                throw error("control character in a string must be escaped");
            }
            pos++;
            if (c == '"') {
                return sb.toString();
            }
            sb.append(c == '\\' ? escaped() : (char) c);
        }
    }

    /** The character an escape sequence stands for; {@code pos} is just after the backslash. */
    private char escaped() {
        int e = peek();
        pos++;
        switch (e) {
            case '"', '\\', '/':
                return (char) e;
            case 'b':
                return '\b';
            case 'f':
                return '\f';
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            case 'u':
                // Surrogate pairs need no joining: Java strings are UTF-16 too.
                if (pos + 4 <= text.length() && text.substring(pos, pos + 4).matches("[0-9a-fA-F]{4}")) {
                    pos += 4;
                    return (char) Integer.parseInt(text, pos - 4, pos, 16);
                }
                throw error("\\u needs four hex digits");
            default:
                pos--;
                throw error("invalid escape sequence");
        }
    }

    private Long integer() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        int digitsAt = pos;
        while (peek() >= '0' && peek() <= '9') {
            pos++;
        }
        if (pos == digitsAt) {
            throw error("expected a digit");
        }
        if (text.charAt(digitsAt) == '0' && pos - digitsAt > 1) {
            pos = digitsAt;
            throw error("leading zeros are not allowed");
        }
        if (peek() == '.' || peek() == 'e' || peek() == 'E') {
            throw error("a QMP reply read here has integers only");
        }
        try {
            return Long.parseLong(text, start, pos, 10);
        } catch (NumberFormatException e) {
            pos = start;
            throw error("integer beyond the range of a long");
        }
    }

    private void expect(char c, String message) {
        skipWhitespace();
        if (peek() != c) {
            throw error(message);
        }
        pos++;
    }

    /** The character at the position, or -1 at the end. */
    private int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    private void skipWhitespace() {
        while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r') {
            pos++;
        }
    }

    private Malformed error(String message) {
        String found = pos >= text.length() ? "end of input" : "'" + text.charAt(pos) + "'";
        return new Malformed("invalid JSON at position " + pos + ": " + message + ", found " + found);
    }
}
