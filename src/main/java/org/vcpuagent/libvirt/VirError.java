package org.vcpuagent.libvirt;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/** {@code struct _virError}, read through the pointer {@code virGetLastError} returns. */
@Structure.FieldOrder({"code", "domain", "message", "level", "conn", "dom", "str1", "str2", "str3",
        "int1", "int2", "net"})
public class VirError extends Structure {
    public int code;
    public int domain;
    public String message;
    public int level;
    public Pointer conn;
    public Pointer dom;
    public String str1;
    public String str2;
    public String str3;
    public int int1;
    public int int2;
    public Pointer net;

    public VirError() {
        super();
    }

    public VirError(Pointer p) {
        super(p);
        read();
    }
}
