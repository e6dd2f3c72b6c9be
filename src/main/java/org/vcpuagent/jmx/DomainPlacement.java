package org.vcpuagent.jmx;

import org.vcpuagent.domain.DomainCallException;
import org.vcpuagent.domain.DomainVcpus;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.NumaTune;
import org.vcpuagent.placement.GuestCells;
import org.vcpuagent.placement.NumaBinding;
import org.vcpuagent.placement.PlacementDesk;
import org.vcpuagent.placement.PlacementTarget;
import org.vcpuagent.placement.Policy;

import java.util.List;
import java.util.Map;

/**
 * A Domain bean's placement operations and IOThreads: checks input, then plans through the connection's
 * {@link PlacementDesk} and pins through {@link DomainVcpus}. Holds no state of its own.
 */
final class DomainPlacement implements PlacementTarget {

    private final String name;
    private final DomainVcpus vcpus;
    private final PlacementDesk desk;

    DomainPlacement(String name, DomainVcpus vcpus, PlacementDesk desk) {
        this.name = name;
        this.vcpus = vcpus;
        this.desk = desk;
    }

    String plan(String policy) {
        return desk.plan(this, Policy.parse(policy)).text();
    }

    String apply(String policy, boolean persistent) {
        Policy p = Policy.parse(policy);
        if (persistent && !vcpus.isPersistent()) {
            throw new IllegalArgumentException("cannot apply a placement to domain '" + name + "' persistently: it is "
                    + "transient (started from XML, not defined) and has no persistent configuration; apply it live "
                    + "(persistent = false) or define the domain first");
        }
        return "applied " + desk.apply(this, p, persistent).text();
    }

    String restore() {
        return desk.restore(this);
    }

    /**
     * Pins IOThread {@code id}.
     *
     * @return the IOThread's affinity before, cpulist text
     */
    String pinIoThread(int id, CpuMap cpus) {
        Map<Integer, CpuMap> threads = vcpus.ioThreads();
        CpuMap before = threads.get(id);
        if (before == null) {
            throw new IllegalArgumentException("IOThread " + id + " does not exist in domain '" + name + "': "
                    + (threads.isEmpty() ? "it has no IOThreads (<iothreads> in its XML)"
                    : "give one of its IOThread ids " + threads.keySet()));
        }
        vcpus.pinIoThread(id, cpus);
        return before.toCpuList();
    }

    static String numaTuneText(NumaTune t) {
        return t.mode().isEmpty() ? "none" : "mode=" + t.mode() + " nodeset=" + t.nodeset();
    }

    // --- PlacementTarget ---

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<CpuMap> vcpuPins() {
        int count = vcpus.count();
        List<CpuMap> pins = vcpus.pins();
        return pins.subList(0, Math.min(count, pins.size()));
    }

    @Override
    public CpuMap emulatorPin() {
        return vcpus.emulatorPin();
    }

    @Override
    public Map<Integer, CpuMap> ioThreadPins() {
        try {
            return vcpus.ioThreads();
        } catch (DomainCallException e) {
            // Drivers without IOThreads (Xen): a placement has none to pin.
            return Map.of();
        }
    }

    @Override
    public NumaBinding memory() {
        NumaBinding domainWide;
        try {
            domainWide = NumaBinding.of(vcpus.numaTune());
        } catch (DomainCallException | IllegalArgumentException e) {
            // Drivers without NUMA tuning: nothing binds the memory, so no node is preferred.
            domainWide = NumaBinding.NONE;
        }
        try {
            return NumaBinding.forPlanning(domainWide, GuestCells.vcpuBindings(vcpus.xml()).values());
        } catch (DomainCallException | IllegalArgumentException e) {
            return domainWide;
        }
    }

    @Override
    public void pinVcpu(int vcpu, CpuMap cpus, boolean persistent) {
        vcpus.pinVcpu(vcpu, cpus, persistent);
    }

    @Override
    public void pinEmulator(CpuMap cpus, boolean persistent) {
        vcpus.pinEmulator(cpus, persistent);
    }

    @Override
    public void pinIoThread(int id, CpuMap cpus, boolean persistent) {
        vcpus.pinIoThread(id, cpus, persistent);
    }
}
