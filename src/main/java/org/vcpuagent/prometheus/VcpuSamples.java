package org.vcpuagent.prometheus;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.vcpuagent.domain.VcpuSnapshot;
import org.vcpuagent.model.CpuMap;

import java.util.ArrayList;
import java.util.List;

/**
 * The samples of one scrape, family by family, as {@link VcpuMetrics} adds each domain's snapshot. The names,
 * labels and types are those the libvirt exporters use ({@code domain}, {@code vcpu}; {@code connection} with
 * several connections), and those the shipped jmx_exporter rules gave before the agent wrote them itself.
 * Made and used by one scrape's thread.
 */
final class VcpuSamples {

    static final String TIME = "libvirt_domain_vcpu_time_seconds";
    static final String WAIT = "libvirt_domain_vcpu_wait_seconds";
    static final String DELAY = "libvirt_domain_vcpu_delay_seconds";
    static final String STATE = "libvirt_domain_vcpu_state";
    static final String CPU = "libvirt_domain_vcpu_cpu";
    static final String HALTED = "libvirt_domain_vcpu_halted";
    static final String AFFINITY_CPUS = "libvirt_domain_vcpu_affinity_cpus";
    static final String AFFINITY = "libvirt_domain_vcpu_affinity";
    static final String CURRENT = "libvirt_domain_vcpu_current";
    static final String MAXIMUM = "libvirt_domain_vcpu_maximum";
    static final String UNPLUG_PENDING = "libvirt_domain_vcpu_unplug_pending";
    static final String STATS_AGE = "libvirt_domain_stats_age_seconds";
    static final String STATS_STALE = "libvirt_domain_stats_stale";
    static final String UP = "libvirt_up";
    static final String OWN_DURATION = "vcpu_agent_snapshot_scrape_duration_seconds";
    static final String OWN_SAMPLES = "vcpu_agent_snapshot_scrape_samples";

    /** The label values of vCPU numbers, made once: every scrape labels every vCPU. */
    private static final String[] NUMBERS = new String[1024];

    static {
        for (int i = 0; i < NUMBERS.length; i++) {
            NUMBERS[i] = Integer.toString(i);
        }
    }

    private final boolean affinityPerCpu;
    private final List<CounterDataPointSnapshot> time = new ArrayList<>();
    private final List<CounterDataPointSnapshot> waitTime = new ArrayList<>();
    private final List<CounterDataPointSnapshot> delay = new ArrayList<>();
    private final List<GaugeDataPointSnapshot> state = new ArrayList<>();
    private final List<GaugeDataPointSnapshot> cpu = new ArrayList<>();
    private final List<GaugeDataPointSnapshot> halted = new ArrayList<>();
    private final List<GaugeDataPointSnapshot> affinityCpus = new ArrayList<>();
    private final List<GaugeDataPointSnapshot> affinity = new ArrayList<>();
    private final List<GaugeDataPointSnapshot> current = new ArrayList<>();
    private final List<GaugeDataPointSnapshot> maximum = new ArrayList<>();
    private final List<GaugeDataPointSnapshot> unplugPending = new ArrayList<>();
    private final List<GaugeDataPointSnapshot> statsAge = new ArrayList<>();
    private final List<GaugeDataPointSnapshot> up = new ArrayList<>();
    private final List<GaugeDataPointSnapshot> statsStale = new ArrayList<>();
    private int count;

    VcpuSamples(boolean affinityPerCpu) {
        this.affinityPerCpu = affinityPerCpu;
    }

    /** The names {@link #build} may give, as the registry checks them (a counter's without _total). */
    static List<String> names(boolean affinityPerCpu) {
        List<String> names = new ArrayList<>(List.of(TIME, WAIT, DELAY, STATE, CPU, HALTED, AFFINITY_CPUS, CURRENT,
                MAXIMUM, UNPLUG_PENDING, STATS_AGE, STATS_STALE, UP, OWN_DURATION, OWN_SAMPLES));
        if (affinityPerCpu) {
            names.add(AFFINITY);
        }
        return names;
    }

    /** Whether the connection works: one sample per connection, labelled with its alias when there are several. */
    void up(String connection, boolean connected) {
        up.add(new GaugeDataPointSnapshot(connected ? 1 : 0, connection == null ? Labels.EMPTY
                : Labels.of("connection", connection), null));
    }

    /**
     * One domain's samples. A domain the owner has not taken a snapshot of yet has none, as before its vCPU
     * beans are registered.
     *
     * @param connection  the connection's alias, or null
     * @param presentCpus the host CPUs libvirt's maps cover, for the per-host-CPU affinity samples
     */
    void add(String connection, String domain, VcpuSnapshot s, int presentCpus) {
        if (s.takenAtMillis() == 0) {
            return;
        }
        Labels labels = connection == null ? Labels.of("domain", domain)
                : Labels.of("connection", connection, "domain", domain);
        gauge(current, s.count(), labels);
        gauge(maximum, s.maxVcpus(), labels);
        gauge(unplugPending, s.unplugPending() ? 1 : 0, labels);
        gauge(statsAge, s.ageMillis() / 1000.0, labels);
        gauge(statsStale, s.statsLateReason() == null ? 0 : 1, labels);
        for (VcpuSnapshot.Vcpu v : s.vcpus()) {
            vcpu(v, labels.add("vcpu", number(v.number())), presentCpus);
        }
    }

