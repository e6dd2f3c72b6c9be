package org.vcpuagent.agent;

import org.vcpuagent.model.CpuMap;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code host.reserved.cpus}: the CPUs each host keeps for itself, which placements never use and pins
 * onto are conflicts. Either one cpulist for every connection ({@code 0-1}), or {@code alias=cpulist} entries
 * separated by {@code ;} ({@code local=0-1; remote=0,16}); empty reserves nothing.
 */
final class ReservedCpus {

    private ReservedCpus() {
    }

    /** @throws IllegalArgumentException naming the entry that is wrong and what is allowed */
    static Map<String, CpuMap> parse(String text, List<AgentConfig.ConnectionSpec> connections) {
        Map<String, CpuMap> out = new LinkedHashMap<>();
        if (text.isBlank()) {
            return Map.of();
        }
        if (text.indexOf('=') < 0) {
            CpuMap all = cpus(text.trim(), "host.reserved.cpus");
            connections.forEach(c -> out.put(c.alias(), all));
            return Map.copyOf(out);
        }
        for (String entry : text.split(";")) {
            int eq = entry.indexOf('=');
            String alias = eq < 0 ? "" : entry.substring(0, eq).trim();
            if (connections.stream().noneMatch(c -> c.alias().equals(alias))) {
                throw new IllegalArgumentException("host.reserved.cpus entry '" + entry.trim() + "' is not allowed: "
                        + "give alias=cpulist entries separated by ';' with aliases of the connections ("
                        + String.join(", ", connections.stream().map(AgentConfig.ConnectionSpec::alias).toList())
                        + "), or one cpulist for every connection");
            }
            if (out.containsKey(alias)) {
                throw new IllegalArgumentException("host.reserved.cpus names connection '" + alias + "' twice");
            }
            out.put(alias, cpus(entry.substring(eq + 1).trim(), "host.reserved.cpus for '" + alias + "'"));
        }
        return Map.copyOf(out);
    }

    private static CpuMap cpus(String cpulist, String what) {
        try {
            return CpuMap.parse(cpulist, AgentConfig.MAX_HOST_CPUS);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " '" + cpulist + "' is not allowed: " + e.getMessage());
        }
    }
}
