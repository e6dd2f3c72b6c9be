package org.vcpuagent.jmx;

import org.junit.jupiter.api.Test;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.VcpuReading;

import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The numbers added for tools that read numbers only (jmx_exporter): stateCode and Affinity. */
class VcpuTableTest {

    private static VcpuReading reading(int number, String state, CpuMap affinity) {
        return new VcpuReading(number, state, 5, 1, affinity, null, null, null, VcpuReading.FROM_GET_VCPUS);
    }

    @Test
    void stateCodeIsLibvirtsNumber() {
        assertEquals(0, VcpuTable.stateCode("offline"));
        assertEquals(1, VcpuTable.stateCode("running"));
        assertEquals(2, VcpuTable.stateCode("blocked"));
        assertEquals(7, VcpuTable.stateCode("unknown(7)"));
        assertNull(VcpuTable.stateCode("unknown"));
        CompositeData row = VcpuTable.row(reading(0, "blocked", CpuMap.of(0)), 1);
        assertEquals(2, row.get("stateCode"));
        assertEquals("blocked", row.get("state"));
    }

    @Test
    void affinityHasARowPerVcpuAndHostCpu() {
        TabularData t = VcpuTable.affinity(List.of(reading(0, "running", CpuMap.of(1, 2)),
                reading(1, "running", CpuMap.all(4))), 4);
        assertEquals(8, t.size());
        for (int cpu = 0; cpu < 4; cpu++) {
            assertEquals(cpu == 1 || cpu == 2, t.get(new Object[] {0, cpu}).get("allowed"));
            assertEquals(true, t.get(new Object[] {1, cpu}).get("allowed"));
        }
        assertEquals(VcpuTable.AFFINITY_TYPE, t.getTabularType());
    }
}
