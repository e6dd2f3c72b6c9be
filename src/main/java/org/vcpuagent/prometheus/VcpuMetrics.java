package org.vcpuagent.prometheus;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.vcpuagent.domain.DomainVcpus;

import java.util.List;

/**
 * The per-vCPU and per-domain samples ({@code libvirt_domain_*}), written straight from the snapshots each
 * connection's owner thread publishes: a scrape asks libvirt nothing, reads no MBean and matches no rule, so
 * what it costs grows with the number of samples only, and a domain whose libvirt calls hang cannot hold it
 * (its snapshot only ages, which {@code libvirt_domain_stats_age_seconds} shows).
 *
 * <p>Holds no mutable state: every scrape builds its samples afresh on the HTTP server's thread.
 */
public final class VcpuMetrics implements MultiCollector {

    private final List<SnapshotSource> sources;
    private final boolean affinityPerCpu;

    /** @param affinityPerCpu whether to add {@code libvirt_domain_vcpu_affinity}, one sample per vCPU and host CPU */
    public VcpuMetrics(List<SnapshotSource> sources, boolean affinityPerCpu) {
        this.sources = List.copyOf(sources);
        this.affinityPerCpu = affinityPerCpu;
    }

    @Override
    public MetricSnapshots collect() {
        long started = System.nanoTime();
        VcpuSamples samples = new VcpuSamples(affinityPerCpu);
        for (SnapshotSource source : sources) {
            samples.up(source.alias(), source.connected());
            int presentCpus = source.presentCpus();
            for (DomainVcpus d : source.domains()) {
                samples.add(source.alias(), d.name(), d.snapshot(), presentCpus);
            }
        }
        return samples.build(started);
    }

    @Override
    public List<String> getPrometheusNames() {
        return VcpuSamples.names(affinityPerCpu);
    }
}
