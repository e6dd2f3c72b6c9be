package org.vcpuagent.libvirt;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.PointerByReference;

/**
 * The JNA mapping of {@code libvirt-qemu.so.0}, the QEMU-only part of libvirt ({@code libvirt-qemu.h}).
 *
 * <p>A separate library that a host may lack, so it is loaded on first use through {@link #load()} and
 * never from a static field: the rest of the binding must work without it. It shares
 * {@code libvirt.so.0} with {@link LibvirtNative}, so its errors are read with {@link Errors} as usual.
 */
interface QemuNative extends Library {

    /** {@code VIR_DOMAIN_QEMU_MONITOR_COMMAND_DEFAULT}: the command is QMP JSON. */
    int MONITOR_COMMAND_DEFAULT = 0;

    /**
     * Sends {@code cmd} to the domain's QEMU monitor. {@code result} receives QEMU's whole reply (also an
     * error reply) as a string the caller frees. Needs a read-write connection, and libvirt marks the
     * domain as tainted ({@code custom-monitor}) because it cannot know what the command changed.
     */
    int virDomainQemuMonitorCommand(DomainPtr domain, String cmd, PointerByReference result, int flags);

    /** Loads {@code libvirt-qemu.so.0} (the Debian package libvirt0 ships it); throws when it is missing. */
    static QemuNative load() {
        return Native.load("virt-qemu", QemuNative.class);
    }
}
