package org.vcpuagent.jmx;

import org.vcpuagent.libvirt.HandleClosedException;
import org.vcpuagent.libvirt.LibvirtException;

/**
 * What a JMX client receives when libvirt refuses. Only JDK exception types cross the wire: a
 * JConsole without our jar could not unmarshal a {@link LibvirtException}, and would show a
 * ClassNotFoundException instead of libvirt's message.
 */
final class ClientErrors {

    private ClientErrors() {
    }

    static RuntimeException of(LibvirtException e, String domainName) {
        if (e.isDomainGone()) {
            return new IllegalStateException("domain '" + domainName + "' is no longer running or no longer exists: "
                    + e.getMessage());
        }
        return new IllegalStateException(e.getMessage());
    }

    static RuntimeException of(HandleClosedException e, String domainName) {
        return new IllegalStateException("domain '" + domainName + "' is no longer managed by this agent: "
                + e.getMessage());
    }
}
