package org.vcpuagent.domain;

import org.vcpuagent.model.QemuVcpu;

import java.util.List;

/**
 * What asking a domain's QEMU which vCPUs it has ({@code query-cpus-fast}) gave.
 *
 * @param vcpus QEMU's vCPUs, ordered by {@code cpu-index}; null when it did not answer
 * @param late  why QEMU's answer is missing although it could be asked (it does not answer in time, or is known to
 *              keep calls waiting); null when it answered or cannot be asked at all (no QEMU driver, an error)
 */
record QemuAnswer(List<QemuVcpu> vcpus, String late) {

    /** QEMU cannot be asked (another driver, no libvirt-qemu library, libvirt or QEMU refused). */
    static final QemuAnswer UNAVAILABLE = new QemuAnswer(null, null);

    QemuAnswer {
        vcpus = vcpus == null ? null : List.copyOf(vcpus);
    }

    static QemuAnswer of(List<QemuVcpu> vcpus) {
        return new QemuAnswer(vcpus, null);
    }

    static QemuAnswer late(String why) {
        return new QemuAnswer(null, why);
    }

    boolean answered() {
        return vcpus != null;
    }

    boolean isLate() {
        return late != null;
    }
}
