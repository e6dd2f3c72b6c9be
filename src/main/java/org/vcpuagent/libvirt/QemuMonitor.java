package org.vcpuagent.libvirt;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import org.vcpuagent.model.QemuVcpu;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Talks to a domain's QEMU monitor (QMP) through libvirt, for the facts libvirt itself gets wrong.
 *
 * <p>After a vCPU unplug that timed out, libvirt keeps believing in the vCPU QEMU already removed;
 * {@code query-cpus-fast} asks QEMU which vCPUs really exist. Every command taints the domain in
 * libvirt's eyes ({@code custom-monitor}), so use it to check, not to poll.
 */
public final class QemuMonitor {

    private static volatile QemuNative lib;

    private QemuMonitor() {
    }

    /** Whether {@code libvirt-qemu.so.0} can be loaded on this host. */
    public static boolean isAvailable() {
        try {
            qemu();
            return true;
        } catch (LibvirtException e) {
            return false;
        }
    }

    /**
     * Sends one QMP command, e.g. {@code {"execute":"query-cpus-fast"}}, and returns QEMU's reply as text.
     * A QEMU error comes back as a reply ({@code {"error":...}}), not as an exception; a libvirt failure
     * (domain not running, read-only connection, no QEMU driver) is a {@link LibvirtException}.
     */
    public static String command(Domain domain, String json) {
        QemuNative qemu = qemu();
        return domain.use(d -> {
            PointerByReference result = new PointerByReference();
            domain.check(d, qemu.virDomainQemuMonitorCommand(d, json, result, QemuNative.MONITOR_COMMAND_DEFAULT),
                    "virDomainQemuMonitorCommand(" + domain.name() + ")");
            Pointer reply = result.getValue();
            try {
                return reply.getString(0, StandardCharsets.UTF_8.name());
            } finally {
                LibvirtNative.free(reply);
            }
        });
    }

    /**
     * The vCPUs QEMU has now, ordered by {@code cpu-index}.
     *
     * @throws QemuMonitorException when QEMU answers with an error or with a reply of an unexpected shape
     */
    public static List<QemuVcpu> queryCpusFast(Domain domain) {
        return cpusOf(command(domain, "{\"execute\":\"query-cpus-fast\"}"), domain.name());
    }

    /** Reads a {@code query-cpus-fast} reply from {@code domainName}'s QEMU. */
    static List<QemuVcpu> cpusOf(String reply, String domainName) {
        List<QemuVcpu> vcpus = new ArrayList<>();
        try {
            for (Object entry : QmpJson.list(returnValue(reply, "query-cpus-fast"), "return")) {
                Map<String, Object> cpu = QmpJson.object(entry, "a return entry");
                vcpus.add(new QemuVcpu(QmpJson.intMember(cpu, "cpu-index"), QmpJson.longMember(cpu, "thread-id"),
                        QmpJson.stringMember(cpu, "qom-path")));
            }
        } catch (QmpJson.Malformed e) {
            throw new QemuMonitorException("unexpected query-cpus-fast reply from " + domainName + ": "
                    + e.getMessage() + "; reply: " + reply, e);
        }
        vcpus.sort(Comparator.comparingInt(QemuVcpu::cpuIndex));
        return vcpus;
    }

    /** The {@code return} member of a QMP reply; an {@code error} member becomes an exception. */
    static Object returnValue(String reply, String command) {
        Map<String, Object> top;
        try {
            top = QmpJson.object(QmpJson.parse(reply), "the reply");
        } catch (QmpJson.Malformed e) {
            throw new QemuMonitorException("QEMU's reply to " + command + " is not valid JSON: " + e.getMessage(), e);
        }
        if (top.get("error") instanceof Map<?, ?> error) {
            throw new QemuMonitorException("QEMU refused " + command + ": " + error.get("class") + ": "
                    + error.get("desc"), null);
        }
        if (!top.containsKey("return")) {
            throw new QemuMonitorException("QEMU's reply to " + command + " has no 'return': " + reply, null);
        }
        return top.get("return");
    }

    private static QemuNative qemu() {
        QemuNative l = lib;
        if (l == null) {
            synchronized (QemuMonitor.class) {
                l = lib;
                if (l == null) {
                    try {
                        l = QemuNative.load();
                    } catch (UnsatisfiedLinkError e) {
                        // Not cached: the library may be installed while the agent runs.
                        throw new LibvirtException("load libvirt-qemu.so.0", LibvirtException.ERR_NO_SUPPORT, 0,
                                "libvirt-qemu.so.0 cannot be loaded (" + e.getMessage() + ")");
                    }
                    lib = l;
                }
            }
        }
        return l;
    }
}
