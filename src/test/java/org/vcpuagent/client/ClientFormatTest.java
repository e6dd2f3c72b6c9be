package org.vcpuagent.client;

import org.junit.jupiter.api.Test;
import org.vcpuagent.model.CpuMap;
import org.vcpuagent.testsupport.Json;
import org.vcpuagent.model.VcpuReading;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** virsh's layouts and the JSON writer, on fixed input. */
class ClientFormatTest {

    @Test
    void tablesAreVirshs() {
        // virsh -c test:///default list, character for character
        assertEquals("""
                 Id   Name   State
                ----------------------
                 1    test   running
                """, VirshFormat.table(List.of("Id", "Name", "State"), List.of(List.of("1", "test", "running"))));
        assertEquals("""
                 Name             State     vCPUs
                -----------------------------------
                 a-long-name-vm   paused    16
                 b                running   1
                """, VirshFormat.list(List.of(List.of("a-long-name-vm", "paused", "16"), List.of("b", "running", "1")),
                false));
        assertEquals("""
                 Connection   Name   State     vCPUs
                --------------------------------------
                 local        test   running   2
                 remote       test   paused    1
                """, VirshFormat.list(List.of(List.of("local", "test", "running", "2"),
                List.of("remote", "test", "paused", "1")), true));
        assertEquals(" tab\\x09name", VirshFormat.safe(" tab\tname"));
    }

    @Test
    void vcpuinfoLeavesOutAZeroCpuTimeAsVirshDoes() {
        VcpuReading offline = new VcpuReading(2, "offline", 0, -1, CpuMap.of(0, 9), null, null, null, "getVcpus");
        assertEquals("""
                VCPU:           2
                CPU:            -1
                State:          offline
                CPU Affinity:   y--------y
                """, VirshFormat.vcpuinfo(List.of(offline), 10, false));
        VcpuReading busy = new VcpuReading(0, "running", 1_234_560_000_000L, 3, CpuMap.of(3), null, null, null,
                "getVcpus");
        assertEquals("CPU time:       1234.6s\nCPU Affinity:   3 (out of 4)\n",
                VirshFormat.vcpuinfo(List.of(busy), 4, true).lines().skip(3).map(l -> l + "\n")
                        .reduce("", String::concat));
    }

    @Test
    void vcpucountPadsLikeVirshsPrintf() {
        assertEquals("maximum      live         128\ncurrent      live           8\n", VirshFormat.vcpucount(128, 8));
    }

    @Test
    void iothreadinfoAndNumatuneAreVirshs() {
        // virsh -c test:///default iothreadinfo / numatune of a domain with <iothreads>2</iothreads>, one pinned
        assertEquals("""
                 IOThread ID   CPU Affinity
                -----------------------------
                 1             2
                 2             0-1
                """, VirshFormat.iothreadinfo(new java.util.TreeMap<>(Map.of(1, "2", 2, "0-1"))));
        assertEquals("No IOThreads found for the domain\n", VirshFormat.iothreadinfo(Map.of()));
        assertEquals("numa_mode      : strict\nnuma_nodeset   : 0\n", VirshFormat.numatune("strict", "0"));
        assertEquals("numa_mode      : interleave\nnuma_nodeset   : 0-1,3\n", VirshFormat.numatune("interleave", "0-1,3"));
        assertEquals("", VirshFormat.numatune("", ""), "no parameters from libvirt: virsh prints none");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPlanIsReadIntoJsonAndKeptWhole() {
        String plan = "placement of domain 'web' by policy dedicated,isolate,emulator=isolate:\nvcpu 0 -> cpu 4\n"
                + "vcpu 1 -> cpu 6\nemulator -> cpu 8\nwarning: 2 floating domains may still run here; confine them "
                + "with `shared`\nwarning: the plan spans NUMA nodes 0-1";
        Map<String, Object> o = (Map<String, Object>) Json.parse(PlanText.members(new JsonWriter().beginObject(), plan,
                "dedicated,isolate,emulator=isolate").endObject().toString());
        assertEquals("dedicated,isolate,emulator=isolate", o.get("policy"));
        assertEquals(List.of(Map.of("vcpu", 0L, "cpulist", "4"), Map.of("vcpu", 1L, "cpulist", "6")), o.get("vcpus"));
        assertEquals("8", o.get("emulator"));
        assertEquals(List.of(), o.get("ioThreads"));
        assertEquals(List.of("2 floating domains may still run here; confine them with `shared`",
                "the plan spans NUMA nodes 0-1"), o.get("warnings"));
        assertEquals(plan, o.get("plan"));
        Map<String, Object> shared = (Map<String, Object>) Json.parse(PlanText.members(new JsonWriter().beginObject(),
                "placement of domain 'web' by policy shared,emulator=share:\nvcpu 0 -> cpus 0,2-7\n"
                        + "emulator -> cpus 0,2-7", "shared").endObject().toString());
        assertEquals(List.of(Map.of("vcpu", 0L, "cpulist", "0,2-7")), shared.get("vcpus"));
        assertEquals("shared,emulator=share", shared.get("policy"));
        Map<String, Object> io = (Map<String, Object>) Json.parse(PlanText.members(new JsonWriter().beginObject(),
                "placement of domain 'io' by policy dedicated,prefer,emulator=isolate:\nvcpu 0 -> cpu 0\n"
                        + "emulator -> cpu 4\niothread 1 -> cpu 4\niothread 3 -> cpus 4", "dedicated").endObject()
                .toString());
        assertEquals(List.of(Map.of("id", 1L, "cpulist", "4"), Map.of("id", 3L, "cpulist", "4")), io.get("ioThreads"));
    }

    @Test
    void jsonStringsAreEscapedAndReadBack() {
        String nasty = "quote\" back\\ slash/ tab\t nl\n cr\r bell\u0007 del\u007f é 日本 \ud83d\ude00 \u2028";
        String out = new JsonWriter().beginObject().member("s", nasty).member("n", (Number) null)
                .member("t", true).member("l", Long.MIN_VALUE).name("a").beginArray().value(1).value("x")
                .beginObject().endObject().beginArray().endArray().endArray().endObject().toString();
        assertEquals(true, out.chars().allMatch(c -> c >= 0x20 && c < 0x7f), out);
        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) Json.parse(out);
        assertEquals(nasty, back.get("s"));
        assertEquals(null, back.get("n"));
        assertEquals(true, back.get("t"));
        assertEquals(Long.MIN_VALUE, back.get("l"));
        assertEquals(List.of(1L, "x", Map.of(), List.of()), back.get("a"));
        assertEquals("{\"k\":\"\\\"\\\\\\n\\u0001\\u00e9\"}",
                new JsonWriter().beginObject().member("k", "\"\\\n\u0001é").endObject().toString());
    }

    @Test
    void jsonWriterRefusesMisuse() {
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().value(1));
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginArray().name("x"));
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().toString());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().endArray());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().value(1).value(2));
        assertEquals("\"x\"", new JsonWriter().value("x").toString());
    }
}
