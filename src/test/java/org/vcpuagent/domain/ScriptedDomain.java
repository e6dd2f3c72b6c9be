package org.vcpuagent.domain;

import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.QemuVcpu;
import org.vcpuagent.model.VcpuInfo;

import java.util.ArrayList;
import java.util.List;

/**
 * A domain whose libvirt and QEMU answers the test sets: for what real libvirt cannot be made to do on demand
 * (time out on an unplug, then lose track of a vCPU thread while QEMU goes on removing it).
 */
final class ScriptedDomain implements DomainCalls {

    int libvirtCount;
    /** QEMU's vCPU count; negative: QEMU cannot be asked. */
    int qemuCount = -1;
    /** QEMU does not answer in time, with this reason; null: it answers. */
    String qemuLate;
    /** virDomainGetVcpus fails, as it does once libvirt has lost a vCPU thread. */
    boolean getVcpusFails;
    final List<CpuMap> pins = new ArrayList<>();
    int qemuQuestions;

    ScriptedDomain(int count, int maxVcpus) {
        libvirtCount = count;
        for (int i = 0; i < maxVcpus; i++) {
            pins.add(CpuMap.all(8));
        }
    }

    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public String uuid() {
        return "00000000-0000-0000-0000-000000000001";
    }

    @Override
    public int vcpuCount() {
        return libvirtCount;
    }

    @Override
    public List<VcpuInfo> vcpus(int mapLength) {
        if (getVcpusFails) {
            throw new DomainCallException(DomainCallException.Kind.REFUSED, 38,
                    "virDomainGetVcpus failed: cannot get CPU affinity of process 1234: No such process", null);
        }
        List<VcpuInfo> out = new ArrayList<>();
        for (int i = 0; i < libvirtCount; i++) {
            out.add(new VcpuInfo(i, "running", 1000, 0, pins.get(i)));
        }
        return out;
    }

    @Override
    public List<CpuMap> pins(int mapLength) {
        return List.copyOf(pins);
    }

    @Override
    public QemuAnswer qemuVcpus() {
        qemuQuestions++;
        if (qemuLate != null) {
            return QemuAnswer.late(qemuLate);
        }
        if (qemuCount < 0) {
            return QemuAnswer.UNAVAILABLE;
        }
        List<QemuVcpu> out = new ArrayList<>();
        for (int i = 0; i < qemuCount; i++) {
            out.add(new QemuVcpu(i, 1000 + i, "/machine/unattached/device[" + i + "]"));
        }
        return QemuAnswer.of(out);
    }
}
