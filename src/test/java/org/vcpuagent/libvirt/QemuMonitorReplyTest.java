package org.vcpuagent.libvirt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vcpuagent.model.QemuVcpu;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How QMP replies are read, without a guest: the replies are QEMU 7.2's own. */
class QemuMonitorReplyTest {

    @Test
    void theReturnMemberIsTheAnswer() {
        Object r = QemuMonitor.returnValue("{\"return\": [{\"cpu-index\": 0}], \"id\": \"libvirt-12\"}", "q");
        assertEquals(List.of(Map.of("cpu-index", 0L)), r);
        assertEquals(Map.of(), QemuMonitor.returnValue("{\"return\": {}}", "cont"));
    }

    @Test
    void anErrorReplyBecomesAnExceptionWithQemusWords() {
        QemuMonitorException e = assertThrows(QemuMonitorException.class, () -> QemuMonitor.returnValue(
                "{\"id\":\"libvirt-430\",\"error\":{\"class\":\"CommandNotFound\","
                        + "\"desc\":\"The command no-such-command has not been found\"}}", "no-such-command"));
        assertEquals("QEMU refused no-such-command: CommandNotFound: The command no-such-command has not been found",
                e.getMessage());
    }

    @Test
    void repliesOfAnotherShapeAreRefusedNotGuessed() {
        QemuMonitorException e = assertThrows(QemuMonitorException.class,
                () -> QemuMonitor.returnValue("{\"id\": \"libvirt-1\"}", "q"));
        assertTrue(e.getMessage().contains("has no 'return'"), e.getMessage());
        e = assertThrows(QemuMonitorException.class, () -> QemuMonitor.returnValue("{\"return\": [1,]}", "q"));
        assertTrue(e.getMessage().startsWith("QEMU's reply to q is not valid JSON: invalid JSON at position 14"),
                e.getMessage());
        e = assertThrows(QemuMonitorException.class, () -> QemuMonitor.returnValue("[]", "q"));
        assertTrue(e.getMessage().contains("the reply is an array, expected an object"), e.getMessage());
    }

    /** A real {@code query-cpus-fast} reply from QEMU 7.2, as libvirt hands it over, with its vCPUs swapped. */
    private static final String QUERY_CPUS_FAST = "{\"return\": [{\"thread-id\": 6873, \"props\": {\"core-id\": 0, "
            + "\"thread-id\": 0, \"socket-id\": 1}, \"qom-path\": \"/machine/peripheral/vcpu1\", \"cpu-index\": 1, "
            + "\"target\": \"x86_64\"}, {\"thread-id\": 6871, \"props\": {\"core-id\": 0, \"thread-id\": 0, "
            + "\"socket-id\": 0}, \"qom-path\": \"/machine/unattached/device[0]\", \"cpu-index\": 0, "
            + "\"target\": \"x86_64\"}], \"id\": \"libvirt-431\"}";

    @Test
    void queryCpusFastBecomesVcpusInCpuIndexOrder() {
        assertEquals(List.of(new QemuVcpu(0, 6871, "/machine/unattached/device[0]"),
                new QemuVcpu(1, 6873, "/machine/peripheral/vcpu1")), QemuMonitor.cpusOf(QUERY_CPUS_FAST, "g"));
        assertEquals(List.of(), QemuMonitor.cpusOf("{\"return\": []}", "g"));
    }

