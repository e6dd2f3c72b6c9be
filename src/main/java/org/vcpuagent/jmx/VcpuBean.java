package org.vcpuagent.jmx;

import org.vcpuagent.common.ObjectNames;
import org.vcpuagent.domain.VcpuSnapshot;

import javax.management.MBeanNotificationInfo;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;
import java.util.function.Supplier;

/**
 * The {@link VcpuMXBean} of one vCPU: every read is a field of the domain's last {@link VcpuSnapshot}. Holds no
 * mutable state; the snapshot belongs to the connection's owner thread, which also registers and withdraws
 * this bean as the vCPU comes and goes.
 */
public final class VcpuBean implements VcpuMXBean {

    private static final MBeanNotificationInfo[] NO_NOTIFICATIONS = new MBeanNotificationInfo[0];

    private final String domain;
    private final int number;
    private final ObjectName objectName;
    private final Supplier<VcpuSnapshot> snapshot;

    /** @param connection the connection's alias for the ObjectName, or null with a single connection */
    public VcpuBean(String connection, String domain, int number, Supplier<VcpuSnapshot> snapshot) {
        this.domain = domain;
        this.number = number;
        this.snapshot = snapshot;
        this.objectName = ObjectNames.vcpu(connection, domain, number);
    }

    public ObjectName objectName() {
        return objectName;
    }

    /** This bean wrapped with its descriptions, ready to register. */
    public DescribedMBean<VcpuMXBean> asMBean() {
        return new DescribedMBean<>(this, VcpuMXBean.class, new NotificationBroadcasterSupport(NO_NOTIFICATIONS));
    }

    /**
     * The vCPU in the latest snapshot. Between a snapshot without it and its bean's withdrawal (both on the
     * owner, one after the other) a reader may find it gone: that is said, not hidden behind old figures.
     */
    private VcpuSnapshot.Vcpu vcpu() {
        return snapshot.get().vcpu(number).orElseThrow(() -> new IllegalStateException("vCPU " + number
                + " of domain '" + domain + "' is no longer online; its bean is being withdrawn"));
    }

    @Override
    public int getNumber() {
        return number;
    }

    @Override
    public String getDomain() {
        return domain;
    }

    @Override
    public String getState() {
        return vcpu().state();
    }

    @Override
    public int getStateCode() {
        return vcpu().stateCode();
    }

    @Override
    public long getCpuTimeNanos() {
        return vcpu().cpuTimeNanos();
    }

    @Override
    public int getCpu() {
        return vcpu().cpu();
    }

    @Override
    public Long getWaitNanos() {
        return vcpu().waitNanos();
    }

    @Override
    public Long getDelayNanos() {
        return vcpu().delayNanos();
    }

    @Override
    public Boolean getHalted() {
        return vcpu().halted();
    }

    @Override
    public String getAffinity() {
        return vcpu().affinity();
    }

    @Override
    public int getAffinityCpuCount() {
        return vcpu().affinityCpuCount();
    }

    @Override
    public double getUtilization() {
        return vcpu().utilization();
    }

    @Override
    public double getDelayFraction() {
        return vcpu().delayFraction();
    }

    @Override
    public long getStatsAgeMillis() {
        return snapshot.get().ageMillis();
    }

    @Override
    public boolean isStatsStale() {
        return snapshot.get().statsLateReason() != null;
    }

    @Override
    public String getStatsStaleReason() {
        return snapshot.get().statsLateReason();
    }

    @Override
    public int getDomainVcpuCount() {
        return snapshot.get().count();
    }

    @Override
    public int getDomainMaxVcpus() {
        return snapshot.get().maxVcpus();
    }

    @Override
    public boolean isDomainUnplugPending() {
        return snapshot.get().unplugPending();
    }

    @Override
    public String getDataSource() {
        String reason = snapshot.get().staleReason();
        return reason == null ? "libvirt" : "QEMU and libvirt's domain statistics, because " + reason;
    }
}
