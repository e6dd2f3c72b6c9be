package org.vcpuagent.libvirt;

/** A libvirt handle was used after the agent closed it, e.g. a bean called while being unregistered. */
public class HandleClosedException extends IllegalStateException {
    public HandleClosedException(String message) {
        super(message);
    }
}
