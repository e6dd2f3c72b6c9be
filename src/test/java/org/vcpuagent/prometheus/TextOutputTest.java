package org.vcpuagent.prometheus;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The text format's pieces as Prometheus's parser expects them (the whole scrape is checked by promtool in PrometheusExporterIT). */
class TextOutputTest {

    private interface Writes {
        void to(TextOutput o) throws IOException;
    }

    private static String written(Writes w) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TextOutput o = new TextOutput(out);
        w.to(o);
        o.flush();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void nanosecondsAreWrittenAsExactSeconds() throws IOException {
        assertEquals("179619.667772376", written(o -> o.fraction(179_619_667_772_376L, 1_000_000_000L, 9)));
        assertEquals("0.000000001", written(o -> o.fraction(1, 1_000_000_000L, 9)));
        assertEquals("1.5", written(o -> o.fraction(1_500_000_000L, 1_000_000_000L, 9)));
        assertEquals("2.0", written(o -> o.fraction(2_000_000_000L, 1_000_000_000L, 9)));
        assertEquals("0.0", written(o -> o.fraction(0, 1_000_000_000L, 9)));
        assertEquals("-0.25", written(o -> o.fraction(-250, 1000, 3)));
        assertEquals("9223372036.854775807", written(o -> o.fraction(Long.MAX_VALUE, 1_000_000_000L, 9)));
    }

    @Test
    void wholeNumbers() throws IOException {
        assertEquals("0 -1 42 9223372036854775807 -9223372036854775808",
                written(o -> o.integer(0).raw((byte) ' ').integer(-1).raw((byte) ' ').integer(42).raw((byte) ' ')
                        .integer(Long.MAX_VALUE).raw((byte) ' ').integer(Long.MIN_VALUE)));
    }

    @Test
    void labelValuesAndHelpAreEscapedAsTheFormatAsks() throws IOException {
        assertEquals("domain=\"a \\\"b\\\" \\\\ c\\nd é\"",
                new String(TextOutput.labelPair("domain", "a \"b\" \\ c\nd é"), StandardCharsets.UTF_8));
        assertEquals("# HELP m a \\\\ b\\nc \"q\" é 𝄞\n# TYPE m gauge\n",
                written(o -> o.family("m", "gauge", "a \\ b\nc \"q\" é 𝄞")));
    }

    @Test
    void aLongWriteCrossesTheBuffer() throws IOException {
        String big = "x".repeat(200_000);
        byte[] label = TextOutput.labelPair("domain", "y".repeat(100_000));
        String text = written(o -> {
            for (int i = 0; i < 10_000; i++) {
                o.ascii("abcdefghij").integer(i);
            }
            o.ascii(big).bytes(label);
        });
        assertEquals(10 * 10_000 + 38_890 + 200_000 + label.length, text.length());
        assertEquals("abcdefghij0abcdefghij1", text.substring(0, 22));
    }
}
