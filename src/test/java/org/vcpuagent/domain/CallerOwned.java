package org.vcpuagent.domain;

import java.util.function.Supplier;

/** For tests without an agent: the calling thread is the owner, so every handed-over task runs at once. */
public final class CallerOwned implements OwnerThread {

    @Override
    public void post(Runnable task) {
        task.run();
    }

    @Override
    public <T> T await(String what, Supplier<T> task) {
        return task.get();
    }
}
