package org.vcpuagent.libvirt;

import com.sun.jna.Pointer;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A libvirt object pointer that many threads may use at once and one thread frees.
 *
 * <p>Calls hold the read lock, so the pointer cannot be freed under a call in flight; freeing
 * takes the write lock and happens once. A use after free is a clear exception, never a crash.
 */
final class NativeHandle {

    private final String what;
    private final Pointer ptr;
    private final Consumer<Pointer> freeer;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean freed;

    NativeHandle(String what, Pointer ptr, Consumer<Pointer> freeer) {
        this.what = what;
        this.ptr = ptr;
        this.freeer = freeer;
    }

    <T> T use(Function<Pointer, T> call) {
        lock.readLock().lock();
        try {
            if (freed) {
                throw new HandleClosedException(what + " is closed");
            }
            return call.apply(ptr);
        } finally {
            lock.readLock().unlock();
        }
    }

    boolean isFreed() {
        lock.readLock().lock();
        try {
            return freed;
        } finally {
            lock.readLock().unlock();
        }
    }

    void free() {
        lock.writeLock().lock();
        try {
            if (!freed) {
                freed = true;
                freeer.accept(ptr);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
