package org.vcpuagent.model;

/** libvirt's {@code virVcpuState}, as lower-case words. */
public enum VcpuState {
    OFFLINE, RUNNING, BLOCKED;

    /** Made once: every snapshot of every vCPU asks for its state's word, and values() copies the array. */
    private static final VcpuState[] ALL = values();
    private final String word = name().toLowerCase(java.util.Locale.ROOT);

    public String word() {
        return word;
    }

    /** The word for libvirt's number; an unknown number is shown, not hidden. */
    public static String wordOf(int code) {
        return code >= 0 && code < ALL.length ? ALL[code].word() : "unknown(" + code + ")";
    }
}
