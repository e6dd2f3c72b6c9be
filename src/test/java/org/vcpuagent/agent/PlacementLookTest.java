package org.vcpuagent.agent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which URIs name this machine, whose isolcpus (/sys/devices/system/cpu/isolated) then describe the host. */
class PlacementLookTest {

    @Test
    void onlyLocalUrisOfRealHypervisorsAreThisMachine() {
        assertTrue(PlacementLook.isThisMachine("qemu:///system"));
        assertTrue(PlacementLook.isThisMachine("xen:///system"));
        assertFalse(PlacementLook.isThisMachine("test:///default"), "the test driver's host is simulated");
        assertFalse(PlacementLook.isThisMachine("qemu+ssh://root@db1/system"));
        assertFalse(PlacementLook.isThisMachine("qemu+tls://db2/system"));
        assertFalse(PlacementLook.isThisMachine("qemu://db3/system"));
        assertFalse(PlacementLook.isThisMachine("not a uri"));
    }
}
