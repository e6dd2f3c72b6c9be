package org.vcpuagent.jmx;

import org.vcpuagent.common.ObjectNames;

import javax.management.ObjectName;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;

/**
 * One line of the audit log: {@code key=value} pairs separated by one space, always the same keys
 * in the same order:
 *
 * <pre>
 * time=2026-11-26T03:55:08.240Z principal=admin remote=127.0.0.1 connection=- domain=test
 *   mbean="libvirt.vcpu:name=test,type=Domain" action=invoke request="setVcpus(1)" outcome="ok: domain 'test' has 1 vCPU"
 * </pre>
 *
 * <p>A value is written bare when it is made only of letters, digits and {@code . _ : @ / + -};
 * otherwise it is in double quotes, with {@code \\}, {@code \"}, {@code \n}, {@code \r}, {@code \t}
 * and {@code \}{@code uXXXX} (other control characters) escaped.
 *
 * <ul>
 * <li>{@code time}: when the call finished, UTC, milliseconds;</li>
 * <li>{@code principal}: the authenticated JMX user(s), comma-separated, or {@code anonymous};</li>
 * <li>{@code remote}: the client's address as RMI saw it, or {@code local};</li>
 * <li>{@code connection}: the libvirt connection's alias ({@code connection} key of the ObjectName) when
 *     the agent has several connections, else {@code -};</li>
 * <li>{@code domain}: the libvirt domain, the unquoted {@code name} key of a {@code libvirt.vcpu} ObjectName,
 *     or {@code -} (the Host bean, other beans);</li>
 * <li>{@code mbean}: the whole ObjectName, canonical (keys sorted);</li>
 * <li>{@code action}: {@code invoke}, {@code set} (an attribute write), {@code create} or {@code unregister};</li>
 * <li>{@code request}: {@code operation(arg, ...)} or {@code Attribute=value}; strings in single
 *     quotes (with {@code \'} and {@code \\} escaped), {@code byte[]} as {@code 0x} and hex, long
 *     values cut with {@code ...(+N chars)};</li>
 * <li>{@code outcome}: {@code ok}, {@code ok: <return value>}, {@code refused: <message>} (a
 *     SecurityException, e.g. a read-only user) or {@code failed: <message>} (any other exception).</li>
 * </ul>
 */
public final class AuditLine {

    /** The keys of every line, in order. */
    public static final List<String> KEYS = List.of("time", "principal", "remote", "connection", "domain", "mbean",
            "action", "request", "outcome");

    static final int MAX_VALUE = 256;
    static final int MAX_FIELD = 1024;

    private static final HexFormat HEX = HexFormat.of();

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private AuditLine() {
    }

    static String format(Instant time, String principal, String remote, ObjectName mbean, String action,
                         String request, String outcome) {
        StringBuilder b = new StringBuilder(160);
        append(b, "time", TIME.format(time));
        append(b, "principal", principal);
        append(b, "remote", remote);
        append(b, "connection", keyOf(mbean, "connection"));
        append(b, "domain", keyOf(mbean, "name"));
        append(b, "mbean", mbean == null ? "-" : mbean.getCanonicalName());
        append(b, "action", action);
        append(b, "request", cut(request, MAX_FIELD));
        append(b, "outcome", cut(outcome, MAX_FIELD));
        return b.toString();
    }

    /**
     * A key of a {@code libvirt.vcpu} ObjectName, unquoted: {@code name} is the libvirt domain,
     * {@code connection} the alias of its libvirt connection when the agent has several. {@code -}
     * when the key is absent or the bean is not the agent's.
     */
    static String keyOf(ObjectName mbean, String key) {
        String value = mbean == null || !ObjectNames.DOMAIN.equals(mbean.getDomain()) ? null : mbean.getKeyProperty(key);
        if (value == null) {
            return "-";
        }
        if (value.startsWith("\"")) {
            try {
                return ObjectName.unquote(value);
            } catch (IllegalArgumentException e) {
                return value;
            }
        }
        return value;
    }

    private static void append(StringBuilder b, String key, String value) {
        if (b.length() > 0) {
            b.append(' ');
        }
        b.append(key).append('=');
        quote(b, value == null || value.isEmpty() ? "-" : value);
    }

    private static boolean bare(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c < 128 && (Character.isLetterOrDigit(c) || "._:@/+-".indexOf(c) >= 0);
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static void quote(StringBuilder b, String s) {
        if (bare(s)) {
            b.append(s);
            return;
        }
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
                        b.append("\\u").append(HEX.toHexDigits(c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    // --- rendering of requests and results ---

    /** {@code name(arg, ...)}. */
    public static String call(String operation, Object[] args) {
        StringBuilder b = new StringBuilder(operation).append('(');
        if (args != null) {
            for (int i = 0; i < args.length; i++) {
                if (i > 0) {
                    b.append(", ");
                }
                b.append(value(args[i]));
            }
        }
        return b.append(')').toString();
    }

    /** An argument or attribute value: strings quoted, byte[] as hex, arrays element by element. */
    public static String value(Object o) {
        return cut(render(o), MAX_VALUE);
    }

    private static String render(Object o) {
        if (o == null) {
            return "null";
        }
        if (o instanceof String s) {
            return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
        }
        if (o instanceof byte[] bytes) {
            int shown = Math.min(bytes.length, 100);
            StringBuilder b = new StringBuilder(2 + 2 * shown + 16).append("0x");
            HEX.formatHex(b, bytes, 0, shown);
            if (shown < bytes.length) {
                b.append("...(").append(bytes.length).append(" bytes)");
            }
            return b.toString();
        }
        if (o instanceof Object[] array) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < array.length && b.length() < MAX_VALUE; i++) {
                b.append(i > 0 ? ", " : "").append(render(array[i]));
            }
            return b.append(']').toString();
        }
        if (o.getClass().isArray()) {
            int length = java.lang.reflect.Array.getLength(o);
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < length && b.length() < MAX_VALUE; i++) {
                b.append(i > 0 ? ", " : "").append(java.lang.reflect.Array.get(o, i));
            }
            return b.append(']').toString();
        }
        return String.valueOf(o);
    }

    /** A return value: strings as they are, everything else as {@link #value}. */
    public static String result(Object o) {
        return o instanceof String s ? cut(s, MAX_VALUE) : value(o);
    }

    static String cut(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        return s.substring(0, max) + "...(+" + (s.length() - max) + " chars)";
    }
}