    @Test
    void aVcpuEntryWithoutWhatWeReadIsRefused() {
        QemuMonitorException e = assertThrows(QemuMonitorException.class, () -> QemuMonitor.cpusOf(
                "{\"return\": [{\"cpu-index\": 0, \"qom-path\": \"/x\"}]}", "guest"));
        assertTrue(e.getMessage().startsWith("unexpected query-cpus-fast reply from guest: member 'thread-id' is "
                + "missing (members: [cpu-index, qom-path])"), e.getMessage());
        e = assertThrows(QemuMonitorException.class, () -> QemuMonitor.cpusOf(
                "{\"return\": [{\"cpu-index\": \"0\", \"thread-id\": 1, \"qom-path\": \"/x\"}]}", "guest"));
        assertTrue(e.getMessage().contains("member 'cpu-index' is the string \"0\", expected an integer"), e.getMessage());
        e = assertThrows(QemuMonitorException.class, () -> QemuMonitor.cpusOf("{\"return\": {}}", "guest"));
        assertTrue(e.getMessage().contains("return is an object, expected an array"), e.getMessage());
        e = assertThrows(QemuMonitorException.class, () -> QemuMonitor.cpusOf(
                "{\"return\": [{\"cpu-index\": 4294967296, \"thread-id\": 1, \"qom-path\": \"/x\"}]}", "guest"));
        assertTrue(e.getMessage().contains("expected an integer in the range of an int"), e.getMessage());
    }

    @Test
    void valuesComeOutAsTheirJavaTypes() {
        assertEquals(Map.of("s", "a\"b\\c/\u00e9\n", "t", true, "f", false, "i", -42L, "big", Long.MAX_VALUE),
                QmpJson.parse(" {\"s\": \"a\\\"b\\\\c\\/\\u00e9\\n\", \"t\": true, \"f\": false, \"i\": -42,"
                        + " \"big\": 9223372036854775807}\n"));
        assertEquals(java.util.Collections.singletonList(null), QmpJson.parse("[null]"));
        assertEquals(List.of("x", "y"), List.copyOf(QmpJson.object(QmpJson.parse("{\"x\":1,\"y\":2}"), "o").keySet()),
                "document order");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"a\": 1,}                | invalid JSON at position 8: expected a string as object key, found '}'",
        "[1 2]                      | invalid JSON at position 3: expected ',' or ']' in an array, found '2'",
        "{\"a\": 1, \"a\": 2}         | invalid JSON at position 9: duplicate object key \"a\"",
        "{\"a\": 1.5}                | invalid JSON at position 7: a QMP reply read here has integers only",
        "[01]                       | invalid JSON at position 1: leading zeros are not allowed",
        "[-]                        | invalid JSON at position 2: expected a digit",
        "[99999999999999999999]     | invalid JSON at position 1: integer beyond the range of a long",
        "\"abc                       | invalid JSON at position 4: unterminated string, found end of input",
        "\"a\\qb\"                    | invalid JSON at position 3: invalid escape sequence, found 'q'",
        "\"\\u12G4\"                  | invalid JSON at position 3: \\u needs four hex digits",
        "{} x                       | invalid JSON at position 3: expected end of input after the value, found 'x'",
        "[a]                        | invalid JSON at position 1: expected a value, found 'a'",
        "tru                        | invalid JSON at position 0: expected a value",
        "''                         | invalid JSON at position 0: expected a value, found end of input",
    })
    void malformedRepliesAreErrorsThatSayWhereAndWhat(String text, String expected) {
        QmpJson.Malformed e = assertThrows(QmpJson.Malformed.class, () -> QmpJson.parse(text));
        assertTrue(e.getMessage().startsWith(expected), () -> "'" + e.getMessage() + "' should start with '" + expected + "'");
    }

    @Test
    void controlCharactersNestingAndNullAreRefused() {
        assertTrue(assertThrows(QmpJson.Malformed.class, () -> QmpJson.parse("\"a\tb\""))
                .getMessage().contains("control character in a string must be escaped"));
        assertTrue(assertThrows(QmpJson.Malformed.class, () -> QmpJson.parse("[".repeat(33) + "]".repeat(33)))
                .getMessage().contains("nesting deeper than 32 levels"));
        assertEquals(List.of(List.of()), QmpJson.parse("[".repeat(2) + "]".repeat(2)));
        assertEquals("invalid JSON: no text (null)",
                assertThrows(QmpJson.Malformed.class, () -> QmpJson.parse(null)).getMessage());
    }

    @Test
    void theLibraryLoadsOnThisHost() {
        assertTrue(QemuMonitor.isAvailable(), "libvirt-qemu.so.0 (package libvirt0) should be installed here");
    }
}
