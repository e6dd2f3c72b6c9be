package org.vcpuagent.libvirt;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code struct _virDomainStatsRecord}: one domain's statistics. Everything it points to is owned by
 * the list it came in and freed with {@code virDomainStatsRecordListFree}, never one by one.
 * JNA asks every structure for a public no-argument constructor; the binding reads records through the other.
 */
@Structure.FieldOrder({"dom", "params", "nparams"})
public class VirDomainStatsRecord extends Structure {
    public DomainPtr dom;
    public Pointer params;
    public int nparams;

    public VirDomainStatsRecord() {
        super();
    }

    public VirDomainStatsRecord(Pointer p) {
        super(p);
        read();
    }
}
