package org.vcpuagent.libvirt;

/**
 * QEMU answered a monitor command with an error, or with a reply this agent cannot read. libvirt itself
 * succeeded, so this is not a {@link LibvirtException}.
 */
public class QemuMonitorException extends RuntimeException {
    public QemuMonitorException(String message, Throwable cause) {
        super(message, cause);
    }
}
