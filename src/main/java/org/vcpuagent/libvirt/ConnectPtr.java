package org.vcpuagent.libvirt;

import com.sun.jna.PointerType;

/**
 * libvirt's {@code virConnectPtr}. A type of its own, so that the compiler refuses a domain pointer
 * where a connection is expected. Public with a public constructor only because JNA creates these
 * reflectively for return values and callback arguments; nothing outside the binding makes one.
 */
public final class ConnectPtr extends PointerType {
    public ConnectPtr() {
        super();
    }
}
