package org.vcpuagent.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the bulk statistics send the periodic refresh to virDomainGetVcpus. */
class DomainVcpuStatsTest {

    private static VcpuStats vcpu(int n, Long timeNs) {
        return new VcpuStats(n, 1, timeNs, 0L, 0L, null);
    }

    @Test
    void everyCountedVcpuWithTimeIsHealthy() {
        DomainVcpuStats s = new DomainVcpuStats("u", "d", 2, 4, List.of(vcpu(0, 5L), vcpu(1, 7L)));
        assertTrue(s.hasVcpuGroup());
        assertFalse(s.showsVcpuWithoutTime());
    }

    @Test
    void aCountedVcpuWithZeroTimeIsWhatLibvirtShowsForALostThread() {
        // libvirt 9.0 after a timed-out unplug: vcpu.current still 4, the removed vCPU 3 at time 0.
        DomainVcpuStats s = new DomainVcpuStats("u", "d", 4, 4,
                List.of(vcpu(0, 5L), vcpu(1, 7L), vcpu(2, 9L), vcpu(3, 0L)));
        assertTrue(s.showsVcpuWithoutTime());
    }

    @Test
    void aCountedVcpuMissingOrWithoutATimeCountsAsLost() {
        assertTrue(new DomainVcpuStats("u", "d", 2, 4, List.of(vcpu(0, 5L))).showsVcpuWithoutTime());
        assertTrue(new DomainVcpuStats("u", "d", 2, 4, List.of(vcpu(0, 5L), vcpu(1, null))).showsVcpuWithoutTime());
    }

    @Test
    void vcpusBeyondTheCountDoNotMatter() {
        DomainVcpuStats s = new DomainVcpuStats("u", "d", 1, 4, List.of(vcpu(0, 5L), vcpu(1, 0L)));
        assertFalse(s.showsVcpuWithoutTime());
    }

    @Test
    void withoutAVcpuGroupNothingIsShown() {
        // libvirt's test driver: a record with the state group only.
        DomainVcpuStats s = new DomainVcpuStats("u", "d", null, null, List.of());
        assertFalse(s.hasVcpuGroup());
        assertFalse(s.showsVcpuWithoutTime());
    }
}
