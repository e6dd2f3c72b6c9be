package org.vcpuagent.libvirt;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libvirt's default event loop, run on one daemon thread for the whole process.
 *
 * <p>Domain events, keepalive and close callbacks are all delivered from here, so it must be
 * registered before the first connection is opened ({@link Connection#open} makes sure of that)
 * and must never stop. Callbacks run on this thread and must not block.
 */
public final class EventLoop {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);
    private static Thread thread;

    private EventLoop() {
    }

    static synchronized void ensureRunning() {
        if (thread != null) {
            return;
        }
        Errors.init();
        Errors.check(LibvirtNative.INSTANCE.virEventRegisterDefaultImpl(), "virEventRegisterDefaultImpl");
        thread = new Thread(EventLoop::run, "libvirt-event-loop");
        thread.setDaemon(true);
        thread.start();
    }

    private static void run() {
        while (true) {
            if (LibvirtNative.INSTANCE.virEventRunDefaultImpl() < 0) {
                LOG.warn("libvirt event loop iteration failed: {}", Errors.last("virEventRunDefaultImpl").getMessage());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

}
