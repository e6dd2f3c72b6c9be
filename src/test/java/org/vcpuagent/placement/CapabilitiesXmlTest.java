package org.vcpuagent.placement;

import org.junit.jupiter.api.Test;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.model.CpuMap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading the host's CPUs from capabilities XML: libvirt's test driver, a canned 2-socket SMT host, hostile XML. */
class CapabilitiesXmlTest {

    @Test
    void theTestDriversCapabilitiesShowTwoCellsOfEightCpusWithoutSmt() {
        try (Connection c = Connection.open("test:///default", true)) {
            List<HostCpu> cpus = CapabilitiesXml.cpus(c.capabilitiesXml());
            assertEquals(16, cpus.size());
            assertEquals(8, cpus.stream().filter(x -> x.numaNode() == 1).count());
            assertEquals(new HostCpu(9, 1, 1, 0, 1, CpuMap.of(9)), cpus.get(9));
            Topology t = new Topology(cpus, 8, CpuMap.of(0, 2, 4), CpuMap.of(), CpuMap.of());
            assertFalse(t.hasSmt());
            assertEquals(List.of(0, 1), t.nodes());
        }
    }

    @Test
    void siblingsOfACannedTwoSocketSmtHost() throws Exception {
        String xml = Files.readString(Path.of("src/test/resources/capabilities/two-socket-smt.xml"));
        List<HostCpu> cpus = CapabilitiesXml.cpus(xml);
        assertEquals(16, cpus.size());
        Topology t = new Topology(cpus, 16, CpuMap.all(16), CpuMap.of(), CpuMap.of());
        assertTrue(t.hasSmt());
        assertEquals(new HostCpu(12, 1, 1, 0, 0, CpuMap.of(4, 12)), t.cpu(12));
        assertEquals(List.of(8), t.siblingsOf(0));
        assertEquals(List.of(List.of(4, 12), List.of(5, 13), List.of(6, 14), List.of(7, 15)), t.cores(1));
        // Exclusive pins of two domains on the two threads of one core: one conflict, from both CPUs.
        List<Conflict> k = ConflictFinder.find(t, List.of(SyntheticHost.pinned("a", CpuMap.of(4)),
                SyntheticHost.pinned("b", CpuMap.of(12))));
        assertEquals(List.of(new Conflict(Conflict.Kind.SMT_SIBLING, List.of("a", "b"), List.of("a:0", "b:0"),
                CpuMap.of(4, 12))), k);
        Plan p = Planner.plan(t, List.of(), "g", 2, List.of(), NumaBinding.NONE, Policy.parse("dedicated,require"));
        assertEquals(List.of(CpuMap.of(0), CpuMap.of(8)), p.vcpus());
    }

    @Test
    void noDoctypeAndNoExternalEntityIsRead() {
        String xxe = "<?xml version='1.0'?><!DOCTYPE c [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                + "<capabilities><host><topology><cells><cell id='0'><cpus><cpu id='0' siblings='&x;'/></cpus></cell>"
                + "</cells></topology></host></capabilities>";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CapabilitiesXml.cpus(xxe));
        assertTrue(e.getMessage().startsWith("not well-formed XML in libvirt's capabilities"), e.getMessage());
        assertEquals(List.of(), CapabilitiesXml.cpus("<capabilities><host/></capabilities>"),
                "a driver without topology: no CPUs, so the agent falls back to a flat host");
        assertThrows(IllegalArgumentException.class, () -> CapabilitiesXml.cpus(
                "<capabilities><host><topology><cells><cell id='0'><cpus><cpu id='zero'/></cpus></cell></cells>"
                        + "</topology></host></capabilities>"));
    }
}
