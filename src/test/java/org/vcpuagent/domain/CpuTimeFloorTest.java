package org.vcpuagent.domain;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuTimeFloorTest {

    @Test
    void aSourceChangeNeverTakesTheTimeBackwards() {
        CpuTimeFloor f = new CpuTimeFloor();
        assertEquals(1_005_000_000L, f.apply(0, "proc", 1_005_000_000L));
        assertEquals(1_005_000_000L, f.apply(0, "getVcpus", 1_000_000_000L), "ticks behind schedstat: held");
        assertEquals(1_005_000_000L, f.apply(0, "getVcpus", 1_000_000_000L));
        assertEquals(1_010_000_000L, f.apply(0, "getVcpus", 1_010_000_000L), "and moves on once past");
        assertEquals(1_010_000_000L, f.apply(0, "proc", 1_007_000_000L));
    }

    @Test
    void theSameSourceFallingIsANewThreadAndStartsAgain() {
        CpuTimeFloor f = new CpuTimeFloor();
        f.apply(1, "proc", 5_000_000_000L);
        assertEquals(3_000_000L, f.apply(1, "proc", 3_000_000L));
        f.apply(2, "proc", 9_000_000_000L);
        f.forgetAll();
        assertEquals(1L, f.apply(2, "getVcpus", 1L), "a new process: libvirt's small figure is the truth");
    }

    @Test
    void onlyLocalQemuConnectionsQualifyForTheKernel() {
        assertTrue(KernelVcpus.isLocalQemu("qemu:///system"));
        assertTrue(KernelVcpus.isLocalQemu("qemu:///session"));
        assertTrue(KernelVcpus.isLocalQemu("qemu+unix:///system"));
        assertFalse(KernelVcpus.isLocalQemu("qemu+ssh://host/system"));
        assertFalse(KernelVcpus.isLocalQemu("qemu+tcp://127.0.0.1/system"));
        assertFalse(KernelVcpus.isLocalQemu("test:///default"));
        assertFalse(KernelVcpus.isLocalQemu("xen:///system"));
        assertFalse(KernelVcpus.isLocalQemu("qemu:///embed?root=/tmp/x"));
    }
}
