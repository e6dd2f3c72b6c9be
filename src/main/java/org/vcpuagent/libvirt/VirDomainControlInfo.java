package org.vcpuagent.libvirt;

import com.sun.jna.Structure;

/** {@code struct _virDomainControlInfo}: two {@code unsigned int}s and an {@code unsigned long long}. */
@Structure.FieldOrder({"state", "details", "stateTime"})
public class VirDomainControlInfo extends Structure {
    public int state;
    public int details;
    public long stateTime;
}
