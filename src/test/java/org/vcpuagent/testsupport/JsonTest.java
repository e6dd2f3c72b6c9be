package org.vcpuagent.testsupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    /** A real {@code query-cpus-fast} reply from QEMU 7.2, as libvirt hands it over. */
    static final String QUERY_CPUS_FAST = "{\"return\": [{\"thread-id\": 6871, \"props\": {\"core-id\": 0, "
            + "\"thread-id\": 0, \"socket-id\": 0}, \"qom-path\": \"/machine/unattached/device[0]\", "
            + "\"cpu-index\": 0, \"target\": \"x86_64\"}, {\"thread-id\": 6873, \"props\": {\"core-id\": 0, "
            + "\"thread-id\": 0, \"socket-id\": 1}, \"qom-path\": \"/machine/peripheral/vcpu1\", \"cpu-index\": 1, "
            + "\"target\": \"x86_64\"}], \"id\": \"libvirt-431\"}";

    private static Json.JsonException invalid(String text) {
        return assertThrows(Json.JsonException.class, () -> Json.parse(text), text);
    }

    @Test
    void readsAQmpReplyKeepingMemberOrderAndTypes() {
        Map<String, Object> top = Json.object(Json.parse(QUERY_CPUS_FAST), "reply");
        assertEquals(List.of("return", "id"), List.copyOf(top.keySet()));
        List<Object> cpus = Json.list(top.get("return"), "return");
        assertEquals(2, cpus.size());
        Map<String, Object> second = Json.object(cpus.get(1), "cpu");
        assertEquals(6873L, second.get("thread-id"));
        assertEquals(1, Json.intMember(second, "cpu-index"));
        assertEquals("/machine/peripheral/vcpu1", Json.stringMember(second, "qom-path"));
        assertEquals(Map.of("core-id", 0L, "thread-id", 0L, "socket-id", 1L), second.get("props"));
        assertEquals("libvirt-431", top.get("id"));
    }

    @Test
    void readsEveryKindOfValue() {
        String text = " [ {}, [], \"\", 0, -0, -12, 1.5, -2.5e-3, 1E2, true, false, null ]\n";
        List<Object> all = Json.list(Json.parse(text), "all");
        assertEquals(Arrays.asList(Map.of(), List.of(), "", 0L, 0L, -12L, 1.5, -0.0025, 100.0, true, false, null), all);
        assertInstanceOf(Double.class, all.get(8), "an exponent makes a double even when the value is whole");
    }

    @Test
    void integersBeyondLongBecomeBigIntegersNotRoundedDoubles() {
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        assertEquals(new BigInteger("18446744073709551615"), Json.parse("18446744073709551615"));
        assertEquals(new BigInteger("-9223372036854775809"), Json.parse("-9223372036854775809"));
        Json.JsonException e = assertThrows(Json.JsonException.class,
                () -> Json.longMember(Json.object(Json.parse("{\"n\": 18446744073709551615}"), "o"), "n"));
        assertTrue(e.getMessage().contains("expected an integer in the range of a long"), e.getMessage());
        assertEquals(-1, e.position(), "a shape error has no position");
    }

    @Test
    void decodesEveryEscape() {
        assertEquals("\" \\ / \b \f \n \r \t \u00e9 \u20ac \ud83d\ude00 A",
                Json.parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u20AC \\ud83d\\ude00 \\u0041\""));
        assertEquals("caf\u00e9 \ud83d\ude00", Json.parse("\"caf\u00e9 \ud83d\ude00\""),
                "raw non-ASCII passes through");
    }

    @Test
    void readOnlyResults() {
        Map<String, Object> o = Json.object(Json.parse("{\"a\": [1]}"), "o");
        assertThrows(UnsupportedOperationException.class, () -> o.put("b", 2));
        assertThrows(UnsupportedOperationException.class, () -> Json.list(o.get("a"), "a").add(3));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // text | position | message part
        "''                  | 0  | expected a value, found end of input",
        "'   '               | 3  | expected a value, found end of input",
        "'[1,]'              | 3  | expected a value, found ']'",
        "'{\"a\":1,}'        | 7  | expected a string as object key, found '}'",
        "'{\"a\" 1}'         | 5  | expected ':' after an object key, found '1'",
        "'{\"a\":1 \"b\":2}' | 7  | expected ',' or '}' in an object, found '\"'",
        "'[1 2]'             | 3  | expected ',' or ']' in an array, found '2'",
        "'{a:1}'             | 1  | expected a string as object key, found 'a'",
        "'[''x'']'           | 1  | expected a value, found '''",
        "'01'                | 1  | leading zeros are not allowed, found '1'",
        "'-'                 | 1  | expected a digit, found end of input",
        "'1.'                | 2  | expected a digit after the decimal point, found end of input",
        "'.5'                | 0  | expected a value, found '.'",
        "'1e'                | 2  | expected a digit in the exponent, found end of input",
        "'+1'                | 0  | expected a value, found '+'",
        "'tru'               | 0  | expected a value, found 't'",
        "'nul'               | 0  | expected a value, found 'n'",
        "'True'              | 0  | expected a value, found 'T'",
        "'1 2'               | 2  | expected end of input after the value, found '2'",
        "'{} x'              | 3  | expected end of input after the value, found 'x'",
        "'\"abc'             | 4  | unterminated string, found end of input",
        "'\"a\\'             | 3  | unterminated escape sequence, found end of input",
        "'\"\\x\"'           | 2  | invalid escape sequence '\\x', found 'x'",
        "'\"\\u12\"'         | 5  | \\u needs four hex digits, found '\"'",
        "'\"\\u12'           | 5  | \\u needs four hex digits, found end of input",
        "'\"\\u00g1\"'       | 5  | \\u needs four hex digits, found 'g'",
        "'\"\\u\uff11234\"'  | 3  | \\u needs four hex digits, found '\uff11'",
        "'[1] // comment'    | 4  | expected end of input after the value, found '/'",
        "'1e400'             | 0  | number 1e400 is beyond the range of a double",
        "'NaN'               | 0  | expected a value, found 'N'",
    })
    void refusesMalformedTextNamingThePosition(String text, int position, String message) {
        Json.JsonException e = invalid(text);
        assertEquals(position, e.position(), e.getMessage());
        assertTrue(e.getMessage().startsWith("invalid JSON at position " + position + " ("), e.getMessage());
        assertTrue(e.getMessage().endsWith(message), e.getMessage());
    }

    @Test
    void controlCharactersInStringsMustBeEscaped() {
        Json.JsonException e = invalid("\"a\tb\"");
        assertEquals(2, e.position());
        assertTrue(e.getMessage().contains("control character U+0009 in a string must be escaped, found '\\u0009'"),
                e.getMessage());
        invalid("\"line\nbreak\"");
        invalid("\"nul\u0000\"");
    }

    @Test
    void errorsGiveLineAndColumnForHumans() {
        Json.JsonException e = invalid("{\n  \"a\": 1,\n  \"b\": }\n");
        assertEquals(19, e.position());
        assertTrue(e.getMessage().startsWith("invalid JSON at position 19 (line 3, column 8): expected a value"),
                e.getMessage());
    }

    @Test
    void duplicateKeysAreRefused() {
        Json.JsonException e = invalid("{\"a\": 1, \"a\": 2}");
        assertEquals(9, e.position());
        assertTrue(e.getMessage().endsWith("duplicate object key \"a\""), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u00a0[]", "[]\u000b", "\ufeff[]"})
    void onlyJsonWhitespaceIsSkipped(String text) {
        invalid(text);
    }

    @Test
    void deepNestingIsAnErrorNotAStackOverflow() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertEquals(Json.MAX_DEPTH, depth(Json.parse(ok)));
        Json.JsonException e = invalid("[".repeat(100_000));
        assertEquals(Json.MAX_DEPTH, e.position());
        assertTrue(e.getMessage().contains("nesting deeper than " + Json.MAX_DEPTH + " levels"), e.getMessage());
    }

    private static int depth(Object v) {
        int d = 0;
        while (v instanceof List<?> l) {
            d++;
            v = l.isEmpty() ? null : l.get(0);
        }
        return d;
    }

    @Test
    void nullTextIsAnErrorNotANullPointer() {
        assertEquals(0, invalid(null).position());
    }

    @Test
    void shapeChecksNameWhatWasFound() {
        Map<String, Object> o = Json.object(Json.parse("{\"s\": \"x\", \"n\": 1.5, \"z\": null, \"big\": 3000000000}"),
                "o");
        assertEquals("x", Json.stringMember(o, "s"));
        assertNull(o.get("z"));
        assertMessage("member 'n' is the number 1.5, expected an integer in the range of a long",
                () -> Json.longMember(o, "n"));
        assertMessage("member 's' is the string \"x\", expected an integer", () -> Json.longMember(o, "s"));
        assertMessage("member 'z' is null, expected a string", () -> Json.stringMember(o, "z"));
        assertMessage("member 'missing' is missing (members: [s, n, z, big]), expected a string",
                () -> Json.stringMember(o, "missing"));
        assertMessage("member 'big' is 3000000000, expected an integer in the range of an int",
                () -> Json.intMember(o, "big"));
        assertMessage("the reply is an array, expected an object", () -> Json.object(List.of(), "the reply"));
        assertMessage("x is the boolean true, expected an array", () -> Json.list(true, "x"));
    }

    private static void assertMessage(String expectedStart, org.junit.jupiter.api.function.Executable call) {
        Json.JsonException e = assertThrows(Json.JsonException.class, call);
        assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
        assertEquals(-1, e.position());
    }
}
