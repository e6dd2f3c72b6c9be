package org.vcpuagent.domain;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.HostInfo;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The domain layer on libvirt's test driver, without JMX: changes made through it and behind its back are
 * reported once each, and libvirt, asked on a connection of the test's own, shows what it did.
 */
class DomainVcpusTest {

    private static final String NAME = "domain-layer-test";

    private Connection agentSide;
    private Connection outside;
    private Domain outsideHandle;
    private DomainVcpus vcpus;
    private final RecordedChanges changes = new RecordedChanges();

    @BeforeEach
    void start() {
        agentSide = Connection.open("test:///default", false);
        outside = Connection.open("test:///default", false);
        outsideHandle = TestLibvirt.createXml(outside, "<domain type='test'><name>" + NAME + "</name><memory>65536</memory>"
                + "<vcpu current='2'>4</vcpu><os><type>hvm</type></os></domain>");
        HostInfo host = agentSide.hostInfo();
        vcpus = new DomainVcpus(TestLibvirt.lookupByName(agentSide, NAME), () -> host, new StatsCache(), new CallerOwned(),
                changes);
        vcpus.look(Look.THOROUGH);
        assertEquals(List.of(), changes.take());
    }

    @AfterEach
    void stop() {
        vcpus.close();
        TestLibvirt.destroy(outsideHandle);
        outsideHandle.close();
        outside.close();
        agentSide.close();
    }

    @Test
    void aGrowThroughTheLayerReachesLibvirtAndIsReported() {
        CountChange c = vcpus.setCount(4, false);
        assertFalse(c.pending());
        assertEquals(4, c.count());
        assertEquals("domain '" + NAME + "' has 4 vCPUs", c.message());
        assertEquals(4, outsideHandle.vcpuCount(), "libvirt, asked on the test's own connection");
        assertEquals(List.of("count 2 -> 4"), changes.take());
    }

    @Test
    void aShrinkThroughTheLayerIsConfirmedAndReported() {
        vcpus.setCount(3, false);
        changes.take();
        CountChange c = vcpus.setCount(1, false);
        assertFalse(c.pending());
        assertEquals(1, outsideHandle.vcpuCount());
        assertEquals(List.of("count 3 -> 1"), changes.take());
    }

    @Test
    void aCountChangedBehindItsBackIsReportedByTheNextLook() {
        outsideHandle.setVcpus(3, false);
        assertEquals(3, vcpus.count(), "reads ask libvirt");
        assertEquals(List.of(), changes.take(), "a read changes no state and reports nothing");
        vcpus.look(Look.THOROUGH);
        assertEquals(List.of("count 2 -> 3"), changes.take());
    }

    @Test
    void aPinThroughTheLayerReachesLibvirtAndIsReported() {
        HostInfo host = outside.hostInfo();
        vcpus.pinVcpu(1, CpuMap.parse("2-3", host.presentCpus()));
        List<CpuMap> pins = outsideHandle.vcpuPinInfo(4, host.mapLength());
        assertEquals("2-3", pins.get(1).toCpuList());
        assertEquals(1, changes.take().stream().filter(l -> l.startsWith("pin 1 ") && l.endsWith("-> 2-3")).count());
    }

    @Test
    void aCountOutsideOneToMaxIsRefusedAndChangesNothing() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vcpus.setCount(5, false));
        assertEquals("vCPU count 5 is not allowed for domain '" + NAME + "': give a number from 1 to 4 (MaxVcpus)",
                e.getMessage());
        assertEquals(2, outsideHandle.vcpuCount());
        assertEquals(List.of(), changes.take());
    }

    @Test
    void aDomainThatStoppedIsReportedAsGone() {
        TestLibvirt.destroy(outsideHandle);
        DomainCallException e = assertThrows(DomainCallException.class, () -> vcpus.look(Look.THOROUGH));
        assertTrue(e.isDomainGone(), e.getMessage());
        // Put it back for stop().
        outsideHandle.close();
        outsideHandle = TestLibvirt.createXml(outside, "<domain type='test'><name>" + NAME + "</name><memory>65536</memory>"
                + "<vcpu current='2'>4</vcpu><os><type>hvm</type></os></domain>");
    }
}
