package org.vcpuagent.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.model.HostInfo;

import javax.management.JMException;
import javax.management.MBeanServer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One {@link DomainVcpuBean} per running or paused domain, registered while the domain is active.
 * Domains are told apart by UUID, so a domain that is renamed or restarted is tracked correctly.
 */
final class DomainRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DomainRegistry.class);

    private final MBeanServer mbeanServer;
    private final Supplier<HostInfo> host;
    private final Runnable onDomainGone;
    private final String connectionAlias;
    private final Map<String, DomainVcpuBean> byUuid = new LinkedHashMap<>();

    /** @param connectionAlias the alias in the beans' ObjectNames, or null with a single connection */
    DomainRegistry(MBeanServer mbeanServer, Supplier<HostInfo> host, Runnable onDomainGone, String connectionAlias) {
        this.mbeanServer = mbeanServer;
        this.host = host;
        this.onDomainGone = onDomainGone;
        this.connectionAlias = connectionAlias;
    }

    /**
     * Makes the registered beans match {@code active}, which this method takes ownership of: handles
     * of domains already registered are closed, the others are kept by their new beans.
     */
    synchronized void sync(List<Domain> active) {
        Set<String> seen = new HashSet<>();
        for (Domain d : active) {
            seen.add(d.uuid());
            if (byUuid.containsKey(d.uuid())) {
                d.close();
            } else {
                register(d);
            }
        }
        for (String uuid : new ArrayList<>(byUuid.keySet())) {
            if (!seen.contains(uuid)) {
                remove(uuid);
            }
        }
    }

    private void register(Domain d) {
        DomainVcpuBean bean = new DomainVcpuBean(d, host, onDomainGone, connectionAlias);
        try {
            // The first look sets the baseline that later notifications compare with.
            bean.lookForChanges();
        } catch (LibvirtException e) {
            LOG.debug("first look at domain {} failed: {}", d.name(), e.getMessage());
        }
        try {
            mbeanServer.registerMBean(bean.asMBean(), bean.objectName());
            byUuid.put(d.uuid(), bean);
            LOG.info("domain {} appeared: registered {}", d.name(), bean.objectName());
        } catch (JMException e) {
            LOG.error("cannot register the MBean of domain {}: {}", d.name(), e.toString());
            d.close();
        }
    }

    synchronized void remove(String uuid) {
        DomainVcpuBean bean = byUuid.remove(uuid);
        if (bean == null) {
            return;
        }
        try {
            mbeanServer.unregisterMBean(bean.objectName());
        } catch (JMException e) {
            LOG.warn("cannot unregister {}: {}", bean.objectName(), e.toString());
        }
        bean.domain().close();
        LOG.info("domain {} went away: unregistered {}", bean.getName(), bean.objectName());
    }

    synchronized DomainVcpuBean bean(String uuid) {
        return byUuid.get(uuid);
    }

    synchronized List<DomainVcpuBean> beans() {
        return new ArrayList<>(byUuid.values());
    }

    synchronized int size() {
        return byUuid.size();
    }

    @Override
    public synchronized void close() {
        for (String uuid : new ArrayList<>(byUuid.keySet())) {
            remove(uuid);
        }
    }
}
