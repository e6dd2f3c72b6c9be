package org.vcpuagent.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Samples of one measured thing, in milliseconds: median and range, formatted for people. */
final class Stats {

    final String label;
    private final List<Double> ms = new ArrayList<>();

    Stats(String label) {
        this.label = label;
    }

    void addNanos(long nanos) {
        ms.add(nanos / 1e6);
    }

    void addMillis(double millis) {
        ms.add(millis);
    }

    int n() {
        return ms.size();
    }

    boolean isEmpty() {
        return ms.isEmpty();
    }

    double median() {
        if (ms.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = sorted();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** The mean: for figures read in coarse steps (CPU in clock ticks), where a median would be one of the steps. */
    double mean() {
        return ms.isEmpty() ? Double.NaN : ms.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    double min() {
        return ms.isEmpty() ? Double.NaN : Collections.min(ms);
    }

    double max() {
        return ms.isEmpty() ? Double.NaN : Collections.max(ms);
    }

    private List<Double> sorted() {
        List<Double> s = new ArrayList<>(ms);
        Collections.sort(s);
        return s;
    }

    /** {@code 412 µs}, {@code 12.3 ms}, {@code 1.24 s}. */
    static String time(double ms) {
        if (Double.isNaN(ms)) {
            return "–";
        }
        if (ms < 1) {
            return String.format("%.0f µs", ms * 1000);
        }
        if (ms < 10) {
            return String.format("%.2f ms", ms);
        }
        if (ms < 1000) {
            return String.format("%.1f ms", ms);
        }
        return String.format("%.2f s", ms / 1000);
    }

    String median(boolean unit) {
        return time(median());
    }

    String range() {
        return time(min()) + " – " + time(max());
    }

    /** {@code 37×} or {@code 1.6×}: how many times {@code slower} takes what {@code faster} takes. */
    static String ratio(Stats slower, Stats faster) {
        double r = slower.median() / faster.median();
        if (Double.isNaN(r) || Double.isInfinite(r)) {
            return "–";
        }
        return r >= 10 ? String.format("%.0f×", r) : String.format("%.2f×", r);
    }
}
