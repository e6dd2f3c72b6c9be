package org.vcpuagent.common;

import java.util.concurrent.ThreadFactory;

/** Daemon threads with a fixed name, so that a stack dump shows whose thread it is and none keeps the JVM up. */
public final class NamedDaemonThreads implements ThreadFactory {

    private final String name;

    public NamedDaemonThreads(String name) {
        this.name = name;
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
