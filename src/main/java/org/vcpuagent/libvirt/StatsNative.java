package org.vcpuagent.libvirt;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/**
 * The JNA mapping of libvirt's bulk domain statistics ({@code libvirt-domain.h}).
 *
 * <p>Kept apart from {@link LibvirtNative} so that statistics can grow without touching the core
 * mapping; both load the same {@code libvirt.so.0}, so pointers from one are valid in the other.
 * The record lists these calls hand over are freed only by {@link #virDomainStatsRecordListFree},
 * which also frees every record's parameters and drops every record's domain reference.
 */
interface StatsNative extends Library {

    StatsNative INSTANCE = Native.load("virt", StatsNative.class);

    /** {@code VIR_DOMAIN_STATS_STATE}: {@code state.state}, {@code state.reason}. */
    int STATS_STATE = 1;
    /** {@code VIR_DOMAIN_STATS_VCPU}: {@code vcpu.current}, {@code vcpu.maximum}, {@code vcpu.N.*}. */
    int STATS_VCPU = 1 << 3;
    /** {@code VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE} (= {@code VIR_CONNECT_LIST_DOMAINS_ACTIVE}). */
    int GET_ALL_DOMAINS_STATS_ACTIVE = 1;
    /** {@code VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT}: do not wait for a domain's job to read its stats. */
    int GET_ALL_DOMAINS_STATS_NOWAIT = 1 << 29;

    /**
     * Fills {@code retStats} with a NULL-terminated array of {@code virDomainStatsRecordPtr}.
     *
     * @return the number of records, or -1 with libvirt's last error set
     */
    int virConnectGetAllDomainStats(ConnectPtr conn, int stats, PointerByReference retStats, int flags);

    /**
     * As {@link #virConnectGetAllDomainStats} for the NULL-terminated array {@code doms} of
     * {@code virDomainPtr}s: bare pointers, because JNA passes a {@code Pointer[]} as it is.
     */
    int virDomainListGetStats(Pointer[] doms, int stats, PointerByReference retStats, int flags);

    /** Frees the array, its records, their parameters and their domain references. NULL is allowed. */
    void virDomainStatsRecordListFree(Pointer stats);
}
