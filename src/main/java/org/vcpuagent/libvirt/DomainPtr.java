package org.vcpuagent.libvirt;

import com.sun.jna.Pointer;
import com.sun.jna.PointerType;

/**
 * libvirt's {@code virDomainPtr}. A type of its own, so that the compiler refuses a connection pointer
 * where a domain is expected. Public with a public constructor only because JNA creates these
 * reflectively for return values, structure fields and callback arguments; nothing outside the
 * binding makes one.
 */
public final class DomainPtr extends PointerType {
    public DomainPtr() {
        super();
    }

    /** The domain at {@code p}, an element of an array libvirt handed over. */
    static DomainPtr at(Pointer p) {
        DomainPtr d = new DomainPtr();
        d.setPointer(p);
        return d;
    }
}
