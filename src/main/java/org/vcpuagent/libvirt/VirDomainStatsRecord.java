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

    // A statistics read walks one record per domain; JNA's Structure costs reflection per record, so
    // DomainStatsReader reads the memory at these offsets (JNA's layout for this platform) instead.
    static final int DOM_OFFSET;
    static final int PARAMS_OFFSET;
    static final int NPARAMS_OFFSET;

    static {
        VirDomainStatsRecord layout = new VirDomainStatsRecord();
        DOM_OFFSET = layout.fieldOffset("dom");
        PARAMS_OFFSET = layout.fieldOffset("params");
        NPARAMS_OFFSET = layout.fieldOffset("nparams");
    }
}
