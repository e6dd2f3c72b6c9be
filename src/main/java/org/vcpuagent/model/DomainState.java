package org.vcpuagent.model;

import java.util.Locale;

/** libvirt's {@code virDomainState}, as the lower-case words {@code virsh domstate} prints without spaces. */
public enum DomainState {
    NOSTATE, RUNNING, BLOCKED, PAUSED, SHUTDOWN, SHUTOFF, CRASHED, PMSUSPENDED;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static String wordOf(int code) {
        DomainState[] all = values();
        return code >= 0 && code < all.length ? all[code].word() : "unknown(" + code + ")";
    }
}
