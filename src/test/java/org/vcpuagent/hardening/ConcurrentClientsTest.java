package org.vcpuagent.hardening;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.TestLibvirt;

import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 50 JMX clients read every domain's vCPUs while another client grows, shrinks and repins. Every
 * value read must be one the writer really set at some moment, nothing may fail, and no thread may
 * deadlock.
 */
class ConcurrentClientsTest {

    private static final int READERS = 50;
    private static final long RUN_MILLIS = 8_000;
    /** The only pinnings the writer ever sets, so a reader can tell a real value from a torn one. */
    private static final Set<String> PINNINGS = Set.of("0-7", "1", "2-3", "4-7");
    private static final String STRING = String.class.getName();

    private static TestAgent agent;
    private static Connection outside;
    private static final List<Domain> EXTRA = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        agent = TestAgent.start();
        outside = agent.outside(false);
        for (int i = 0; i < 4; i++) {
            EXTRA.add(TestLibvirt.createXml(outside, "<domain type='test'><name>load-" + i + "</name><memory>65536</memory>"
                    + "<vcpu>8</vcpu><os><type>hvm</type></os></domain>"));
        }
        agent.agent.refresh();
    }

    @AfterAll
    static void stop() throws Exception {
        for (Domain d : EXTRA) {
            TestLibvirt.destroy(d);
            d.close();
        }
        agent.close();
    }

    @Test
    void readersSeeOnlyRealValuesAndNothingFailsOrDeadlocks() throws Exception {
        ObjectName test = DomainVcpuBean.objectName("test");
        List<ObjectName> domains = new ArrayList<>(List.of(test));
        for (int i = 0; i < 4; i++) {
            domains.add(DomainVcpuBean.objectName("load-" + i));
        }
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(READERS + 1);
        List<Thread> threads = new ArrayList<>();

        for (int r = 0; r < READERS; r++) {
            threads.add(new Thread(() -> {
                try (JMXConnector c = agent.connect(TestAgent.MONITOR, TestAgent.MONITOR_PASSWORD)) {
                    MBeanServerConnection mbs = c.getMBeanServerConnection();
                    ready.countDown();
                    ready.await();
                    while (running.get()) {
                        for (ObjectName name : domains) {
                            TabularData vcpus = (TabularData) mbs.getAttribute(name, "Vcpus");
                            reads.incrementAndGet();
                            check(name.equals(test), vcpus, problems);
                        }
                    }
                } catch (Exception e) {
                    problems.add("reader failed: " + e);
                }
            }, "reader"));
        }
        Thread writer = new Thread(() -> {
            try (JMXConnector c = agent.connect(TestAgent.ADMIN, TestAgent.ADMIN_PASSWORD)) {
                MBeanServerConnection mbs = c.getMBeanServerConnection();
                ready.countDown();
                ready.await();
                String[] pins = PINNINGS.toArray(new String[0]);
                for (int i = 0; running.get(); i++) {
                    mbs.setAttribute(test, new Attribute("VcpuCount", i % 2 == 0 ? 1 : 2));
                    mbs.invoke(test, "pinVcpu", new Object[] {0, pins[i % pins.length]}, new String[] {"int", STRING});
                }
            } catch (Exception e) {
                problems.add("writer failed: " + e);
            }
        }, "writer");
        threads.add(writer);
        threads.forEach(Thread::start);
        ready.await();
        Thread.sleep(RUN_MILLIS);
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
            assertTrue(!t.isAlive(), t.getName() + " is stuck");
        }

        long[] deadlocked = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
        if (deadlocked != null) {
            ThreadInfo[] infos = ManagementFactory.getThreadMXBean().getThreadInfo(deadlocked, true, true);
            throw new AssertionError("deadlock: " + Arrays.toString(infos));
        }
        assertNull(deadlocked);
        assertTrue(problems.isEmpty(), () -> problems.size() + " problems, first: " + problems.peek());
        assertTrue(reads.get() > READERS, "only " + reads.get() + " reads happened");
        System.out.printf("%d reads by %d clients in %d ms with a writer changing count and pins%n", reads.get(),
                READERS, RUN_MILLIS);

        try (JMXConnector c = agent.connect(TestAgent.ADMIN, TestAgent.ADMIN_PASSWORD)) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            mbs.setAttribute(test, new Attribute("VcpuCount", 2));
            mbs.invoke(test, "pinVcpu", new Object[] {0, "r"}, new String[] {"int", STRING});
            assertEquals(2, mbs.getAttribute(test, "VcpuCount"));
        }
    }

    private static void check(boolean isTest, TabularData vcpus, ConcurrentLinkedQueue<String> problems) {
        int expectedMax = isTest ? 2 : 8;
        if (vcpus.size() < 1 || vcpus.size() > expectedMax) {
            problems.add("a table of " + vcpus.size() + " rows");
        }
        for (Object row : vcpus.values()) {
            CompositeData v = (CompositeData) row;
            String affinity = (String) v.get("affinity");
            byte[] cpumap = (byte[]) v.get("cpumap");
            String fromMap = org.vcpuagent.model.CpuMap.fromBytes(cpumap).toCpuList();
            if (!affinity.equals(fromMap)) {
                problems.add("affinity " + affinity + " and cpumap " + fromMap + " disagree");
            }
            if (isTest && (Integer) v.get("number") == 0 && !PINNINGS.contains(affinity)) {
                problems.add("vCPU 0 pinned to " + affinity + ", which the writer never set");
            }
        }
    }
}
