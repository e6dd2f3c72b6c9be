package org.vcpuagent.testsupport;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON reader (RFC 8259) for tests that read JSON: the client's {@code --json} output and
 * QEMU's replies as the tests see them, so that the tests need no JSON library. The agent reads QMP replies
 * with its own smaller reader ({@code org.vcpuagent.libvirt.QmpJson}).
 *
 * <p>Values become: object to an unmodifiable {@code Map<String, Object>} in document order, array to an
 * unmodifiable {@code List<Object>}, string to {@link String}, integer to {@link Long} (or
 * {@link BigInteger} beyond the long range), number with a fraction or exponent to {@link Double},
 * {@code true}/{@code false} to {@link Boolean}, {@code null} to {@code null}.
 *
 * <p>Strict means that anything RFC 8259 does not allow is an error naming its position: trailing commas,
 * comments, single quotes, leading zeros, control characters in strings, text after the value. Duplicate
 * object keys are refused too, because which one wins would be a guess.
 */
public final class Json {

    /** Deep enough for any reply we read, shallow enough that hostile input cannot overflow the stack. */
    static final int MAX_DEPTH = 512;

    /** Malformed JSON, or JSON without the shape the caller expected. */
    public static final class JsonException extends IllegalArgumentException {
        private final int position;

        JsonException(String message, int position) {
            super(message);
            this.position = position;
        }

        /** The 0-based character offset of the error, or -1 for a well-formed value of the wrong shape. */
        public int position() {
            return position;
        }
    }

    private final String text;
    private int pos;
    private int depth;

    private Json(String text) {
        this.text = text;
    }

    /** Parses one JSON value that makes up the whole of {@code text}, surrounding whitespace aside. */
    public static Object parse(String text) {
        if (text == null) {
            throw new JsonException("invalid JSON: no text (null)", 0);
        }
        Json p = new Json(text);
        p.skipWhitespace();
        Object value = p.value();
        p.skipWhitespace();
        if (p.pos < text.length()) {
            throw p.error("expected end of input after the value");
        }
        return value;
    }

    // ---------------------------------------------------------------- shape checks for callers

    /** {@code value} as an object; {@code what} names it in the error. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object value, String what) {
        if (value instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw shape(what + " is " + describe(value) + ", expected an object");
    }

    /** {@code value} as an array; {@code what} names it in the error. */
    @SuppressWarnings("unchecked")
    public static List<Object> list(Object value, String what) {
        if (value instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw shape(what + " is " + describe(value) + ", expected an array");
    }

    public static String stringMember(Map<String, Object> object, String key) {
        if (object.get(key) instanceof String s) {
            return s;
        }
        throw shape(memberText(object, key) + ", expected a string");
    }

    /** An integer member; a fraction, or a value beyond the long range, is an error rather than rounded. */
    public static long longMember(Map<String, Object> object, String key) {
        if (object.get(key) instanceof Long l) {
            return l;
        }
        throw shape(memberText(object, key) + ", expected an integer in the range of a long");
    }

    public static int intMember(Map<String, Object> object, String key) {
        long l = longMember(object, key);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw shape("member '" + key + "' is " + l + ", expected an integer in the range of an int");
        }
        return (int) l;
    }

    private static String memberText(Map<String, Object> object, String key) {
        return object.containsKey(key) ? "member '" + key + "' is " + describe(object.get(key))
                : "member '" + key + "' is missing (members: " + object.keySet() + ")";
    }

