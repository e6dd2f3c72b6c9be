package org.vcpuagent.prometheus;

import org.vcpuagent.domain.VcpuSnapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The per-domain families, one sample per domain the owner has taken a snapshot of, labelled {@code domain}. */
enum DomainFamily {

    CURRENT("libvirt_domain_vcpu_current",
            "Number of vCPUs the running domain has now (virsh vcpucount: current live).") {
        @Override
        void value(TextOutput o, VcpuSnapshot s) throws IOException {
            o.integer(s.count());
        }
    },
    MAXIMUM("libvirt_domain_vcpu_maximum", "Most vCPUs the running domain can have (virsh vcpucount: maximum live).") {
        @Override
        void value(TextOutput o, VcpuSnapshot s) throws IOException {
            o.integer(s.maxVcpus());
        }
    },
    UNPLUG_PENDING("libvirt_domain_vcpu_unplug_pending",
            "1 while a vCPU unplug libvirt timed out on is being followed by the agent, 0 otherwise.") {
        @Override
        void value(TextOutput o, VcpuSnapshot s) throws IOException {
            o.integer(s.unplugPending() ? 1 : 0);
        }
    },
    STATS_AGE("libvirt_domain_stats_age_seconds", "Age of the figures the agent serves for the domain, in seconds; "
            + "a large value marks a domain whose libvirt calls are late.") {
        @Override
        void value(TextOutput o, VcpuSnapshot s) throws IOException {
            o.fraction(s.ageMillis(), 1000, 3);
        }
    },
    STATS_STALE("libvirt_domain_stats_stale", "1 while the domain's figures are late or partial (its QEMU keeps "
            + "libvirt calls waiting, libvirt's bulk statistics do not answer, or its snapshot is older than 30 s), "
            + "0 otherwise; the Vcpu beans' StatsStaleReason says why.") {
        @Override
        void value(TextOutput o, VcpuSnapshot s) throws IOException {
            o.integer(s.statsLateReason() == null ? 0 : 1);
        }
    };

    final String exposedName;
    final byte[] name;
    final String help;

    DomainFamily(String exposedName, String help) {
        this.exposedName = exposedName;
        this.name = exposedName.getBytes(StandardCharsets.US_ASCII);
        this.help = help;
    }

    abstract void value(TextOutput o, VcpuSnapshot s) throws IOException;
}
