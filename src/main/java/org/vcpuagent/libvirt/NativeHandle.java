package org.vcpuagent.libvirt;

import com.sun.jna.PointerType;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A libvirt object pointer that many threads may use at once and one thread frees.
 *
 * <p>Calls hold the read lock, so the pointer cannot be freed under a call in flight; freeing
 * takes the write lock and happens once. A use after free is a clear exception, never a crash.
 *
 * @param <P> the kind of libvirt object, so that a call is handed the pointer type it expects
 */
final class NativeHandle<P extends PointerType> {

    private final String what;
    private final P ptr;
    private final Consumer<P> freeer;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean freed;

    NativeHandle(String what, P ptr, Consumer<P> freeer) {
        this.what = what;
        this.ptr = ptr;
        this.freeer = freeer;
    }

    <T> T use(Function<P, T> call) {
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
