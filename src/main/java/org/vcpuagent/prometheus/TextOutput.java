package org.vcpuagent.prometheus;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Prometheus's text format (0.0.4) written as bytes into one buffer that goes to the response when full: a
 * scrape of 1000 domains is tens of thousands of lines, and writing them through a {@code Writer}, a model object
 * per sample and its sorted labels cost more than the rest of the agent's work (src/site/markdown/monitoring.md).
 * Label values and help texts are escaped as the format asks; counters in seconds are written from their
 * nanoseconds exactly, without a double in between. Made and used by one scrape's thread.
 */
final class TextOutput {

    private static final byte[] DIGITS = "0123456789".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final byte[] buf = new byte[1 << 16];
    private int n;

    TextOutput(OutputStream out) {
        this.out = out;
    }

    /** The {@code # HELP} and {@code # TYPE} lines of a family. */
    void family(String name, String type, String help) throws IOException {
        ascii("# HELP ").ascii(name).raw((byte) ' ');
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            if (c == '\\') {
                ascii("\\\\");
            } else if (c == '\n') {
                ascii("\\n");
            } else {
                character(c, help, i);
                if (Character.isHighSurrogate(c)) {
                    i++;
                }
            }
        }
        ascii("\n# TYPE ").ascii(name).raw((byte) ' ').ascii(type).raw((byte) '\n');
    }

    /** Text known to be ASCII: metric names, label names, the format's own punctuation. */
    TextOutput ascii(String s) throws IOException {
        int len = s.length();
        if (len > buf.length - n) {
            flush();
        }
        if (len > buf.length) {
            out.write(s.getBytes(StandardCharsets.US_ASCII));
            return this;
        }
        for (int i = 0; i < len; i++) {
            buf[n++] = (byte) s.charAt(i);
        }
        return this;
    }

    /** Bytes made before, such as a domain's escaped label pairs. */
    TextOutput bytes(byte[] b) throws IOException {
        if (b.length > buf.length - n) {
            flush();
            if (b.length > buf.length) {
                out.write(b);
                return this;
            }
        }
        System.arraycopy(b, 0, buf, n, b.length);
        n += b.length;
        return this;
    }

    TextOutput raw(byte b) throws IOException {
        if (n == buf.length) {
            flush();
        }
        buf[n++] = b;
        return this;
    }

    /** A whole number, as the value of a gauge whose values are whole: {@code 1}, {@code -1}. */
    TextOutput integer(long v) throws IOException {
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                return ascii(Long.toString(v));
            }
            raw((byte) '-');
            v = -v;
        }
        if (buf.length - n < 20) {
            flush();
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) {
            digits++;
        }
        int end = n + digits;
        for (int i = end - 1; i >= n; i--) {
            buf[i] = DIGITS[(int) (v % 10)];
            v /= 10;
        }
        n = end;
        return this;
    }

    /**
     * {@code units / per} as a decimal with as many fraction digits as {@code per} has zeros, trailing zeros
     * dropped: nanoseconds as seconds ({@code per} 1e9) or milliseconds as seconds (1e3), exactly.
     */
    TextOutput fraction(long units, long per, int fractionDigits) throws IOException {
        if (units < 0) {
            raw((byte) '-');
            units = -units;
        }
        integer(units / per);
        long rest = units % per;
        raw((byte) '.');
        if (rest == 0) {
            return raw((byte) '0');
        }
        int digits = fractionDigits;
        while (rest % 10 == 0) {
            rest /= 10;
            digits--;
        }
        if (buf.length - n < fractionDigits) {
            flush();
        }
        for (int i = n + digits - 1; i >= n; i--) {
            buf[i] = DIGITS[(int) (rest % 10)];
            rest /= 10;
        }
        n += digits;
        return this;
    }

    /** {@code name="value"}, the value escaped as the format asks, as UTF-8 bytes to keep and reuse. */
    static byte[] labelPair(String name, String value) {
        StringBuilder b = new StringBuilder(name.length() + value.length() + 4).append(name).append("=\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
        return b.append('"').toString().getBytes(StandardCharsets.UTF_8);
    }

    private void character(char c, String s, int i) throws IOException {
        if (c < 0x80) {
            raw((byte) c);
        } else {
            int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
            bytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Sends what is buffered. */
    void flush() throws IOException {
        out.write(buf, 0, n);
        n = 0;
    }
}
