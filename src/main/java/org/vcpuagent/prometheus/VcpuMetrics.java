package org.vcpuagent.prometheus;

import org.vcpuagent.domain.DomainVcpus;
import org.vcpuagent.domain.VcpuSnapshot;
import org.vcpuagent.model.CpuMap;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The per-vCPU and per-domain samples ({@code libvirt_domain_*}) and {@code libvirt_up}, written straight from
 * the snapshots each connection's owner thread publishes: a scrape asks libvirt nothing, reads no MBean and
 * matches no rule, so what it costs grows with the number of samples only, and a domain whose libvirt calls hang
 * cannot hold it (its snapshot only ages, which {@code libvirt_domain_stats_age_seconds} shows). Each domain's
 * snapshot is taken once per scrape, so all its families agree. The names, labels and types are those the
 * libvirt exporters use ({@code domain}, {@code vcpu}; {@code connection} with several connections).
 *
 * <p>Holds no mutable state: every scrape writes its samples afresh on the HTTP server's thread.
 */
public final class VcpuMetrics {

    static final String AFFINITY = "libvirt_domain_vcpu_affinity";
    static final String UP = "libvirt_up";
    static final String OWN_DURATION = "vcpu_agent_snapshot_scrape_duration_seconds";
    static final String OWN_SAMPLES = "vcpu_agent_snapshot_scrape_samples";

    /** The {@code vcpu="N"} and {@code cpu="N"} pairs, made once: every scrape labels every vCPU. */
    private static final byte[][] VCPU_PAIRS = pairs("vcpu", 1024);
    private static final byte[][] CPU_PAIRS = pairs("cpu", 1024);

    private final List<SnapshotSource> sources;
    private final boolean affinityPerCpu;

    /** @param affinityPerCpu whether to add {@code libvirt_domain_vcpu_affinity}, one sample per vCPU and host CPU */
    public VcpuMetrics(List<SnapshotSource> sources, boolean affinityPerCpu) {
        this.sources = List.copyOf(sources);
        this.affinityPerCpu = affinityPerCpu;
    }

    /** Every name this writes, as exposed; the registry's collectors must not write them too. */
    List<String> names() {
        List<String> names = new ArrayList<>();
        for (VcpuFamily f : VcpuFamily.values()) {
            names.add(f.exposedName);
        }
        if (affinityPerCpu) {
            names.add(AFFINITY);
        }
        for (DomainFamily f : DomainFamily.values()) {
            names.add(f.exposedName);
        }
        names.addAll(List.of(UP, OWN_DURATION, OWN_SAMPLES));
        return names;
    }

    /** One domain of this scrape: its labels made once, and the one snapshot every family reads. */
    private record Seen(byte[] labels, VcpuSnapshot snapshot, int presentCpus) {
    }

    /** Writes every family {@code wanted} accepts by its exposed name. */
    void write(TextOutput o, Predicate<String> wanted) throws IOException {
        long started = System.nanoTime();
        List<Seen> seen = new ArrayList<>();
        for (SnapshotSource source : sources) {
            byte[] connection = source.alias() == null ? null : TextOutput.labelPair("connection", source.alias());
            int presentCpus = source.presentCpus();
            for (DomainVcpus d : source.domains()) {
                VcpuSnapshot s = d.snapshot();
                if (s.takenAtMillis() == 0) {
                    continue; // none yet: no samples, as no vCPU beans are registered before it
                }
                byte[] domain = TextOutput.labelPair("domain", d.name());
                seen.add(new Seen(connection == null ? domain : join(connection, domain), s, presentCpus));
            }
        }
        long samples = 0;
        for (VcpuFamily f : VcpuFamily.values()) {
            if (wanted.test(f.exposedName)) {
                samples += perVcpu(o, f, seen);
            }
        }
        if (affinityPerCpu && wanted.test(AFFINITY)) {
            samples += affinity(o, seen);
        }
        for (DomainFamily f : DomainFamily.values()) {
            if (wanted.test(f.exposedName)) {
                samples += perDomain(o, f, seen);
            }
        }
        if (wanted.test(UP)) {
            o.family(UP, "gauge", "1 while the agent holds a working connection to libvirt, 0 otherwise.");
            for (SnapshotSource source : sources) {
                o.ascii(UP);
                if (source.alias() != null) {
                    o.raw((byte) '{').bytes(TextOutput.labelPair("connection", source.alias())).raw((byte) '}');
                }
                o.raw((byte) ' ').integer(source.connected() ? 1 : 0).raw((byte) '\n');
            }
        }
        if (wanted.test(OWN_DURATION)) {
            o.family(OWN_DURATION, "gauge", "Time the agent took to write this scrape's libvirt_domain_* samples from "
                    + "its snapshots, in seconds (a scraper that reads slowly makes it longer); a scrape asks libvirt "
                    + "nothing.");
            o.ascii(OWN_DURATION).raw((byte) ' ').fraction(System.nanoTime() - started, 1_000_000_000L, 9)
                    .raw((byte) '\n');
        }
        if (wanted.test(OWN_SAMPLES)) {
            o.family(OWN_SAMPLES, "gauge", "How many libvirt_domain_* samples this scrape has.");
            o.ascii(OWN_SAMPLES).raw((byte) ' ').integer(samples).raw((byte) '\n');
        }
    }

