package org.vcpuagent.client;

/**
 * Reads the agent's placement texts (planPlacement, applyPlacement, restorePlacement) into {@code --json}
 * members. The text's lines are a documented format (placement.md): a header (naming the policy in a plan),
 * {@code vcpu N -> cpu(s) LIST}, {@code emulator -> cpu(s) LIST}, {@code iothread N -> cpu(s) LIST}, then a
 * plan's {@code warning: ...}; a line of another shape is left to the member that always carries the whole text.
 */
final class PlanText {

    private static final String BY_POLICY = " by policy ";

    private PlanText() {
    }

    /**
     * Writes {@code policy}, {@code vcpus} ({@code [{"vcpu","cpulist"}]}), {@code emulator}, {@code ioThreads}
     * ({@code [{"id","cpulist"}]}), {@code warnings} and {@code plan} into the open object {@code json}.
     *
     * @param given the policy as typed, for a header that does not name it
     */
    static JsonWriter members(JsonWriter json, String text, String given) {
        String[] lines = text.split("\n");
        String header = lines[0];
        int by = header.indexOf(BY_POLICY);
        String policy = by >= 0 && header.endsWith(":") ? header.substring(by + BY_POLICY.length(), header.length() - 1)
                : given;
        pins(json.member("policy", policy), lines).name("warnings").beginArray();
        for (String line : lines) {
            if (line.startsWith("warning: ")) {
                json.value(line.substring("warning: ".length()));
            }
        }
        return json.endArray().member("plan", text);
    }

    /**
     * Writes {@code vcpus}, {@code emulator}, {@code ioThreads} and {@code text} of what restorePlacement put
     * back into the open object {@code json}.
     */
    static JsonWriter restored(JsonWriter json, String text) {
        return pins(json, text.split("\n")).member("text", text);
    }

    private static JsonWriter pins(JsonWriter json, String[] lines) {
        numbered(json.name("vcpus").beginArray(), lines, "vcpu ", "vcpu");
        String emulator = null;
        for (String line : lines) {
            if (line.startsWith("emulator -> ")) {
                emulator = cpus(line);
            }
        }
        json.endArray().member("emulator", emulator).name("ioThreads").beginArray();
        return numbered(json, lines, "iothread ", "id").endArray();
    }

    /** One {@code {key, "cpulist"}} object per line {@code prefix N -> cpu(s) LIST}. */
    private static JsonWriter numbered(JsonWriter json, String[] lines, String prefix, String key) {
        for (String line : lines) {
            if (line.startsWith(prefix) && line.contains(" -> ")) {
                String number = line.substring(prefix.length(), line.indexOf(" -> "));
                if (!number.isEmpty() && number.chars().allMatch(Character::isDigit)) {
                    json.beginObject().member(key, Long.parseLong(number)).member("cpulist", cpus(line)).endObject();
                }
            }
        }
        return json;
    }

    /** The cpulist after {@code -> cpu } or {@code -> cpus }. */
    private static String cpus(String line) {
        String after = line.substring(line.indexOf(" -> ") + " -> ".length());
        return after.startsWith("cpus ") ? after.substring("cpus ".length())
                : after.startsWith("cpu ") ? after.substring("cpu ".length()) : after;
    }
}
