package org.vcpuagent.libvirt;

import com.sun.jna.Pointer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps JNA callbacks reachable for exactly as long as libvirt holds them.
 *
 * <p>A JNA callback that is garbage-collected while libvirt still holds its function pointer makes
 * the next event jump into freed memory. Each registration gets an id, passed to libvirt as the
 * {@code opaque} pointer; libvirt calls {@link #RELEASE} with it when it lets go (after
 * deregistration, or when the connection is freed), and only then is the callback dropped.
 */
final class CallbackKeeper {

    private static final Map<Long, Object> HELD = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT = new AtomicLong(1);

    /** Static, so it lives as long as the process: libvirt may call it at any time. */
    static final LibvirtNative.FreeCallback RELEASE = opaque -> HELD.remove(Pointer.nativeValue(opaque));

    private CallbackKeeper() {
    }

    /** Holds {@code callback} and returns the opaque pointer to register it with. */
    static Pointer hold(Object callback) {
        long id = NEXT.getAndIncrement();
        HELD.put(id, callback);
        return new Pointer(id);
    }

    /** Drops a callback whose registration failed, so libvirt never held it. */
    static void drop(Pointer opaque) {
        HELD.remove(Pointer.nativeValue(opaque));
    }
}
