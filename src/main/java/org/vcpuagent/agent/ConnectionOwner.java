package org.vcpuagent.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vcpuagent.domain.DomainCallException;
import org.vcpuagent.domain.DomainVcpus;
import org.vcpuagent.domain.Look;
import org.vcpuagent.common.NamedDaemonThreads;
import org.vcpuagent.jmx.HostBean;
import org.vcpuagent.common.ObjectNames;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.DomainEventListener;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.model.ConnectionStatus;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.model.HostInfo;
import org.vcpuagent.placement.PlacementDesk;
import org.vcpuagent.prometheus.SnapshotSource;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One libvirt connection and the beans it feeds: its Host bean, one domain bean per active domain, libvirt's
 * events, the looks, keepalive and reconnects.
 *
 * <p>Everything that changes the connection's state runs on its {@link OwnerExecutor}: the 500 ms tick, the
 * periodic look, events (libvirt's event loop thread only hands them over), reconnects, registrations and
 * the follow-up of operations. So nothing interleaves, and a host that stops answering stalls only its own
 * connection. Fields below without a comment of their own are owned by that thread.
 */
final class ConnectionOwner implements AutoCloseable, SnapshotSource {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionOwner.class);

    /** How often statistics are read and pending unplugs followed, whatever the look interval. */
    static final Duration TICK = Duration.ofMillis(500);
    /**
     * How often the periodic look asks libvirt everything (virDomainGetVcpus, the count, the pinning) instead
     * of glancing at the bulk statistics: a safety net for changes that raise no event.
     */
    static final Duration THOROUGH_LOOK_EVERY = Duration.ofSeconds(30);
    /**
     * The periodic look, quick or thorough, runs again only after this many times what the last one of its kind
     * took: each asks libvirt per domain, so with many domains the looks give way (together they then take about
     * half a percent of the owner's time), while with a few dozen they keep the look interval. Events, refreshes
     * and count changes seen in the statistics still look at once. Registering domains that appeared is not
     * counted, and one slow answer delays the next look by {@link #QUICK_LOOK_AT_LEAST_EVERY} (thorough:
     * {@link #THOROUGH_LOOK_AT_LEAST_EVERY}) at most.
     */
    static final int LOOK_DUTY_FACTOR = 400;
    static final Duration QUICK_LOOK_AT_LEAST_EVERY = Duration.ofSeconds(30);
    static final Duration THOROUGH_LOOK_AT_LEAST_EVERY = Duration.ofMinutes(5);
    /** libvirt closes the connection after 3 unanswered keepalives 2 s apart. */
    private static final int KEEPALIVE_INTERVAL_S = 2;
    private static final int KEEPALIVE_COUNT = 3;
    /**
     * How many of the owner's calls may be left unanswered at once, the bulk statistics and the questions to QEMU:
     * each holds one of the requests libvirtd serves at once per client (5 by default), and JMX callers need the rest.
     */
    static final int BULK_UNANSWERED = 2;
    static final int QEMU_UNANSWERED = 1;
    /**
     * How long stopping waits for the owner thread to end its task, and then for the calls still in libvirt to let
     * go of the handles they use: a call waiting on a QEMU that does not answer never does.
     */
    static final Duration STOP_OWNER_WITHIN = Duration.ofSeconds(5);
    static final Duration RELEASE_WITHIN = Duration.ofSeconds(5);

    private final String alias;
    private final String uri;
    private final boolean readOnly;
    private final Duration lookInterval;
    private final MBeanServer mbeanServer;
    private final ObjectName hostName;
    private final OwnerExecutor owner;
    private final HostBean hostBean;
    private final Statistics statistics;
    /** The calls that may hang on one domain's QEMU, run beside the owner (see {@link LateCalls}): the bulk statistics. */
    private final LateCalls lateCalls;
    /** The same for the owner's questions to one domain's QEMU monitor ({@code query-cpus-fast}). */
    private final LateCalls qemuCalls;
    private final DomainRegistry registry;
    private final PlacementLook placement;
    private final Reconnects reconnects = new Reconnects();
    /** Set by any thread; makes many requests before the owner gets to them one look. */
    private final AtomicBoolean lookQueued = new AtomicBoolean();
    /** Written by the owner; read by JMX threads through the Host bean. */
    private volatile ConnectionStatus status;
    /** Written by the owner; read by JMX threads checking cpulists against the host. */
    private volatile HostInfo hostInfo;
    private Connection connection;
    private long thoroughLookDue = System.nanoTime();
    /** When the last periodic look ended, and how long the last quick one took (System.nanoTime). */
    private long periodicLookEnded = System.nanoTime();
    private long quickLookNanos;
    /** How long the last look took, registrations of appeared domains left out. */
    private long lookNanos;
    /** Set by the closing thread. */
    private volatile boolean closed;

    /** @param alias the connection's alias in ObjectNames, or null when the agent has only this connection */
    ConnectionOwner(String alias, String uri, boolean readOnly, Duration lookInterval, MBeanServer mbeanServer,
                    CpuMap reservedCpus) {
        this.alias = alias;
        this.uri = uri;
        this.readOnly = readOnly;
        this.lookInterval = lookInterval;
        this.mbeanServer = mbeanServer;
        this.hostName = ObjectNames.host(alias);
        this.status = ConnectionStatus.configured(uri);
        this.owner = new OwnerExecutor("vcpu-agent-" + (alias == null ? "owner" : alias));
        this.hostBean = new HostBean(hostName, () -> status, this::domainCount, this::lookNowForJmx);
        this.statistics = new Statistics(uri);
        String helpers = "vcpu-agent-" + (alias == null ? "" : alias + "-");
        this.lateCalls = new LateCalls(helpers + "calls", BULK_UNANSWERED);
        this.qemuCalls = new LateCalls(helpers + "qemu", QEMU_UNANSWERED);
        this.placement = new PlacementLook(uri, reservedCpus, hostBean);
        PlacementDesk desk = new PlacementDesk(placement::snapshot);
        hostBean.servePlacement(placement::snapshot);
        this.registry = new DomainRegistry(mbeanServer, alias, this::host, statistics.cache(), owner, qemuCalls,
                this::lookSoon, hostBean, desk);
    }

    /**
     * Registers the Host bean, connects, and starts the tick and the periodic look.
     *
     * @param mustConnect true: a failed first connection is thrown; false: it is reported on the Host bean
     *                    and retried in the background, like a later loss
     */
    void start(boolean mustConnect) {
        try {
            mbeanServer.registerMBean(hostBean.asMBean(), hostName);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + hostName + ": " + e.getMessage(), e);
        }
        owner.awaitUnbounded(() -> {
            firstConnect(mustConnect);
            return null;
        });
        owner.every(TICK, this::tick);
        owner.every(lookInterval, this::periodicLook);
    }

    private void firstConnect(boolean mustConnect) {
        try {
            connect();
        } catch (RuntimeException e) {
            if (mustConnect) {
                throw e;
            }
            LOG.warn("cannot connect to {} yet: {}; retrying in the background", uri, e.getMessage());
            status = status.disconnected(e.getMessage());
            owner.after(reconnects.firstDelay(), this::reconnect);
        }
    }

    /** Opens the connection, arms keepalive, the close callback and domain events, then looks thoroughly. */
    private void connect() {
        Connection c = Connection.open(uri, readOnly);
        try {
            c.setKeepAlive(KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT);
            c.onClose(reason -> owner.post(() -> lost(c, reason)));
            c.subscribe(new EventsToOwner());
            boolean wasConnected = status.connected();
            status = status.connectedTo(c.resolvedUri(), c.libvirtVersion());
            if (!wasConnected) {
                hostBean.connectionRestored(status.uri(), status.libvirtVersion());
            }
            connection = c;
            look(Look.THOROUGH);
        } catch (RuntimeException e) {
            connection = null;
            registry.close();
            c.close();
            throw e;
        }
    }

    /** The connection broke: withdraw the domain beans, say why, and start reconnecting. */
    private void lost(Connection c, String reason) {
        if (connection != c || closed) {
            return;
        }
        LOG.warn("lost the connection to {}: {}; domain beans withdrawn, reconnecting", uri, reason);
        connection = null;
        boolean wasConnected = status.connected();
        status = status.disconnected(reason);
        if (wasConnected) {
            hostBean.connectionLost(status.uri(), reason);
        }
        registry.close();
        c.close();
        owner.after(reconnects.firstDelay(), this::reconnect);
    }

    private void reconnect() {
        if (closed || connection != null) {
            return;
        }
        try {
            connect();
            LOG.info("connected to {}: {} domain(s)", uri, registry.size());
        } catch (RuntimeException e) {
            Duration next = reconnects.nextDelay();
            status = status.disconnected("connecting to " + uri + " failed: " + e.getMessage() + "; next try in "
                    + next.toMillis() + " ms");
            owner.after(next, this::reconnect);
        }
    }

    HostInfo host() {
        HostInfo h = hostInfo;
        if (h == null) {
            throw new IllegalStateException("the host's CPUs have not been read from " + uri + " yet");
        }
        return h;
    }

    /**
     * Looks at the whole connection: the host's CPUs (thoroughly only: they change with hardware alone), the
     * active domains, and each domain's count and pinning, which sends notifications for changes made by anyone.
     * A quick look turns thorough every {@link #THOROUGH_LOOK_EVERY}.
     */
    private void look(Look depth) {
        look(depth, false);
    }

    /**
     * @param periodic the periodic look: it lists the domains only when the statistics it reads show a change
     *                 in the set (or cannot tell), since listing makes a handle per domain; events and
     *                 refreshes always list, and so does every thorough look
     */
    private void look(Look depth, boolean periodic) {
        long now = System.nanoTime();
        Look each = depth == Look.THOROUGH || now - thoroughLookDue >= 0 ? Look.THOROUGH : Look.QUICK;
        Connection c = connection;
        if (c == null) {
            throw new IllegalStateException("not connected to " + uri + ": " + status.lastError());
        }
        try {
            if (each == Look.THOROUGH || hostInfo == null) {
                hostInfo = c.hostInfo();
            }
            if (statistics.olderThanOneTick()) {
                statistics.read(c, lateCalls, owner);
            }
            long registering = 0;
            if (!periodic || each == Look.THOROUGH || !registry.holdsExactly(statistics.domainsRead())) {
                List<Domain> active = c.listActiveDomains();
                long syncStart = System.nanoTime();
                registry.sync(active);
                registering = System.nanoTime() - syncStart;
            }
            for (DomainRegistry.Entry e : registry.entries()) {
                lookAt(e, each);
            }
            placement.after(c, hostInfo, domains(), each == Look.THOROUGH, null);
            lookNanos = System.nanoTime() - now - registering;
            if (each == Look.THOROUGH) {
                thoroughLookDue = now + paced(THOROUGH_LOOK_EVERY, lookNanos, THOROUGH_LOOK_AT_LEAST_EVERY);
            }
            status = status.refreshed(hostInfo);
        } catch (LibvirtException e) {
            throw failed(c, e, e.isConnectionLost());
        } catch (DomainCallException e) {
            throw failed(c, e, e.isConnectionLost());
        }
    }

    /** {@code base}, or {@link #LOOK_DUTY_FACTOR} times {@code took} when that is longer, up to {@code limit}. */
    static long paced(Duration base, long took, Duration limit) {
        return Math.min(limit.toNanos(), Math.max(base.toNanos(), took * LOOK_DUTY_FACTOR));
    }

    private RuntimeException failed(Connection c, RuntimeException e, boolean connectionLost) {
        status = status.failed(e.getMessage());
        if (connectionLost || !c.isAlive()) {
            lost(c, e.getMessage());
        }
        return e;
    }

    private void lookAt(DomainRegistry.Entry e, Look depth) {
        try {
            e.vcpus().look(depth);
        } catch (DomainCallException ex) {
            if (ex.isDomainGone()) {
                registry.remove(e.vcpus().uuid());
            } else if (ex.isConnectionLost()) {
                throw ex;
            } else {
                LOG.warn("cannot read the vCPUs of domain {}: {}", e.vcpus().name(), ex.getMessage());
            }
        }
    }

    private void lookQuietly() {
        lookQueued.set(false);
        lookQuietly(false);
    }

    private void lookQuietly(boolean periodic) {
        if (connection == null) {
            return;
        }
        try {
            look(Look.QUICK, periodic);
        } catch (RuntimeException e) {
            LOG.warn("look at {} failed: {}", uri, e.getMessage());
        }
    }

    /**
     * Every look interval: a look when due, that is once the last periodic look ended
     * {@link #LOOK_DUTY_FACTOR} times its duration ago (a thorough one is paced on its own, in {@link #look}).
     */
    private void periodicLook() {
        long now = System.nanoTime();
        if (now - periodicLookEnded < paced(Duration.ZERO, quickLookNanos, QUICK_LOOK_AT_LEAST_EVERY)) {
            return;
        }
        boolean thorough = now - thoroughLookDue >= 0;
        lookQuietly(true);
        periodicLookEnded = System.nanoTime();
        if (!thorough) {
            quickLookNanos = lookNanos;
        }
    }

    /** Queues one quick look; many requests before it runs make one look. Any thread. */
    private void lookSoon() {
        if (lookQueued.compareAndSet(false, true)) {
            owner.post(this::lookQuietly);
        }
    }

    /** A thorough look now, waited for: {@link VcpuAgent#refresh()} and the Host bean's refresh. */
    void lookNow() {
        owner.await("refresh from " + uri, () -> {
            look(Look.THOROUGH);
            return null;
        });
    }

    /** Only JDK exception types cross the wire to JMX clients. */
    private void lookNowForJmx() {
        try {
            lookNow();
        } catch (LibvirtException | DomainCallException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    /**
     * Every {@link #TICK}: one statistics call for all domains (read less often when it takes long), a thorough
     * look at any domain whose count moved, a quick one at domains whose unplug is followed, and the snapshots
     * collectors read, when due (see {@link DomainRegistry#snapshotsDue}).
     */
    private void tick() {
        Connection c = connection;
        if (c == null) {
            return;
        }
        // A round of snapshots joins fresh statistics (wait, delay, halted) to the rows it reads.
        boolean snapshotsDue = registry.snapshotsDue();
        if (statistics.dueForTick() || (snapshotsDue && statistics.olderThanOneTick())) {
            readStatistics(c);
        }
        followPendingUnplugs();
        if (snapshotsDue) {
            // While a call of ours waits on some domain's QEMU, each snapshot asks libvirt whose QEMU it is.
            registry.takeSnapshots(lateCalls.unanswered() + qemuCalls.unanswered() > 0);
        }
    }

    /** The bulk statistics, and a thorough look at each domain whose count they show moved. */
    private void readStatistics(Connection c) {
        try {
            for (String uuid : statistics.read(c, lateCalls, owner)) {
                DomainRegistry.Entry e = registry.get(uuid);
                if (e != null) {
                    lookAt(e, Look.THOROUGH);
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("statistics from {}: {}", uri, e.getMessage());
        }
    }

    private void followPendingUnplugs() {
        if (!registry.anyNeedsFollowing()) {
            return;
        }
        for (DomainRegistry.Entry e : registry.entries()) {
            if (e.vcpus().needsFollowing()) {
                try {
                    lookAt(e, Look.QUICK);
                } catch (RuntimeException ex) {
                    LOG.debug("following the unplug of {}: {}", e.vcpus().name(), ex.getMessage());
                }
            }
        }
    }

    /** A tunable event may be any pin (vCPU, emulator, IOThread): that domain's threads are read again. */
    private void placementAfterTunable(String uuid) {
        Connection c = connection;
        if (c == null || hostInfo == null) {
            return;
        }
        try {
            placement.after(c, hostInfo, domains(), false, uuid);
        } catch (RuntimeException ex) {
            LOG.debug("placement after a tunable event on {}: {}", uri, ex.getMessage());
        }
    }

    /** libvirt's events, handed from its event loop thread to the owner. */
    private final class EventsToOwner implements DomainEventListener {
        @Override
        public void lifecycle(String uuid, String name, int event, int detail) {
            LOG.debug("domain {} lifecycle event {} detail {}", name, event, detail);
            owner.post(() -> placement.forget(uuid));
            lookSoon();
        }

        @Override
        public void tunable(String uuid, String name) {
            owner.post(() -> {
                DomainRegistry.Entry e = registry.get(uuid);
                if (e != null) {
                    lookAt(e, Look.THOROUGH);
                    placementAfterTunable(uuid);
                }
            });
        }
    }

    ConnectionStatus status() {
        return status;
    }

    @Override
    public String alias() {
        return alias;
    }

    @Override
    public boolean connected() {
        return status.connected();
    }

    @Override
    public int presentCpus() {
        HostInfo h = hostInfo;
        return h == null ? 0 : h.presentCpus();
    }

    /** The registered domains as last published: on the owner, the current ones. */
    @Override
    public List<DomainVcpus> domains() {
        return registry.published();
    }

    int domainCount() {
        return registry.published().size();
    }

    List<String> domainNames() {
        return registry.names();
    }

    /**
     * Stops the owner, then, as the state's owner from then on, unregisters every bean of this connection and
     * closes it. A handle is freed only once no call uses it, and a call waiting on a QEMU that does not answer never
     * ends: the freeing runs on a thread of its own, waited for {@link #RELEASE_WITHIN}, and what is still in libvirt
     * then is logged and left to the process's end.
     */
    @Override
    public void close() {
        closed = true;
        if (!owner.stop(STOP_OWNER_WITHIN)) {
            LOG.warn("the owner thread of {} is still in a libvirt call after {} s ({}); closing its connection "
                    + "under it", uri, STOP_OWNER_WITHIN.toSeconds(), owner.where());
        }
        lateCalls.close();
        qemuCalls.close();
        try {
            if (mbeanServer.isRegistered(hostName)) {
                mbeanServer.unregisterMBean(hostName);
            }
        } catch (JMException e) {
            LOG.warn("cannot unregister {}: {}", hostName, e.toString());
        }
        List<String> held = registry.heldDomains();
        Releaser releaser = new Releaser();
        Thread t = new NamedDaemonThreads(owner.name() + "-closing").newThread(releaser);
        t.start();
        try {
            t.join(RELEASE_WITHIN.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            List<LateCalls.Unanswered> waiting = new java.util.ArrayList<>(lateCalls.stillWaiting());
            waiting.addAll(qemuCalls.stillWaiting());
            LOG.warn("stopping {}: libvirt calls still wait after {} s and are abandoned: {}; domains whose QEMU keeps "
                    + "libvirt's calls waiting: {}; left unfinished: {} (the process ends without it)", uri,
                    RELEASE_WITHIN.toSeconds(), waiting.isEmpty() ? "none of the owner's (a JMX caller's call holds "
                    + "the handle)" : waiting, held.isEmpty() ? "none known" : String.join("; ", held),
                    releaser.step);
        }
    }

    /** Unregisters the domain beans, then frees the domain handles and closes the connection; on its own thread. */
    private final class Releaser implements Runnable {
        /** What it does now, read by the closing thread when it gives up waiting. */
        volatile String step = "unregistering the domain beans";

        @Override
        public void run() {
            registry.close(domain -> step = "freeing the handle of domain '" + domain + "'");
            Connection c = connection;
            connection = null;
            if (c != null) {
                step = "closing the connection to " + uri;
                c.close();
            }
            step = "nothing";
        }
    }
}
