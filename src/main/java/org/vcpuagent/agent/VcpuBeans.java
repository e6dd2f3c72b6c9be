package org.vcpuagent.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.domain.DomainVcpus;
import org.vcpuagent.domain.VcpuSnapshot;
import org.vcpuagent.jmx.VcpuBean;

import javax.management.JMException;
import javax.management.MBeanServer;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;

/**
 * The per-vCPU beans of one domain ({@code libvirt.vcpu:type=Vcpu,...}): one per vCPU online in the domain's
 * snapshot, registered when the vCPU appears and withdrawn when it goes (grow, shrink, an unplug settling,
 * the domain's end). Owned by the connection's owner thread, like the snapshot they follow.
 */
final class VcpuBeans implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VcpuBeans.class);

    private final MBeanServer mbeanServer;
    private final String connectionAlias;
    private final DomainVcpus vcpus;
    private final TreeMap<Integer, VcpuBean> byNumber = new TreeMap<>();

    /** @param connectionAlias the alias in the beans' ObjectNames, or null with a single connection */
    VcpuBeans(MBeanServer mbeanServer, String connectionAlias, DomainVcpus vcpus) {
        this.mbeanServer = mbeanServer;
        this.connectionAlias = connectionAlias;
        this.vcpus = vcpus;
    }

    /** Makes the registered beans match the vCPUs of {@code snapshot}. */
    void follow(VcpuSnapshot snapshot) {
        Set<Integer> online = new HashSet<>();
        for (VcpuSnapshot.Vcpu v : snapshot.vcpus()) {
            online.add(v.number());
            if (!byNumber.containsKey(v.number())) {
                register(v.number());
            }
        }
        for (Integer n : Set.copyOf(byNumber.keySet())) {
            if (!online.contains(n)) {
                unregister(n);
            }
        }
    }

    private void register(int number) {
        VcpuBean bean = new VcpuBean(connectionAlias, vcpus.name(), number, vcpus::snapshot);
        try {
            mbeanServer.registerMBean(bean.asMBean(), bean.objectName());
            byNumber.put(number, bean);
        } catch (JMException e) {
            LOG.error("cannot register the MBean of vCPU {} of domain {}: {}", number, vcpus.name(), e.toString());
        }
    }

    private void unregister(int number) {
        VcpuBean bean = byNumber.remove(number);
        try {
            mbeanServer.unregisterMBean(bean.objectName());
        } catch (JMException e) {
            LOG.warn("cannot unregister {}: {}", bean.objectName(), e.toString());
        }
    }

    int size() {
        return byNumber.size();
    }

    /** Withdraws every vCPU bean of the domain. */
    @Override
    public void close() {
        for (Integer n : Set.copyOf(byNumber.keySet())) {
            unregister(n);
        }
    }
}
