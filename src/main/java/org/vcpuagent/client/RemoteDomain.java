package org.vcpuagent.client;

import org.vcpuagent.common.ObjectNames;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.NumaTune;
import org.vcpuagent.model.VcpuReading;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A typed view of one domain's {@code libvirt.vcpu:type=Domain,name=<name>} bean over JMX (with
 * {@code connection=<alias>} too when the agent has several libvirt connections): what
 * {@code JMX.newMXBeanProxy} would give for {@link org.vcpuagent.jmx.DomainVcpuMXBean}, if it could
 * read the {@code Vcpus} table (served as raw {@code TabularData}) and knew that
 * {@code changeVcpuCount} is the operation {@code setVcpus}.
 *
 * <p>Every method is one JMX call, answered from libvirt at that moment. Errors are as described on
 * {@link VcpuAgentClient}.
 */
public final class RemoteDomain {

    static final String SET_VCPUS = "setVcpus";
    static final String PIN_VCPU = "pinVcpu";
    static final String PIN_VCPU_MAP = "pinVcpuMap";
    static final String PIN_EMULATOR = "pinEmulator";
    static final String REFRESH = "refresh";
    static final String PIN_VCPU_LIVE_AND_CONFIG = "pinVcpuLiveAndConfig";
    static final String PIN_EMULATOR_LIVE_AND_CONFIG = "pinEmulatorLiveAndConfig";
    static final String PIN_IO_THREAD = "pinIoThread";
    static final String PLAN_PLACEMENT = "planPlacement";
    static final String APPLY_PLACEMENT = "applyPlacement";
    static final String RESTORE_PLACEMENT = "restorePlacement";

    private static final String[] INT = {"int"};
    private static final String[] INT_BOOLEAN = {"int", "boolean"};
    private static final String[] INT_STRING = {"int", String.class.getName()};
    private static final String[] INT_BYTES = {"int", byte[].class.getName()};
    private static final String[] STRING = {String.class.getName()};
    private static final String[] STRING_BOOLEAN = {String.class.getName(), "boolean"};

    private final MBeanServerConnection connection;
    private final ObjectName bean;
    private final String name;
    /** The connection's alias in the bean's name, or null. */
    private final String alias;

    RemoteDomain(MBeanServerConnection connection, ObjectName bean, String name) {
        this.connection = connection;
        this.bean = bean;
        this.name = name;
        this.alias = ObjectNames.connection(bean);
    }

    /** The domain's name, as given to {@link VcpuAgentClient#domain(String, String)}. */
    public String name() {
        return name;
    }

    public ObjectName objectName() {
        return bean;
    }

    /** The alias of the domain's libvirt connection; null when the agent has a single connection. */
    public String connectionAlias() {
        return alias;
    }

    /**
     * The host CPUs libvirt's CPU maps cover on this domain's connection (its Host bean's
     * {@code PresentCpus}): cpulists may name CPUs 0 to this - 1.
     */
    public int presentCpus() {
        return presentCpus(connection, ObjectNames.host(alias));
    }

    static int presentCpus(MBeanServerConnection connection, ObjectName host) {
        return (Integer) RemoteCall.run(null, "PresentCpus", () -> connection.getAttribute(host, "PresentCpus"));
    }

    public String uuid() {
        return (String) attribute("Uuid");
    }

    /** running, paused, blocked, shutdown, shutoff, crashed, pmsuspended or nostate. */
    public String state() {
        return (String) attribute("State");
    }

    /** How many vCPUs the running domain has now (virsh vcpucount: current live). */
    public int vcpuCount() {
        return (Integer) attribute("VcpuCount");
    }

    /** The most vCPUs the running domain can have (virsh vcpucount: maximum live). */
    public int maxVcpus() {
        return (Integer) attribute("MaxVcpus");
    }

    /** One reading per vCPU, by number (virsh vcpuinfo). */
    public List<VcpuReading> vcpus() {
        return readings((TabularData) attribute("Vcpus"));
    }

