package org.vcpuagent.domain;

import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.DomainVcpuStats;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.model.VcpuReading;
import org.vcpuagent.model.VcpuStats;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code Vcpus} rows when virDomainGetVcpus fails (libvirt stale after a timed-out unplug): the domain's
 * statistics, the configured pinning as affinity, and only the vCPUs QEMU still has when the owner could ask it.
 */
final class StatisticsRows {

    private StatisticsRows() {
    }

    /**
     * @param cached the domain's last bulk statistics; asked of libvirt for this domain alone when there are none,
     *               a call that waits for the domain's job and QEMU
     */
    static List<VcpuReading> of(LibvirtDomain domain, Optional<DomainVcpuStats> cached, VcpuView view, HostInfo h) {
        DomainVcpuStats stats = cached.orElseGet(domain::statistics);
        Set<Integer> inQemu = view.qemuVcpus();
        int libvirtCurrent = stats.current() == null ? domain.maxVcpus() : stats.current();
        List<CpuMap> pins = pinsOrEmpty(domain, h);
        List<VcpuReading> rows = new ArrayList<>();
        for (VcpuStats s : stats.vcpus()) {
            boolean exists = inQemu != null ? inQemu.contains(s.number()) : s.number() < libvirtCurrent;
            if (!exists) {
                continue;
            }
            CpuMap affinity = s.number() < pins.size() ? pins.get(s.number()) : h.onlineCpus();
            String state = s.stateWord() == null ? "unknown" : s.stateWord();
            rows.add(new VcpuReading(s.number(), state, s.timeNs() == null ? 0 : s.timeNs(), -1, affinity,
                    s.waitNs(), s.delayNs(), s.halted(), VcpuReading.FROM_STATS));
        }
        return rows;
    }

    private static List<CpuMap> pinsOrEmpty(LibvirtDomain domain, HostInfo h) {
        try {
            return domain.pins(h.mapLength());
        } catch (DomainCallException e) {
            return List.of();
        }
    }
}
