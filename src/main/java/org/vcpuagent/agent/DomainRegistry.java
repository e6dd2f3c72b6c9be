package org.vcpuagent.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.domain.StatsCache;
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
    private final StatsCache stats;
    private final Map<String, DomainVcpuBean> byUuid = new LinkedHashMap<>();
    /** byUuid's size, readable without the lock, which a sync holds while it asks libvirt about new domains. */
    private volatile int size;
    private volatile org.vcpuagent.jmx.HostBean announcer;

    /** @param connectionAlias the alias in the beans' ObjectNames, or null with a single connection */
    DomainRegistry(MBeanServer mbeanServer, Supplier<HostInfo> host, Runnable onDomainGone, String connectionAlias,
                   StatsCache stats) {
        this.mbeanServer = mbeanServer;
        this.host = host;
        this.onDomainGone = onDomainGone;
        this.connectionAlias = connectionAlias;
        this.stats = stats;
    }

    /** The Host bean that announces domains appearing and going. */
    void announceWith(org.vcpuagent.jmx.HostBean host) {
        this.announcer = host;
    }

    /**
     * Makes the registered beans match {@code active}, which this method takes ownership of: handles
     * of domains already registered are closed, the others are kept by their new beans.
     */
    synchronized void sync(List<Domain> active) {
        Set<String> seen = new HashSet<>();
        List<String> appeared = new ArrayList<>();
        for (Domain d : active) {
            seen.add(d.uuid());
            if (byUuid.containsKey(d.uuid())) {
                d.close();
            } else if (register(d)) {
                appeared.add(d.name());
            }
        }
        List<String> gone = new ArrayList<>();
        for (String uuid : new ArrayList<>(byUuid.keySet())) {
            if (!seen.contains(uuid)) {
                gone.add(byUuid.get(uuid).getName());
                remove(uuid);
            }
        }
        // One line per refresh, not per domain: a thousand log lines cost more than the registrations.
        if (!appeared.isEmpty()) {
            LOG.info("{} domain(s) appeared: {}", appeared.size(), abbreviate(appeared));
        }
        if (!gone.isEmpty()) {
            LOG.info("{} domain(s) went away: {}", gone.size(), abbreviate(gone));
        }
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 10 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 10)) + ", ... (" + (names.size() - 10) + " more)";
    }

    private boolean register(Domain d) {
        DomainVcpuBean bean = new DomainVcpuBean(d, host, onDomainGone, connectionAlias, stats);
        try {
            // The first look sets the baseline that later notifications compare with.
            bean.lookForChanges();
        } catch (LibvirtException e) {
            LOG.debug("first look at domain {} failed: {}", d.name(), e.getMessage());
        }
        try {
            mbeanServer.registerMBean(bean.asMBean(), bean.objectName());
            byUuid.put(d.uuid(), bean);
            size = byUuid.size();
            LOG.debug("domain {} appeared: registered {}", d.name(), bean.objectName());
            if (announcer != null) {
                announcer.domainChanged(true, d.name(), bean.objectName());
            }
            return true;
        } catch (JMException e) {
            LOG.error("cannot register the MBean of domain {}: {}", d.name(), e.toString());
            d.close();
            return false;
        }
    }

    synchronized void remove(String uuid) {
        DomainVcpuBean bean = byUuid.remove(uuid);
        if (bean == null) {
            return;
        }
        size = byUuid.size();
        try {
            mbeanServer.unregisterMBean(bean.objectName());
        } catch (JMException e) {
            LOG.warn("cannot unregister {}: {}", bean.objectName(), e.toString());
        }
        bean.domain().close();
        LOG.debug("domain {} went away: unregistered {}", bean.getName(), bean.objectName());
        if (announcer != null) {
            announcer.domainChanged(false, bean.getName(), bean.objectName());
        }
    }

    synchronized DomainVcpuBean bean(String uuid) {
        return byUuid.get(uuid);
    }

    synchronized List<DomainVcpuBean> beans() {
        return new ArrayList<>(byUuid.values());
    }

    /** Lock-free, so that a JMX read of DomainCount never waits for a sync in progress. */
    int size() {
        return size;
    }

    @Override
    public synchronized void close() {
        for (String uuid : new ArrayList<>(byUuid.keySet())) {
            remove(uuid);
        }
    }
}
