package org.vcpuagent.hardening;

import org.junit.jupiter.api.Test;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.testsupport.AgentProcess;
import org.vcpuagent.testsupport.JmxNames;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The placement natives free what libvirt hands over: capabilities XML (every Host refresh), IOThread info
 * arrays and NUMA parameters (every IoThreads and NumaTune read, and every refresh), over many calls against an
 * agent in its own process with a fixed, pre-touched heap. Its test driver runs a domain with two IOThreads,
 * from a node file of libvirt's test driver.
 */
class PlacementMemoryTest {

    private static final int READS = 50_000;
    private static final int REFRESHES = 3_000;

    @Test
    void residentMemoryStaysFlatOverManyPlacementReads() throws Exception {
        Path node = Files.createTempFile("vcpu-agent-node", ".xml");
        Files.writeString(node, "<node><domain type='test'><name>io</name><memory>65536</memory><vcpu>2</vcpu>"
                + "<iothreads>2</iothreads><numatune><memory mode='strict' nodeset='0'/></numatune>"
                + "<os><type>hvm</type></os></domain></node>");
        List<String> jvm = List.of("-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch", "-XX:MaxMetaspaceSize=64m",
                "-XX:+UseSerialGC", "-Xss512k");
        try (AgentProcess agent = AgentProcess.fromClassPath(jvm, "--uri", "test://" + node, "--refresh-interval", "1m");
             JMXConnector c = agent.connect()) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            ObjectName io = DomainVcpuBean.objectName("io");
            assertEquals(2, ((TabularData) mbs.getAttribute(io, "IoThreads")).size());
            // A long warm-up, as in MemoryTest: the JIT's code cache and malloc's arenas grow for a while after
            // start; a leak keeps growing after that.
            run(mbs, io, READS * 4 / 10, REFRESHES * 4 / 10);
            agent.jcmd("GC.run");
            long warm = agent.rssKiB();
            run(mbs, io, READS * 3 / 10, REFRESHES * 3 / 10);
            agent.jcmd("GC.run");
            long middle = agent.rssKiB();
            run(mbs, io, READS * 3 / 10, REFRESHES * 3 / 10);
            agent.jcmd("GC.run");
            long end = agent.rssKiB();
            System.out.printf("agent RSS: %d KiB after warm-up, %d KiB at 70 %%, %d KiB after %d IoThreads and NumaTune "
                    + "reads and %d refreshes%n", warm, middle, end, READS, REFRESHES);
            assertTrue(end - warm < 8 * 1024, "RSS grew by " + (end - warm) + " KiB");
            assertTrue(end - middle < 4 * 1024, "RSS still growing in the second half: " + (end - middle) + " KiB");
        } finally {
            Files.deleteIfExists(node);
        }
    }

    private static void run(MBeanServerConnection mbs, ObjectName io, int reads, int refreshes) throws Exception {
        ObjectName host = JmxNames.parse("libvirt.vcpu:type=Host");
        for (int i = 0; i < reads; i++) {
            mbs.getAttribute(io, "IoThreads");
            mbs.getAttribute(io, "NumaTune");
            if (i % (reads / refreshes) == 0) {
                mbs.invoke(host, "refresh", null, null);
                mbs.getAttribute(host, "Allocation");
            }
        }
    }
}
