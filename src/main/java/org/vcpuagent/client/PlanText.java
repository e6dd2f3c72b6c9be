package org.vcpuagent.client;

/**
 * Reads the agent's placement plan text (planPlacement, applyPlacement) into {@code --json} members. The
 * text's lines are a documented format (placement.md): a header naming the policy, {@code vcpu N -> cpu(s) LIST},
 * {@code emulator -> cpu(s) LIST}, then {@code warning: ...}; a line of another shape is left to the
 * {@code plan} member, which always carries the whole text.
 */
final class PlanText {

    private static final String BY_POLICY = " by policy ";

    private PlanText() {
    }

    /**
     * Writes {@code policy}, {@code vcpus} ({@code [{"vcpu","cpulist"}]}), {@code emulator}, {@code warnings} and
     * {@code plan} into the open object {@code json}.
     *
     * @param given the policy as typed, for a header that does not name it
     */
    static JsonWriter members(JsonWriter json, String text, String given) {
        String[] lines = text.split("\n");
        String header = lines[0];
        int by = header.indexOf(BY_POLICY);
        String policy = by >= 0 && header.endsWith(":") ? header.substring(by + BY_POLICY.length(), header.length() - 1)
                : given;
        json.member("policy", policy).name("vcpus").beginArray();
        String emulator = null;
        for (String line : lines) {
            if (line.startsWith("vcpu ") && line.contains(" -> ")) {
                String number = line.substring("vcpu ".length(), line.indexOf(" -> "));
                if (number.chars().allMatch(Character::isDigit) && !number.isEmpty()) {
                    json.beginObject().member("vcpu", Long.parseLong(number)).member("cpulist", cpus(line))
                            .endObject();
                }
            } else if (line.startsWith("emulator -> ")) {
                emulator = cpus(line);
            }
        }
        json.endArray().member("emulator", emulator).name("warnings").beginArray();
        for (String line : lines) {
            if (line.startsWith("warning: ")) {
                json.value(line.substring("warning: ".length()));
            }
        }
        return json.endArray().member("plan", text);
    }

    /** The cpulist after {@code -> cpu } or {@code -> cpus }. */
    private static String cpus(String line) {
        String after = line.substring(line.indexOf(" -> ") + " -> ".length());
        return after.startsWith("cpus ") ? after.substring("cpus ".length())
                : after.startsWith("cpu ") ? after.substring("cpu ".length()) : after;
    }
}