    private void vcpu(VcpuSnapshot.Vcpu v, Labels labels, int presentCpus) {
        counter(time, v.cpuTimeNanos() * 1e-9, labels);
        if (v.waitNanos() != null) {
            counter(waitTime, v.waitNanos() * 1e-9, labels);
        }
        if (v.delayNanos() != null) {
            counter(delay, v.delayNanos() * 1e-9, labels);
        }
        gauge(state, v.stateCode(), labels);
        gauge(cpu, v.cpu(), labels);
        if (v.halted() != null) {
            gauge(halted, v.halted() ? 1 : 0, labels);
        }
        gauge(affinityCpus, v.affinityCpuCount(), labels);
        if (affinityPerCpu && presentCpus > 0) {
            CpuMap allowed = CpuMap.parse(v.affinity(), presentCpus);
            for (int c = 0; c < presentCpus; c++) {
                gauge(affinity, allowed.contains(c) ? 1 : 0, labels.add("cpu", number(c)));
            }
        }
    }

    private static String number(int n) {
        return n >= 0 && n < NUMBERS.length ? NUMBERS[n] : Integer.toString(n);
    }

    private void gauge(List<GaugeDataPointSnapshot> family, double value, Labels labels) {
        family.add(new GaugeDataPointSnapshot(value, labels, null));
        count++;
    }

    private void counter(List<CounterDataPointSnapshot> family, double value, Labels labels) {
        family.add(new CounterDataPointSnapshot(value, labels, null, 0));
        count++;
    }

    /**
     * Every family, and what gathering them cost the agent since {@code startedNanos} ({@link System#nanoTime()}):
     * the two figures of its own cost are the last to be made.
     */
    MetricSnapshots build(long startedNanos) {
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(new CounterSnapshot(new MetricMetadata(TIME, "CPU time the vCPU has used, in seconds."), time));
        out.add(new CounterSnapshot(new MetricMetadata(WAIT, "Time the vCPU spent waiting on I/O or other "
                + "resources, in seconds (libvirt's vcpu.N.wait; absent where libvirt does not report it)."), waitTime));
        out.add(new CounterSnapshot(new MetricMetadata(DELAY, "Time the vCPU was runnable but waiting for a host CPU, "
                + "in seconds (libvirt's vcpu.N.delay; absent where libvirt does not report it)."), delay));
        out.add(gauges(STATE, "The vCPU's state, libvirt's virVcpuState: 0 offline, 1 running, 2 blocked.", state));
        out.add(gauges(CPU, "The host CPU the vCPU last ran on; -1 when not known.", cpu));
        out.add(gauges(HALTED, "1 when the guest has halted the vCPU, 0 otherwise (absent where libvirt does not "
                + "report it).", halted));
        out.add(gauges(AFFINITY_CPUS, "How many host CPUs the vCPU may run on (its affinity).", affinityCpus));
        if (affinityPerCpu) {
            out.add(gauges(AFFINITY, "1 when the vCPU may run on the host CPU, 0 when its affinity excludes it.",
                    affinity));
        }
        out.add(gauges(CURRENT, "Number of vCPUs the running domain has now (virsh vcpucount: current live).",
                current));
        out.add(gauges(MAXIMUM, "Most vCPUs the running domain can have (virsh vcpucount: maximum live).", maximum));
        out.add(gauges(UNPLUG_PENDING, "1 while a vCPU unplug libvirt timed out on is being followed by the agent, "
                + "0 otherwise.", unplugPending));
        out.add(gauges(STATS_AGE, "Age of the figures the agent serves for the domain, in seconds; a large value "
                + "marks a domain whose libvirt calls are late.", statsAge));
        out.add(gauges(STATS_STALE, "1 while the domain's figures are late or partial (its QEMU keeps libvirt calls "
                + "waiting, libvirt's bulk statistics do not answer, or its snapshot is older than 30 s), 0 otherwise; "
                + "the Vcpu beans' StatsStaleReason says why.", statsStale));
        out.add(gauges(UP, "1 while the agent holds a working connection to libvirt, 0 otherwise.", up));
        long tookNanos = System.nanoTime() - startedNanos;
        out.add(new GaugeSnapshot(new MetricMetadata(OWN_DURATION, "Time the agent took to gather this scrape's "
                + "libvirt_domain_* samples from its snapshots, in seconds (writing them out is not counted); a scrape "
                + "asks libvirt nothing."), List.of(new GaugeDataPointSnapshot(tookNanos * 1e-9, Labels.EMPTY, null))));
        out.add(new GaugeSnapshot(new MetricMetadata(OWN_SAMPLES, "How many libvirt_domain_* samples this scrape has."),
                List.of(new GaugeDataPointSnapshot(count, Labels.EMPTY, null))));
        return new MetricSnapshots(out);
    }

    private static GaugeSnapshot gauges(String name, String help, List<GaugeDataPointSnapshot> points) {
        return new GaugeSnapshot(new MetricMetadata(name, help), points);
    }
}
