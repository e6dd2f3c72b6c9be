package org.vcpuagent.placement;

import org.vcpuagent.model.CpuMap;

import java.util.List;
import java.util.Map;

/** The domain a placement is applied to, as the layer that calls libvirt offers it. */
public interface PlacementTarget {

    String name();

    /** The online vCPUs' affinities now, by vCPU number. */
    List<CpuMap> vcpuPins();

    /** The emulator threads' affinity now. */
    CpuMap emulatorPin();

    /** Each IOThread's affinity now, by id; empty where the domain has none or the driver has no IOThreads. */
    Map<Integer, CpuMap> ioThreadPins();

    NumaBinding memory();

    void pinVcpu(int vcpu, CpuMap cpus, boolean persistent);

    void pinEmulator(CpuMap cpus, boolean persistent);

    void pinIoThread(int id, CpuMap cpus, boolean persistent);
}
