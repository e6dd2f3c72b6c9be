package org.vcpuagent.domain.kernel;

/**
 * The parts of {@code /proc/<pid>/task/<tid>/status} the thread map checks.
 *
 * @param tgid             the process the thread belongs to
 * @param realUid          the real user id of the process
 * @param cpusAllowedList  the affinity as cpulist text ({@code Cpus_allowed_list})
 */
public record TaskStatus(int tgid, int realUid, String cpusAllowedList) {

    /** @throws IllegalArgumentException when Tgid, Uid or Cpus_allowed_list is missing */
    public static TaskStatus parse(String text) {
        String tgid = field(text, "Tgid:");
        String uid = field(text, "Uid:");
        String allowed = field(text, "Cpus_allowed_list:");
        String realUid = uid.split("\\s+")[0];
        return new TaskStatus((int) TaskStat.number(tgid, 0, tgid.length()),
                (int) TaskStat.number(realUid, 0, realUid.length()), allowed);
    }

    private static String field(String text, String key) {
        int at = text.startsWith(key) ? 0 : text.indexOf("\n" + key);
        if (at < 0) {
            throw new IllegalArgumentException("no " + key + " line in a /proc status file");
        }
        int from = text.indexOf(key, at) + key.length();
        int to = text.indexOf('\n', from);
        return text.substring(from, to < 0 ? text.length() : to).trim();
    }
}
