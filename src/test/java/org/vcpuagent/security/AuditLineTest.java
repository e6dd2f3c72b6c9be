package org.vcpuagent.security;

import org.junit.jupiter.api.Test;
import org.vcpuagent.jmx.AuditLine;
import org.vcpuagent.common.ObjectNames;

import javax.management.ObjectName;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The audit line format: stable keys, bare or quoted values, and a parser that reads it back exactly. */
class AuditLineTest {

    /** AuditLine's formatting is package-private to the jmx package; the tests reach it as a tool would not. */
    private static String format(Instant t, String principal, String remote, ObjectName mbean, String action,
                                 String request, String outcome) throws Exception {
        Method m = AuditLine.class.getDeclaredMethod("format", Instant.class, String.class, String.class,
                ObjectName.class, String.class, String.class, String.class);
        m.setAccessible(true);
        return (String) m.invoke(null, t, principal, remote, mbean, action, request, outcome);
    }

    private static String call(String op, Object... args) throws Exception {
        Method m = AuditLine.class.getDeclaredMethod("call", String.class, Object[].class);
        m.setAccessible(true);
        return (String) m.invoke(null, op, args);
    }

    @Test
    void aLineIsKeyValuePairsInAFixedOrderWithBareAndQuotedValues() throws Exception {
        String line = format(Instant.parse("2026-11-26T03:55:08Z"), "admin", "127.0.0.1",
                new ObjectName("libvirt.vcpu:type=Domain,name=test"), "invoke", "setVcpus(1)",
                "ok: domain 'test' has 1 vCPU");
        assertEquals("time=2026-11-26T03:55:08.000Z principal=admin remote=127.0.0.1 connection=- domain=test "
                + "mbean=\"libvirt.vcpu:name=test,type=Domain\" action=invoke request=\"setVcpus(1)\" "
                + "outcome=\"ok: domain 'test' has 1 vCPU\"", line);
        assertEquals(AuditLine.KEYS, java.util.List.copyOf(AuditLines.parse(line).keySet()));
    }

    @Test
    void hostileValuesRoundTripAndStayOnOneLine() throws Exception {
        String nasty = "a \"b\" c\\d\ne\rf\tg\u0001h=i outcome=ok \u00e9\u2028";
        String line = format(Instant.EPOCH, "us er", "::1", new ObjectName("libvirt.vcpu", "name",
                ObjectName.quote(nasty)), "set", nasty, "failed: " + nasty);
        assertTrue(line.chars().noneMatch(c -> c == '\n' || c == '\r' || c == 0x2028), line);
        Map<String, String> parsed = AuditLines.parse(line);
        assertEquals("us er", parsed.get("principal"));
        assertEquals("::1", parsed.get("remote"));
        assertEquals(nasty, parsed.get("domain"));
        assertEquals(nasty, parsed.get("request"));
        assertEquals("failed: " + nasty, parsed.get("outcome"));
        assertEquals(9, parsed.size());
    }

    @Test
    void emptyAndMissingValuesAreADashAndOtherBeansHaveNoDomain() throws Exception {
        Map<String, String> parsed = AuditLines.parse(format(Instant.EPOCH, "", null,
                new ObjectName("java.lang:type=GarbageCollector,name=G1 Young Generation"), "set", "", null));
        assertEquals("-", parsed.get("principal"));
        assertEquals("-", parsed.get("remote"));
        assertEquals("-", parsed.get("domain"), "a name key outside libvirt.vcpu is not a domain");
        assertEquals("-", parsed.get("connection"));
        assertEquals("-", parsed.get("request"));
        assertEquals("-", parsed.get("outcome"));
    }

    @Test
    void withSeveralLibvirtConnectionsTheLineNamesTheConnection() throws Exception {
        Map<String, String> parsed = AuditLines.parse(format(Instant.EPOCH, "admin", "10.0.0.9",
                ObjectNames.domain("remote-2", "vm 1"), "invoke", "setVcpus(4)", "ok"));
        assertEquals("remote-2", parsed.get("connection"));
        assertEquals("vm 1", parsed.get("domain"));
        assertEquals("libvirt.vcpu:connection=remote-2,name=\"vm 1\",type=Domain", parsed.get("mbean"));
    }

    @Test
    void requestsShowStringsQuotedBytesInHexAndCutLongValues() throws Exception {
        assertEquals("pinVcpu(0, '0-3,8')", call("pinVcpu", 0, "0-3,8"));
        assertEquals("pinVcpu(0, 'it\\'s \\\\')", call("pinVcpu", 0, "it's \\"));
        assertEquals("pinVcpuMap(1, 0x0cff00)", call("pinVcpuMap", 1, new byte[] {0x0c, (byte) 0xff, 0}));
        assertEquals("setVcpus(2, true)", call("setVcpus", 2, true));
        assertEquals("refresh()", call("refresh", (Object[]) null));
        assertEquals("f(null, [1, 2], ['a'])", call("f", null, new int[] {1, 2}, new String[] {"a"}));
        String big = call("pinVcpuMap", 0, new byte[4096]);
        assertTrue(big.endsWith("...(4096 bytes))") && big.length() < 300, big);
        String longText = call("pinEmulator", "x".repeat(5000));
        assertTrue(longText.contains("...(+") && longText.length() < 300, longText);
    }

    @Test
    void theParserRejectsWhatIsNotALine() {
        assertThrows(IllegalArgumentException.class, () -> AuditLines.parse("no pairs here"));
        assertThrows(IllegalArgumentException.class, () -> AuditLines.parse("a=\"unterminated"));
        assertThrows(IllegalArgumentException.class, () -> AuditLines.parse("a=\"x\"b=1"));
    }
}
