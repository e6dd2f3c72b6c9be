package org.vcpuagent.placement;

import org.junit.jupiter.api.Test;
import org.vcpuagent.model.CpuMap;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Per-guest-cell memory bindings ({@code <memnode>}) from domain XML, as libvirt's dumpxml writes it. */
class GuestCellsTest {

    static final String XML = "<domain type='kvm'><name>db</name><vcpu placement='static'>4</vcpu>"
            + "<numatune><memory mode='strict' nodeset='0-1'/><memnode cellid='0' mode='strict' nodeset='0'/>"
            + "<memnode cellid='1' mode='preferred' nodeset='1'/></numatune>"
            + "<cpu mode='host-passthrough'><numa><cell id='0' cpus='0-1' memory='1048576' unit='KiB'/>"
            + "<cell id='1' cpus='2-3' memory='1048576' unit='KiB'/></numa></cpu></domain>";

    @Test
    void eachVcpuGetsItsCellsBinding() {
        Map<Integer, NumaBinding> b = GuestCells.vcpuBindings(XML);
        assertEquals(new NumaBinding("strict", CpuMap.of(0)), b.get(0));
        assertEquals(new NumaBinding("strict", CpuMap.of(0)), b.get(1));
        assertEquals(new NumaBinding("preferred", CpuMap.of(1)), b.get(3));
        assertEquals(Map.of(), GuestCells.vcpuBindings("<domain><name>plain</name></domain>"));
        assertEquals(new NumaBinding("preferred", CpuMap.of(0, 1)),
                NumaBinding.forPlanning(NumaBinding.NONE, b.values()), "a preferred cell makes the whole preferred");
    }

    @Test
    void aVcpuAwayFromItsCellsNodeIsANumaConflict() {
        Topology t = SyntheticHost.of(2, 8, 2);
        DomainPins d = new DomainPins("db", List.of(CpuMap.of(0), CpuMap.of(1), CpuMap.of(8), CpuMap.of(2)), null,
                Map.of(), new NumaBinding("strict", CpuMap.of(0, 1)), GuestCells.vcpuBindings(XML));
        assertEquals(List.of(new Conflict(Conflict.Kind.NUMA, List.of("db"), List.of("db:3"), CpuMap.of(2))),
                ConflictFinder.find(t, List.of(d)), "vCPU 3's cell prefers node 1; vCPU 2 is there already");
    }

    @Test
    void anEntityInTheDomainXmlIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> GuestCells.vcpuBindings(
                "<!DOCTYPE d [<!ENTITY x '0'>]><domain><numatune><memnode cellid='0' nodeset='&x;'/></numatune></domain>"));
    }
}
