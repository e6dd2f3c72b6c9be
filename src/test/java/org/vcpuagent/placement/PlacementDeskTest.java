package org.vcpuagent.placement;

import org.junit.jupiter.api.Test;
import org.vcpuagent.model.CpuMap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The desk's serialisation and its all-or-nothing apply. Its targets here are in-memory domains: a pin that fails
 * halfway through a placement is what libvirt cannot be made to produce on demand.
 */
class PlacementDeskTest {

    /** A domain in memory with IOThreads 1 and 2; {@code failAt}: the vCPU whose pin fails, or -1. */
    static final class MemoryDomain implements PlacementTarget {
        final String name;
        final List<CpuMap> pins;
        CpuMap emulator;
        final Map<Integer, CpuMap> ioThreads = new ConcurrentHashMap<>(Map.of(1, CpuMap.all(32), 2, CpuMap.of(7)));
        final int failAt;
        /** The IOThread whose pin fails, or -1. */
        int ioFailAt = -1;

        MemoryDomain(String name, int vcpus, int failAt) {
            this.name = name;
            this.pins = Collections.synchronizedList(new ArrayList<>(Collections.nCopies(vcpus, CpuMap.all(32))));
            this.emulator = CpuMap.all(32);
            this.failAt = failAt;
        }

        @Override public String name() {
            return name;
        }

        @Override public List<CpuMap> vcpuPins() {
            return List.copyOf(pins);
        }

        @Override public CpuMap emulatorPin() {
            return emulator;
        }

        @Override public Map<Integer, CpuMap> ioThreadPins() {
            return Map.copyOf(ioThreads);
        }

        @Override public void pinIoThread(int id, CpuMap cpus, boolean persistent) {
            if (id == ioFailAt) {
                throw new IllegalStateException("libvirt refused the IOThread");
            }
            ioThreads.put(id, cpus);
        }

        @Override public NumaBinding memory() {
            return NumaBinding.NONE;
        }

        @Override public void pinVcpu(int vcpu, CpuMap cpus, boolean persistent) {
            if (vcpu == failAt && !cpus.equals(CpuMap.all(32))) {
                throw new IllegalStateException("libvirt refused");
            }
            pins.set(vcpu, cpus);
        }

        @Override public void pinEmulator(CpuMap cpus, boolean persistent) {
            emulator = cpus;
        }
    }

    static PlacementSnapshot empty() {
        return PlacementSnapshot.of(SyntheticHost.of(2, 8, 2), List.of(), System.nanoTime());
    }

    @Test
    void concurrentPlacementsNeverPickTheSameCpus() throws Exception {
        // The owner's snapshot never catches up during the test: only the desk's own claims keep them apart.
        PlacementSnapshot stale = empty();
        PlacementDesk desk = new PlacementDesk(() -> stale);
        List<MemoryDomain> domains = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            domains.add(new MemoryDomain("d" + i, 3, -1));
        }
        ExecutorService pool = Executors.newFixedThreadPool(5);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Plan>> plans = new ArrayList<>();
        for (MemoryDomain d : domains) {
            plans.add(pool.submit(() -> {
                go.await();
                return desk.apply(d, Policy.parse("dedicated,isolate"), false);
            }));
        }
        go.countDown();
        Set<Integer> used = new HashSet<>();
        for (Future<Plan> f : plans) {
            for (CpuMap m : f.get().vcpus()) {
                assertTrue(used.add(m.highest()), "CPU " + m.highest() + " given twice");
            }
        }
        pool.shutdown();
        assertEquals(15, used.size(), "5 domains of 3 vCPUs, one core each on a host of 16 cores");
    }

    @Test
    void aPinThatFailsPutsBackThoseAlreadyMadeAndRestoreUndoesAPlacement() {
        PlacementDesk desk = new PlacementDesk(PlacementDeskTest::empty);
        MemoryDomain failing = new MemoryDomain("f", 3, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> desk.apply(failing, Policy.parse("dedicated"), false));
        assertEquals("pinning vCPU 2 of domain 'f' failed: libvirt refused; the 2 pin(s) already made were put back",
                e.getMessage());
        assertEquals(Collections.nCopies(3, CpuMap.all(32)), failing.vcpuPins());

        MemoryDomain ok = new MemoryDomain("ok", 2, -1);
        desk.apply(ok, Policy.parse("dedicated"), false);
        assertEquals(List.of(CpuMap.of(0), CpuMap.of(16)), ok.vcpuPins());
        desk.restore(ok);
        assertEquals(Collections.nCopies(2, CpuMap.all(32)), ok.vcpuPins());
        assertEquals(CpuMap.all(32), ok.emulatorPin());
        assertThrows(IllegalStateException.class, () -> desk.restore(ok));
    }

    @Test
    void ioThreadsArePlacedWithTheEmulatorAFailedIoThreadPinUndoesAllAndRestorePutsThemBack() {
        PlacementDesk desk = new PlacementDesk(PlacementDeskTest::empty);
        MemoryDomain failing = new MemoryDomain("f", 2, -1);
        failing.ioFailAt = 2;
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> desk.apply(failing, Policy.parse("dedicated,emulator=isolate"), false));
        assertEquals("pinning IOThread 2 of domain 'f' failed: libvirt refused the IOThread; the 4 pin(s) already "
                + "made were put back", e.getMessage());
        assertEquals(Collections.nCopies(2, CpuMap.all(32)), failing.vcpuPins());
        assertEquals(CpuMap.all(32), failing.emulatorPin());
        assertEquals(Map.of(1, CpuMap.all(32), 2, CpuMap.of(7)), failing.ioThreadPins());

        MemoryDomain ok = new MemoryDomain("ok", 2, -1);
        Plan plan = desk.apply(ok, Policy.parse("dedicated,emulator=isolate"), false);
        assertEquals(Map.of(1, plan.emulator(), 2, plan.emulator()), ok.ioThreadPins());
        String restored = desk.restore(ok);
        assertEquals(Map.of(1, CpuMap.all(32), 2, CpuMap.of(7)), ok.ioThreadPins());
        assertTrue(restored.endsWith("\niothread 1 -> cpus 0-31\niothread 2 -> cpus 7"), restored);
    }
}
