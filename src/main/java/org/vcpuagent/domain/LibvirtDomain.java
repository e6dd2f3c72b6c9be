package org.vcpuagent.domain;

import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.DomainControl;
import org.vcpuagent.libvirt.DomainStatsReader;
import org.vcpuagent.libvirt.HandleClosedException;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.libvirt.QemuMonitor;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.DomainVcpuStats;
import org.vcpuagent.model.NumaTune;
import org.vcpuagent.model.VcpuInfo;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The domain's libvirt handle, with the binding's errors turned into {@link DomainCallException}s: the only
 * place above the binding that calls libvirt about one domain. Safe from any thread (libvirt's handles are).
 */
final class LibvirtDomain implements DomainCalls, AutoCloseable {

    /** libvirt's {@code virErrorDomain} values that tell its timeouts apart. */
    private static final int VIR_FROM_NONE = 0;
    private static final int VIR_FROM_QEMU = 10;

    private final Domain domain;
    private final QemuQuestions qemu;
    /** Why the domain's QEMU is known to keep calls waiting, as the owner last found; null when it answers. */
    private volatile String qemuKeepsWaiting;
    /** The live maximum cannot change while the domain runs: read once, by whichever thread asks first. */
    private volatile int maxVcpus = -1;

    /** @param calls where the owner's questions to QEMU run, so that a QEMU that does not answer holds no owner */
    LibvirtDomain(Domain domain, BoundedCalls calls) {
        this.domain = domain;
        this.qemu = new QemuQuestions(domain.name(), calls);
    }

    @Override
    public String name() {
        return domain.name();
    }

    @Override
    public String uuid() {
        return domain.uuid();
    }

    String state() {
        return ask(domain::state);
    }

    DomainControl control() {
        return ask(domain::control);
    }

    int maxVcpus() {
        int max = maxVcpus;
        if (max < 0) {
            max = ask(domain::maxVcpus);
            maxVcpus = max;
        }
        return max;
    }

    @Override
    public int vcpuCount() {
        return ask(domain::vcpuCount);
    }

    @Override
    public List<VcpuInfo> vcpus(int mapLength) {
        int max = maxVcpus();
        return ask(() -> domain.vcpus(max, mapLength));
    }

    @Override
    public List<CpuMap> pins(int mapLength) {
        int max = maxVcpus();
        return ask(() -> domain.vcpuPinInfo(max, mapLength));
    }

    CpuMap emulatorPin(int mapLength) {
        return ask(() -> domain.emulatorPinInfo(mapLength));
    }

    void setVcpus(int count, boolean persistent) {
        run(() -> domain.setVcpus(count, persistent));
    }

    void pinVcpu(int vcpu, byte[] cpumap) {
        run(() -> domain.pinVcpu(vcpu, cpumap));
    }

    void pinEmulator(byte[] cpumap) {
        run(() -> domain.pinEmulator(cpumap));
    }

    boolean isPersistent() {
        return ask(domain::isPersistent);
    }

    void pinVcpu(int vcpu, byte[] cpumap, boolean persistent) {
        run(() -> domain.pinVcpu(vcpu, cpumap, persistent));
    }

    void pinEmulator(byte[] cpumap, boolean persistent) {
        run(() -> domain.pinEmulator(cpumap, persistent));
    }

    Map<Integer, CpuMap> ioThreads() {
        return ask(domain::ioThreads);
    }

    void pinIoThread(int id, byte[] cpumap) {
        run(() -> domain.pinIoThread(id, cpumap));
    }

    void pinIoThread(int id, byte[] cpumap, boolean persistent) {
        run(() -> domain.pinIoThread(id, cpumap, persistent));
    }

    String xml() {
        return ask(domain::xmlDesc);
    }

    NumaTune numaTune() {
        return ask(domain::numaTune);
    }

    /** This domain's bulk statistics, asked for alone (when the connection's last read lacks them). */
    DomainVcpuStats statistics() {
        return ask(() -> DomainStatsReader.of(domain));
    }

    /** On the owner thread: not asked while QEMU is known to keep calls waiting or a question is still out. */
    @Override
    public QemuAnswer qemuVcpus() {
        if (!QemuMonitor.isAvailable()) {
            return QemuAnswer.UNAVAILABLE;
        }
        return qemu.vcpus(() -> QemuMonitor.queryCpusFast(domain), qemuKeepsWaiting);
    }

    /**
     * The IOThreads asked by the owner: libvirt takes the domain's job and asks QEMU. Empty when not asked (a question
     * to QEMU is out, or QEMU is known to keep calls waiting) or not answered in time.
     */
    Optional<Map<Integer, CpuMap>> ioThreadsBounded() {
        return qemu.other("virDomainGetIOThreadInfo", this::ioThreads, qemuKeepsWaiting);
    }

    /** What the owner found of whether QEMU keeps calls waiting (libvirt's control info): null when it answers. */
    void qemuKeepsWaiting(String reason) {
        qemuKeepsWaiting = reason;
    }

    /** As the owner last found; null when QEMU answers. Any thread. */
    String qemuKeepsWaitingReason() {
        return qemuKeepsWaiting;
    }

    /** Why QEMU was not asked for its vCPUs when the owner wanted them (no room); null when it was. Any thread. */
    String qemuVcpusNotAsked() {
        return qemu.vcpusNotAsked();
    }

    /** Why the owner's question to QEMU is unanswered; null when none is out. Any thread. */
    String qemuUnanswered() {
        return qemu.unanswered();
    }

    private void run(Runnable call) {
        ask(() -> {
            call.run();
            return null;
        });
    }

    private <T> T ask(Supplier<T> call) {
        try {
            return call.get();
        } catch (LibvirtException e) {
            throw translate(e);
        } catch (HandleClosedException e) {
            // The owner withdrew the domain (it stopped or went away) while this call was on its way.
            throw new DomainCallException(DomainCallException.Kind.HANDLE_CLOSED, -1, "domain '" + name()
                    + "' is no longer managed by this agent: it stopped or went away while the call ran, and its "
                    + "bean is withdrawn", e);
        }
    }

    private DomainCallException translate(LibvirtException e) {
        if (e.isDomainGone()) {
            return new DomainCallException(DomainCallException.Kind.DOMAIN_GONE, e.getCode(), "domain '" + name()
                    + "' is no longer running or no longer exists: " + e.getMessage(), e);
        }
        DomainCallException.Kind kind = e.isConnectionLost() ? DomainCallException.Kind.CONNECTION_LOST
                : DomainCallException.Kind.REFUSED;
        return new DomainCallException(kind, e.getCode(), e.getMessage(), e);
    }

    /** libvirt's own message, without the operation and code around it. */
    static String libvirtMessage(DomainCallException e) {
        return e.getCause() instanceof LibvirtException l && l.getLibvirtMessage() != null ? l.getLibvirtMessage()
                : e.getMessage();
    }

    /**
     * libvirt timed out on a vCPU unplug it had started (the QEMU driver's own timeout), as opposed to its wait for
     * the domain's job ({@link #isJobWaitTimeout}): both have the same code, and only the error domain tells them
     * apart without reading libvirt's translated message.
     */
    static boolean isUnplugTimeout(DomainCallException e) {
        return e.libvirtCode() == LibvirtException.ERR_OPERATION_TIMEOUT && errorDomain(e) == VIR_FROM_QEMU;
    }

    /**
     * libvirt gave up waiting 30 s for the domain's job ("cannot acquire state change lock"), raised by libvirt's
     * shared job code (error domain {@code VIR_FROM_NONE}): nothing was done.
     */
    static boolean isJobWaitTimeout(DomainCallException e) {
        return e.libvirtCode() == LibvirtException.ERR_OPERATION_TIMEOUT && errorDomain(e) == VIR_FROM_NONE;
    }

    private static int errorDomain(DomainCallException e) {
        return e.getCause() instanceof LibvirtException l ? l.getErrorDomain() : -1;
    }

    @Override
    public void close() {
        domain.close();
    }
}
