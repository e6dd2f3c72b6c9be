package org.vcpuagent.model;

/** libvirt's {@code virVcpuState}, as lower-case words. */
public enum VcpuState {
    OFFLINE, RUNNING, BLOCKED;

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The word for libvirt's number; an unknown number is shown, not hidden. */
    public static String wordOf(int code) {
        VcpuState[] all = values();
        return code >= 0 && code < all.length ? all[code].word() : "unknown(" + code + ")";
    }
}
