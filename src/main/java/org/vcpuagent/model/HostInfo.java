package org.vcpuagent.model;

/**
 * The host as {@code virNodeGetInfo} and {@code virNodeGetCPUMap} describe it.
 *
 * @param cpus           active CPUs according to {@code virNodeGetInfo}
 * @param sockets        sockets per NUMA node, as libvirt counts them
 * @param presentCpus    how many CPUs libvirt's CPU maps cover ({@code virNodeGetCPUMap}); cpumaps and
 *                       cpulists are checked against this number
 * @param onlineCpus     the CPUs online now
 */
public record HostInfo(String model, long memoryKiB, int cpus, int mhz, int numaNodes, int sockets,
                       int coresPerSocket, int threadsPerCore, int presentCpus, CpuMap onlineCpus) {

    /** Bytes in a cpumap that covers every present CPU, as libvirt's {@code VIR_CPU_MAPLEN}. */
    public int mapLength() {
        return (presentCpus + 7) / 8;
    }
}
