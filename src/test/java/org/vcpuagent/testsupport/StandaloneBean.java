package org.vcpuagent.testsupport;

import org.vcpuagent.domain.CallerOwned;
import org.vcpuagent.domain.DomainVcpus;
import org.vcpuagent.domain.StatsCache;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.model.HostInfo;

import java.util.function.Supplier;

/** A domain bean without an agent around it, owned by the calling thread: for tests of the bean alone. */
public final class StandaloneBean {

    private StandaloneBean() {
    }

    /** @param domain the handle, which the bean's domain layer now owns */
    public static DomainVcpuBean of(Domain domain, Supplier<HostInfo> host, Runnable onDomainGone) {
        DomainVcpuBean bean = new DomainVcpuBean(domain.name(), domain.uuid(), null, host, onDomainGone);
        bean.serve(new DomainVcpus(domain, host, new StatsCache(), new CallerOwned(), bean));
        return bean;
    }
}
