package org.vcpuagent.hardening;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vcpuagent.agent.TestAgent;
import org.vcpuagent.jmx.DomainVcpuBean;
import org.vcpuagent.libvirt.Connection;
import org.vcpuagent.libvirt.Domain;
import org.vcpuagent.libvirt.LibvirtException;
import org.vcpuagent.libvirt.TestLibvirt;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.testsupport.TestDomain;

import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.TabularData;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Thousands of random inputs, from a fixed seed, into every operation and writable attribute, and
 * domains with hostile names. Each case must end in a clear exception (IllegalArgumentException or
 * IllegalStateException with a message) or in exactly the change asked for.
 */
class HostileInputTest {

    private static final long SEED = 20261126L;
    private static final int CASES = 3000;
    private static final String STRING = String.class.getName();

    private static TestAgent agent;
    private static MBeanServerConnection admin;
    private static Connection outside;

    @BeforeAll
    static void start() throws Exception {
        agent = TestAgent.start();
        admin = agent.admin();
        outside = agent.outside(false);
    }

    @AfterAll
    static void stop() throws Exception {
        TestDomain.restore(admin);
        agent.close();
    }

    private static int randomInt(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> Integer.MAX_VALUE;
            case 1 -> Integer.MIN_VALUE;
            case 2 -> -r.nextInt(10);
            case 3 -> r.nextInt();
            default -> r.nextInt(4);
        };
    }

    private static String randomCpulist(Random r) {
        String alphabet = "0123456789,-^r xyz\t\n\u00e9\u4e2d";
        if (r.nextInt(4) == 0) {
            return List.of("0", "1", "0-7", "2-3,5", "r", "0-7,^3", "7", "1,3,5").get(r.nextInt(8));
        }
        StringBuilder sb = new StringBuilder();
        int len = r.nextInt(12);
        for (int i = 0; i < len; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return r.nextInt(20) == 0 ? null : sb.toString();
    }

    private static byte[] randomCpumap(Random r) {
        int len = switch (r.nextInt(5)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> 1 + r.nextInt(4);
            case 3 -> 1 << 20;
            default -> r.nextInt(300);
        };
        byte[] map = new byte[len];
        if (len > 0 && r.nextBoolean()) {
            map[0] = (byte) r.nextInt(256);
        } else if (len > 0) {
            r.nextBytes(map);
        }
        return r.nextInt(25) == 0 ? null : map;
    }

    @Test
    void randomInputIntoEveryOperationEndsInAClearErrorOrTheExactChange() throws Exception {
        ObjectName test = DomainVcpuBean.objectName("test");
        Random r = new Random(SEED);
        int changes = 0;
        int refusals = 0;
        for (int i = 0; i < CASES; i++) {
            int op = r.nextInt(6);
            int n = randomInt(r);
            String cpulist = randomCpulist(r);
            byte[] cpumap = randomCpumap(r);
            boolean persistent = r.nextBoolean();
            String what = "case " + i + " (seed " + SEED + "): op " + op + " n=" + n + " cpulist="
                    + (cpulist == null ? "null" : "'" + cpulist.replace("\n", "\\n") + "'")
                    + " cpumap=" + (cpumap == null ? "null" : cpumap.length + " bytes") + " persistent=" + persistent;
            try {
                switch (op) {
                    case 0 -> {
                        admin.setAttribute(test, new Attribute("VcpuCount", n));
                        assertEquals(n, admin.getAttribute(test, "VcpuCount"), what);
                    }
                    case 1 -> {
                        admin.invoke(test, "setVcpus", new Object[] {n, persistent}, new String[] {"int", "boolean"});
                        assertEquals(n, admin.getAttribute(test, "VcpuCount"), what);
                    }
                    case 2 -> {
                        int vcpu = r.nextBoolean() ? n : r.nextInt(2);
                        admin.invoke(test, "pinVcpu", new Object[] {vcpu, cpulist}, new String[] {"int", STRING});
                        assertEquals(CpuMap.parse(cpulist, 8).toCpuList(), pinOf(test, vcpu), what);
                    }
                    case 3 -> {
                        int vcpu = r.nextBoolean() ? n : r.nextInt(2);
                        admin.invoke(test, "pinVcpuMap", new Object[] {vcpu, cpumap}, new String[] {"int", "[B"});
                        assertEquals(CpuMap.fromBytes(cpumap).toCpuList(), pinOf(test, vcpu), what);
                    }
                    case 4 -> {
                        admin.invoke(test, "pinEmulator", new Object[] {cpulist}, new String[] {STRING});
                        assertEquals(CpuMap.parse(cpulist, 8).toCpuList(), admin.getAttribute(test, "EmulatorPin"), what);
                    }
                    default -> {
                        admin.invoke(test, "setVcpus", new Object[] {n}, new String[] {"int"});
                        assertEquals(n, admin.getAttribute(test, "VcpuCount"), what);
                    }
                }
                changes++;
            } catch (RuntimeMBeanException e) {
                Throwable cause = e.getCause();
                boolean clear = (cause instanceof IllegalArgumentException || cause instanceof IllegalStateException)
                        && cause.getMessage() != null && cause.getMessage().length() > 10;
                if (!clear) {
                    fail(what + " ended in " + cause, cause);
                }
                refusals++;
            }
            ((TabularData) admin.getAttribute(test, "Vcpus")).size();
        }
        System.out.printf("%d random cases: %d changes made exactly, %d clear refusals%n", CASES, changes, refusals);
        assertTrue(changes > 50 && refusals > 50, "the generator must exercise both outcomes");
    }

    private static String pinOf(ObjectName name, int vcpu) throws Exception {
        @SuppressWarnings("unchecked")
        TabularData pins = (TabularData) admin.getAttribute(name, "PinInfo");
        return (String) pins.get(new Object[] {vcpu}).get("value");
    }

    @Test
    void domainsWithHostileNamesGetValidObjectNamesThatRoundTrip() throws Exception {
        Random r = new Random(SEED);
        String specials = "\"',*?=:\n\\ \u00e9\u00df\u4e2d\u0416-_.$";
        List<String> names = new ArrayList<>(List.of("a\"b", "x,y=z", "*", "?", "line\nbreak", "caf\u00e9 \u4e2d",
                "quote\"and\\backslash", "=", ":colon", "trailing "));
        for (int i = 0; i < 40; i++) {
            StringBuilder sb = new StringBuilder("d");
            for (int j = 0; j < 1 + r.nextInt(8); j++) {
                sb.append(specials.charAt(r.nextInt(specials.length())));
            }
            names.add(sb.toString());
        }
        int registered = 0;
        for (String name : names) {
            ObjectName on = DomainVcpuBean.objectName(name);
            assertFalse(on.isPattern(), name);
            assertEquals(on, new ObjectName(on.getCanonicalName()), "ObjectName must survive a round trip: " + name);
            Domain d;
            try {
                d = TestLibvirt.createXml(outside, "<domain type='test'><name>" + xml(name) + "</name><memory>65536</memory>"
                        + "<vcpu>2</vcpu><os><type>hvm</type></os></domain>");
            } catch (LibvirtException e) {
                // libvirt's own rule for names, not ours: nothing registered, nothing to check.
                continue;
            }
            try (d) {
                long deadline = System.currentTimeMillis() + 2000;
                while (!admin.isRegistered(on) && System.currentTimeMillis() < deadline) {
                    Thread.sleep(5);
                }
                assertTrue(admin.isRegistered(on), "no bean for domain " + name.replace("\n", "\\n") + " as " + on);
                assertEquals(name, admin.getAttribute(on, "Name"));
                String key = on.getKeyProperty("name");
                assertEquals(name, key.startsWith("\"") ? ObjectName.unquote(key) : key);
                registered++;
                TestLibvirt.destroy(d);
            }
        }
        System.out.printf("%d hostile names tried, %d accepted by libvirt and served%n", names.size(), registered);
        assertTrue(registered > 10);
    }

    private static String xml(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '\'' -> sb.append("&apos;");
                case '"' -> sb.append("&quot;");
                case '\n' -> sb.append("&#10;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
