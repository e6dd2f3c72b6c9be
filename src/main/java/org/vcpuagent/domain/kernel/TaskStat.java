package org.vcpuagent.domain.kernel;

/**
 * The parts of {@code /proc/<pid>/task/<tid>/stat} (proc(5)) a vCPU read needs.
 *
 * @param state      the scheduler state letter: R running, S sleeping, D disk sleep, T stopped, Z zombie, ...
 * @param startTime  when the thread started, in clock ticks after boot: a reused thread id has another
 * @param processor  the CPU it last ran on
 * @param numThreads threads in its process
 */
public record TaskStat(char state, long startTime, int processor, int numThreads) {

    private static final int STATE = 0;
    private static final int NUM_THREADS = 17;
    private static final int START_TIME = 19;
    private static final int PROCESSOR = 36;

    /**
     * @throws IllegalArgumentException when the text is not a stat line with a processor field
     */
    public static TaskStat parse(String text) {
        // The command name may hold spaces and parentheses: the fields start after the last ')'.
        int close = text.lastIndexOf(')');
        if (close < 0 || close + 2 >= text.length()) {
            throw new IllegalArgumentException("not a /proc stat line (no ') ' after the command): " + text);
        }
        char state = 0;
        long startTime = -1;
        long processor = -1;
        long numThreads = -1;
        int field = 0;
        int i = close + 2;
        int n = text.length();
        while (i < n && field <= PROCESSOR) {
            int end = i;
            while (end < n && text.charAt(end) != ' ' && text.charAt(end) != '\n') {
                end++;
            }
            switch (field) {
                case STATE -> state = text.charAt(i);
                case NUM_THREADS -> numThreads = number(text, i, end);
                case START_TIME -> startTime = number(text, i, end);
                case PROCESSOR -> processor = number(text, i, end);
                default -> { }
            }
            field++;
            i = end + 1;
        }
        if (field <= PROCESSOR) {
            throw new IllegalArgumentException("a /proc stat line with " + field + " fields after the command; "
                    + (PROCESSOR + 1) + " are needed (processor is field 39): " + text);
        }
        return new TaskStat(state, startTime, (int) processor, (int) numThreads);
    }

    static long number(String text, int from, int to) {
        if (from >= to) {
            throw new IllegalArgumentException("an empty field in " + text);
        }
        long v = 0;
        boolean negative = text.charAt(from) == '-';
        for (int i = negative ? from + 1 : from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("'" + text.substring(from, to) + "' is not a number in " + text);
            }
            v = v * 10 + (c - '0');
        }
        return negative ? -v : v;
    }
}
