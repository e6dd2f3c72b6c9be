package org.vcpuagent.prometheus;

import org.vcpuagent.domain.VcpuSnapshot.Vcpu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The per-vCPU families, one sample per online vCPU labelled {@code vcpu} beside its domain's labels. A family
 * whose figure libvirt does not report for a vCPU ({@code wait}, {@code delay}, {@code halted} on some drivers)
 * has no sample for it, and a family without any sample is left out of the scrape.
 */
enum VcpuFamily {

    TIME("libvirt_domain_vcpu_time_seconds_total", "counter", "CPU time the vCPU has used, in seconds.") {
        @Override
        void value(TextOutput o, Vcpu v) throws IOException {
            o.fraction(v.cpuTimeNanos(), NANOS_PER_SECOND, 9);
        }
    },
    WAIT("libvirt_domain_vcpu_wait_seconds_total", "counter", "Time the vCPU spent waiting on I/O or other "
            + "resources, in seconds (libvirt's vcpu.N.wait; absent where libvirt does not report it).") {
        @Override
        boolean present(Vcpu v) {
            return v.waitNanos() != null;
        }

        @Override
        void value(TextOutput o, Vcpu v) throws IOException {
            o.fraction(v.waitNanos(), NANOS_PER_SECOND, 9);
        }
    },
    DELAY("libvirt_domain_vcpu_delay_seconds_total", "counter", "Time the vCPU was runnable but waiting for a host "
            + "CPU, in seconds (libvirt's vcpu.N.delay; absent where libvirt does not report it).") {
        @Override
        boolean present(Vcpu v) {
            return v.delayNanos() != null;
        }

        @Override
        void value(TextOutput o, Vcpu v) throws IOException {
            o.fraction(v.delayNanos(), NANOS_PER_SECOND, 9);
        }
    },
    STATE("libvirt_domain_vcpu_state", "gauge",
            "The vCPU's state, libvirt's virVcpuState: 0 offline, 1 running, 2 blocked.") {
        @Override
        void value(TextOutput o, Vcpu v) throws IOException {
            o.integer(v.stateCode());
        }
    },
    CPU("libvirt_domain_vcpu_cpu", "gauge", "The host CPU the vCPU last ran on; -1 when not known.") {
        @Override
        void value(TextOutput o, Vcpu v) throws IOException {
            o.integer(v.cpu());
        }
    },
    HALTED("libvirt_domain_vcpu_halted", "gauge", "1 when the guest has halted the vCPU, 0 otherwise (absent where "
            + "libvirt does not report it).") {
        @Override
        boolean present(Vcpu v) {
            return v.halted() != null;
        }

        @Override
        void value(TextOutput o, Vcpu v) throws IOException {
            o.integer(v.halted() ? 1 : 0);
        }
    },
    AFFINITY_CPUS("libvirt_domain_vcpu_affinity_cpus", "gauge", "How many host CPUs the vCPU may run on (its affinity).") {
        @Override
        void value(TextOutput o, Vcpu v) throws IOException {
            o.integer(v.affinityCpuCount());
        }
    };

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    final String exposedName;
    final byte[] name;
    final String type;
    final String help;

    VcpuFamily(String exposedName, String type, String help) {
        this.exposedName = exposedName;
        this.name = exposedName.getBytes(StandardCharsets.US_ASCII);
        this.type = type;
        this.help = help;
    }

    /** Whether libvirt reported this family's figure for the vCPU. */
    boolean present(Vcpu v) {
        return true;
    }

    abstract void value(TextOutput o, Vcpu v) throws IOException;
}