    private static long perVcpu(TextOutput o, VcpuFamily f, List<Seen> seen) throws IOException {
        long written = 0;
        for (Seen d : seen) {
            List<VcpuSnapshot.Vcpu> vcpus = d.snapshot.vcpus();
            for (int i = 0; i < vcpus.size(); i++) {
                VcpuSnapshot.Vcpu v = vcpus.get(i);
                if (!f.present(v)) {
                    continue;
                }
                if (written++ == 0) {
                    o.family(f.exposedName, f.type, f.help);
                }
                o.bytes(f.name).raw((byte) '{').bytes(d.labels).raw((byte) ',').bytes(pair(VCPU_PAIRS, "vcpu", v.number()))
                        .raw((byte) '}').raw((byte) ' ');
                f.value(o, v);
                o.raw((byte) '\n');
            }
        }
        return written;
    }

    private static long affinity(TextOutput o, List<Seen> seen) throws IOException {
        long written = 0;
        for (Seen d : seen) {
            if (d.presentCpus <= 0) {
                continue;
            }
            for (VcpuSnapshot.Vcpu v : d.snapshot.vcpus()) {
                CpuMap allowed = CpuMap.parse(v.affinity(), d.presentCpus);
                byte[] vcpu = pair(VCPU_PAIRS, "vcpu", v.number());
                for (int c = 0; c < d.presentCpus; c++) {
                    if (written++ == 0) {
                        o.family(AFFINITY, "gauge", "1 when the vCPU may run on the host CPU, 0 when its affinity "
                                + "excludes it.");
                    }
                    o.ascii(AFFINITY).raw((byte) '{').bytes(d.labels).raw((byte) ',').bytes(vcpu).raw((byte) ',')
                            .bytes(pair(CPU_PAIRS, "cpu", c)).ascii("} ").integer(allowed.contains(c) ? 1 : 0)
                            .raw((byte) '\n');
                }
            }
        }
        return written;
    }

    private static long perDomain(TextOutput o, DomainFamily f, List<Seen> seen) throws IOException {
        if (seen.isEmpty()) {
            return 0;
        }
        o.family(f.exposedName, "gauge", f.help);
        for (Seen d : seen) {
            o.bytes(f.name).raw((byte) '{').bytes(d.labels).raw((byte) '}').raw((byte) ' ');
            f.value(o, d.snapshot);
            o.raw((byte) '\n');
        }
        return seen.size();
    }

    private static byte[] join(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + 1 + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        out[a.length] = ',';
        System.arraycopy(b, 0, out, a.length + 1, b.length);
        return out;
    }

    private static byte[] pair(byte[][] made, String name, int n) {
        return n >= 0 && n < made.length ? made[n] : TextOutput.labelPair(name, Integer.toString(n));
    }

    private static byte[][] pairs(String name, int count) {
        byte[][] out = new byte[count][];
        for (int i = 0; i < count; i++) {
            out[i] = TextOutput.labelPair(name, Integer.toString(i));
        }
        return out;
    }
}
