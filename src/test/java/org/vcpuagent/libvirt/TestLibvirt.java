package org.vcpuagent.libvirt;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.NativeLongByReference;
import org.vcpuagent.model.DomainVcpuStats;

import java.util.Map;

/**
 * What tests ask of libvirt and the agent never does: find a domain by name, start and stop one, read the
 * persistent configuration, and read statistics waiting for busy domains. Kept out of the binding so that
 * the agent's code holds only what it uses; in this package so that it goes through the same handles,
 * error reading and error classification as the agent's calls.
 */
public final class TestLibvirt {

    /** The natives only tests call. */
    interface TestNative extends Library {
        TestNative INSTANCE = Native.load("virt", TestNative.class);

        int virGetVersion(NativeLongByReference libVer, String type, NativeLongByReference typeVer);

        DomainPtr virDomainLookupByName(ConnectPtr conn, String name);

        DomainPtr virDomainCreateXML(ConnectPtr conn, String xml, int flags);

        DomainPtr virDomainDefineXML(ConnectPtr conn, String xml);

        int virDomainUndefine(DomainPtr domain);

        int virDomainCreate(DomainPtr domain);

        int virDomainDestroy(DomainPtr domain);
    }

    private static final TestNative LIB = TestNative.INSTANCE;

    private TestLibvirt() {
    }

    /** The version of the libvirt library loaded in this process, e.g. {@code 9.0.0}. */
    public static String libraryVersion() {
        Errors.init();
        NativeLongByReference v = new NativeLongByReference();
        Errors.check(LIB.virGetVersion(v, null, null), "virGetVersion");
        return Connection.versionText(v.getValue().longValue());
    }

    /** The domain called {@code name}; the caller closes it. */
    public static Domain lookupByName(Connection connection, String name) {
        return connection.use(c -> wrap(connection, c, LIB.virDomainLookupByName(c, name),
                "virDomainLookupByName(" + name + ")"));
    }

    /** Starts a transient domain from XML ({@code virsh create}); the caller closes the handle. */
    public static Domain createXml(Connection connection, String xml) {
        return connection.use(c -> wrap(connection, c, LIB.virDomainCreateXML(c, xml, 0), "virDomainCreateXML"));
    }

    /** Defines a persistent domain that is not started ({@code virsh define}); the caller closes the handle. */
    public static Domain defineXml(Connection connection, String xml) {
        return connection.use(c -> wrap(connection, c, LIB.virDomainDefineXML(c, xml), "virDomainDefineXML"));
    }

    private static Domain wrap(Connection connection, ConnectPtr c, DomainPtr d, String operation) {
        if (d == null) {
            throw connection.failure(c, operation);
        }
        return new Domain(connection, d);
    }

    /** Stops the domain at once ({@code virsh destroy}). */
    public static void destroy(Domain domain) {
        domain.use(d -> domain.check(d, LIB.virDomainDestroy(d), "virDomainDestroy(" + domain.name() + ")"));
    }

    /** Starts a defined domain ({@code virsh start}). */
    public static void start(Domain domain) {
        domain.use(d -> domain.check(d, LIB.virDomainCreate(d), "virDomainCreate(" + domain.name() + ")"));
    }

    /** Removes a stopped domain's persistent configuration ({@code virsh undefine}). */
    public static void undefine(Domain domain) {
        domain.use(d -> domain.check(d, LIB.virDomainUndefine(d), "virDomainUndefine(" + domain.name() + ")"));
    }

    /** How many vCPUs the persistent configuration starts the domain with. */
    public static int configVcpuCount(Domain domain) {
        return domain.use(d -> domain.check(d,
                LibvirtNative.INSTANCE.virDomainGetVcpusFlags(d, LibvirtNative.AFFECT_CONFIG),
                "virDomainGetVcpusFlags(" + domain.name() + ", CONFIG)"));
    }

    /**
     * As {@link DomainStatsReader#allActiveWithoutWaiting}, but waiting for domains busy with another job:
     * during a vCPU unplug that times out this takes about as long as libvirt's job timeout.
     */
    public static Map<String, DomainVcpuStats> allActive(Connection connection) {
        return DomainStatsReader.allActive(connection, StatsNative.GET_ALL_DOMAINS_STATS_ACTIVE);
    }
}
