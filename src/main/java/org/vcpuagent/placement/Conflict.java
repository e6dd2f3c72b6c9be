package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

import java.util.List;

/**
 * One placement problem: its kind, the domains and threads involved, and the host CPUs concerned. Equal
 * rows are the same conflict, so a look that finds it again announces nothing new.
 */
public record Conflict(Kind kind, List<String> domains, List<String> threads, CpuMap cpus) {

    public enum Kind {
        /** two domains' threads pinned each to that CPU alone */
        EXCLUSIVE_OVERLAP("exclusive-overlap", "exclusive pins of several domains on one CPU"),
        /** an exclusive pin on a CPU that another domain's explicitly pinned threads may also use */
        EXCLUSIVE_SHARED("exclusive-shared", "an exclusive pin on a CPU another domain's pinned threads may use"),
        /** an exclusive pin whose SMT sibling another domain's pinned threads may use */
        SMT_SIBLING("smt-sibling", "an exclusive pin whose SMT sibling another domain's pinned threads may use"),
        /** vCPUs pinned outside the NUMA nodes the domain's memory is bound to */
        NUMA("numa", "vCPUs pinned outside the NUMA nodes the domain's memory is bound to"),
        RESERVED("reserved", "a pin onto CPUs the host keeps for itself (host.reserved.cpus)"),
        OFFLINE("offline", "a pin onto CPUs that are offline or beyond libvirt's CPU maps");

        private final String word;
        private final String meaning;

        Kind(String word, String meaning) {
            this.word = word;
            this.meaning = meaning;
        }

        public String word() {
            return word;
        }

        public String meaning() {
            return meaning;
        }
    }

    public Conflict {
        domains = List.copyOf(domains);
        threads = List.copyOf(threads);
    }

    /** One line for a notification or a log: kind, threads, CPUs. */
    public String describe() {
        return kind.word() + ": " + String.join(", ", threads) + " on CPU(s) " + cpus.toCpuList() + " ("
                + kind.meaning() + ")";
    }
}