    /** The configured pinning of each vCPU as cpulist text, by vCPU number (virsh vcpupin). */
    public Map<Integer, String> pinInfo() {
        return byNumber((TabularData) attribute("PinInfo"), "key", "value");
    }

    /** Where the emulator threads may run, as cpulist text (virsh emulatorpin). */
    public String emulatorPin() {
        return (String) attribute("EmulatorPin");
    }

    /** The domain's IOThreads: each one's affinity as cpulist text, by IOThread id (virsh iothreadinfo). */
    public Map<Integer, String> ioThreads() {
        return byNumber((TabularData) attribute("IoThreads"), "id", "affinity");
    }

    /** A table's text column {@code value} by its number column {@code key}, in key order. */
    private static Map<Integer, String> byNumber(TabularData table, String key, String value) {
        Map<Integer, String> out = new TreeMap<>();
        for (Object row : table.values()) {
            CompositeData r = (CompositeData) row;
            out.put((Integer) r.get(key), (String) r.get(value));
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * The memory's NUMA tuning (virsh numatune), read from the agent's {@code NumaTune} text
     * ({@code mode=strict nodeset=0}, or {@code none}: then mode and nodeset are empty).
     */
    public NumaTune numaTune() {
        String text = (String) attribute("NumaTune");
        int nodeset = text.indexOf(" nodeset=");
        if (!text.startsWith("mode=") || nodeset < 0) {
            return new NumaTune("", "");
        }
        return new NumaTune(text.substring("mode=".length(), nodeset), text.substring(nodeset + " nodeset=".length()));
    }

    /** 'libvirt', or where the vCPU data comes from instead and why. */
    public String dataSource() {
        return (String) attribute("DataSource");
    }

    /** 'none', or the unplug the agent is following. */
    public String unplugStatus() {
        return (String) attribute("UnplugStatus");
    }

    /**
     * Several attributes in one round trip, by name. Attributes the agent could not read are left
     * out, as JMX's {@code getAttributes} does.
     */
    public Map<String, Object> attributes(String... names) {
        AttributeList list = RemoteCall.run(name, alias, "getAttributes", () -> connection.getAttributes(bean, names));
        Map<String, Object> out = new HashMap<>();
        for (Attribute a : list.asList()) {
            out.put(a.getName(), a.getValue());
        }
        return out;
    }

    /**
     * Changes the vCPU count of the running domain (virsh setvcpus --live).
     *
     * @return the agent's account of what happened; it starts with "unplug pending" when the guest
     *         has not finished a shrink within libvirt's timeout
     */
    public String setVcpus(int count) {
        return (String) invoke(SET_VCPUS, new Object[] {count}, INT);
    }

    /** As {@link #setVcpus(int)}, and with {@code persistent} also the persistent configuration (--config). */
    public String setVcpus(int count, boolean persistent) {
        return (String) invoke(SET_VCPUS, new Object[] {count, persistent}, INT_BOOLEAN);
    }

    /** Pins one vCPU to host CPUs given as cpulist text such as {@code 0-3,8}, {@code ^2} or {@code r} (virsh vcpupin). */
    public void pinVcpu(int vcpu, String cpulist) {
        invoke(PIN_VCPU, new Object[] {vcpu, cpulist}, INT_STRING);
    }

    /** Pins one vCPU with a raw cpumap: byte 0 holds CPUs 0-7, lowest CPU in the least significant bit. */
    public void pinVcpuMap(int vcpu, byte[] cpumap) {
        invoke(PIN_VCPU_MAP, new Object[] {vcpu, cpumap}, INT_BYTES);
    }

    /** Pins the emulator threads to host CPUs given as cpulist text (virsh emulatorpin). */
    public void pinEmulator(String cpulist) {
        invoke(PIN_EMULATOR, new Object[] {cpulist}, STRING);
    }

    /**
     * As {@link #pinVcpu(int, String)}, and with {@code persistent} also in the persistent configuration
     * (virsh vcpupin --live --config); the agent refuses that for a transient domain.
     */
    public void pinVcpu(int vcpu, String cpulist, boolean persistent) {
        if (persistent) {
            invoke(PIN_VCPU_LIVE_AND_CONFIG, new Object[] {vcpu, cpulist}, INT_STRING);
        } else {
            pinVcpu(vcpu, cpulist);
        }
    }

    /** As {@link #pinEmulator(String)}, and with {@code persistent} also in the persistent configuration. */
    public void pinEmulator(String cpulist, boolean persistent) {
        if (persistent) {
            invoke(PIN_EMULATOR_LIVE_AND_CONFIG, new Object[] {cpulist}, STRING);
        } else {
            pinEmulator(cpulist);
        }
    }

    /** Pins one IOThread, by its id, to host CPUs given as cpulist text (virsh iothreadpin). */
    public void pinIoThread(int id, String cpulist) {
        invoke(PIN_IO_THREAD, new Object[] {id, cpulist}, INT_STRING);
    }

    /**
     * The placement {@code policy} gives this domain, changing nothing: the agent's plan text, one line per vCPU
     * ({@code vcpu 0 -> cpu 4}), one for the emulator threads ({@code emulator -> cpus 4-5}), one per IOThread
     * ({@code iothread 1 -> cpus 4-5}), then its warnings
     * ({@code warning: ...}). See placement.md for the policy grammar.
     */
    public String planPlacement(String policy) {
        return (String) invoke(PLAN_PLACEMENT, new Object[] {policy}, STRING);
    }

    /** Plans as {@link #planPlacement} and applies it, live and with {@code persistent} persistently too; all or nothing. */
    public String applyPlacement(String policy, boolean persistent) {
        return (String) invoke(APPLY_PLACEMENT, new Object[] {policy, persistent}, STRING_BOOLEAN);
    }

    /** Puts back the pinning the last {@link #applyPlacement} replaced; says what it put back. */
    public String restorePlacement() {
        return (String) invoke(RESTORE_PLACEMENT, null, null);
    }

    /** Has the agent read the domain from libvirt now and announce changes. */
    public void refresh() {
        invoke(REFRESH, null, null);
    }

    private Object attribute(String attribute) {
        return RemoteCall.run(name, alias, attribute, () -> connection.getAttribute(bean, attribute));
    }

    private Object invoke(String operation, Object[] params, String[] signature) {
        return RemoteCall.run(name, alias, operation, () -> connection.invoke(bean, operation, params, signature));
    }

    /** The rows of a {@code Vcpus} table, sorted by vCPU number; affinity is taken from the cpumap bytes. */
    static List<VcpuReading> readings(TabularData table) {
        List<VcpuReading> out = new ArrayList<>(table.size());
        for (Object row : table.values()) {
            CompositeData r = (CompositeData) row;
            byte[] cpumap = (byte[]) item(r, "cpumap");
            String text = (String) r.get("affinity");
            CpuMap affinity = cpumap != null ? CpuMap.fromBytes(cpumap)
                    : text == null || text.isEmpty() ? CpuMap.of() : CpuMap.parse(text, Integer.MAX_VALUE);
            out.add(new VcpuReading((Integer) r.get("number"), (String) r.get("state"), (Long) r.get("cpuTime"),
                    (Integer) r.get("cpu"), affinity, (Long) item(r, "wait"), (Long) item(r, "delay"),
                    (Boolean) item(r, "halted"), (String) item(r, "source")));
        }
        out.sort(Comparator.comparingInt(VcpuReading::number));
        return Collections.unmodifiableList(out);
    }

    /** An item an older agent may not send. */
    private static Object item(CompositeData row, String key) {
        return row.containsKey(key) ? row.get(key) : null;
    }

    @Override
    public String toString() {
        return "RemoteDomain[" + bean + "]";
    }
}