    private static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "an array";
        }
        if (v instanceof String s) {
            return "the string \"" + s + "\"";
        }
        return (v instanceof Boolean ? "the boolean " : "the number ") + v;
    }

    private static JsonException shape(String message) {
        return new JsonException(message, -1);
    }

    // ---------------------------------------------------------------- parser

    private Object value() {
        if (pos >= text.length()) {
            throw error("expected a value");
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                return nested(this::object);
            case '[':
                return nested(this::array);
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("expected a value");
        }
    }

    private Object nested(java.util.function.Supplier<Object> parser) {
        if (++depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
        Object v = parser.get();
        depth--;
        return v;
    }

    private Object object() {
        Map<String, Object> members = new LinkedHashMap<>();
        pos++; // '{'
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return Collections.unmodifiableMap(members);
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a string as object key");
            }
            int keyStart = pos;
            String key = string();
            if (members.containsKey(key)) {
                throw new JsonException(at(keyStart) + "duplicate object key \"" + key + "\"", keyStart);
            }
            skipWhitespace();
            expect(':', "expected ':' after an object key");
            skipWhitespace();
            members.put(key, value());
            skipWhitespace();
            if (peek() == ',') {
                pos++;
            } else if (peek() == '}') {
                pos++;
                return Collections.unmodifiableMap(members);
            } else {
                throw error("expected ',' or '}' in an object");
            }
        }
    }

    private Object array() {
        List<Object> items = new ArrayList<>();
        pos++; // '['
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return Collections.unmodifiableList(items);
        }
        while (true) {
            skipWhitespace();
            items.add(value());
            skipWhitespace();
            if (peek() == ',') {
                pos++;
            } else if (peek() == ']') {
                pos++;
                return Collections.unmodifiableList(items);
            } else {
                throw error("expected ',' or ']' in an array");
            }
        }
    }

    private String string() {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) {
                throw error("control character U+" + String.format("%04X", (int) c)
                        + " in a string must be escaped");
            }
            if (c != '\\') {
                sb.append(c);
                pos++;
                continue;
            }
            pos++;
            if (pos >= text.length()) {
                throw error("unterminated escape sequence");
            }
            char e = text.charAt(pos);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    sb.append(hex4());
                    continue; // hex4 moved past the digits
                }
                default -> throw error("invalid escape sequence '\\" + e + "'");
            }
            pos++;
        }
    }

    /** The four hex digits after {@code \\u}; surrogate pairs need no joining, as Java strings are UTF-16. */
    private char hex4() {
        int start = pos + 1;
        int v = 0;
        for (int i = start; i < start + 4; i++) {
            int d = i < text.length() ? hexValue(text.charAt(i)) : -1;
            if (d < 0) {
                pos = i;
                throw error("\\u needs four hex digits");
            }
            v = v * 16 + d;
        }
        pos = start + 4;
        return (char) v;
    }

    /** ASCII hex only: {@link Character#digit} would also take e.g. full-width digits. */
    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    private Object number() {
        int start = pos;
        boolean integer = true;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) {
                throw error("leading zeros are not allowed");
            }
        } else if (isDigit(peek())) {
            digits();
        } else {
            throw error("expected a digit");
        }
        if (peek() == '.') {
            integer = false;
            pos++;
            if (!isDigit(peek())) {
                throw error("expected a digit after the decimal point");
            }
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            integer = false;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("expected a digit in the exponent");
            }
            digits();
        }
        String literal = text.substring(start, pos);
        if (integer) {
            BigInteger big = new BigInteger(literal);
            return big.bitLength() < 64 ? (Object) big.longValue() : big;
        }
        double d = Double.parseDouble(literal);
        if (Double.isInfinite(d)) {
            throw new JsonException(at(start) + "number " + literal + " is beyond the range of a double", start);
        }
        return d;
    }

    private void digits() {
        while (isDigit(peek())) {
            pos++;
        }
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("expected a value");
        }
        pos += word.length();
        return value;
    }

    private void expect(char c, String message) {
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
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private JsonException error(String message) {
        String found = pos >= text.length() ? "end of input" : "'" + printable(text.charAt(pos)) + "'";
        return new JsonException(at(pos) + message + ", found " + found, pos);
    }

    /** "invalid JSON at position P (line L, column C): ", counting from 0 for positions, 1 for humans. */
    private String at(int position) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < position && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return "invalid JSON at position " + position + " (line " + line + ", column " + (position - lineStart + 1)
                + "): ";
    }

    private static String printable(char c) {
        return c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }
}
