package org.vcpuagent.libvirt;

import com.sun.jna.Memory;
import com.sun.jna.Structure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The typed parameter and stats record structures must match libvirt's C structures byte for byte, and
 * our constants must match the header's. A C program compiled against the installed headers prints the
 * real layout, and also fills a {@code virTypedParameter} array that {@link TypedParameters} must read back.
 */
class TypedParamLayoutTest {

    private static final String PROBE = """
            #include <stdio.h>
            #include <stddef.h>
            #include <string.h>
            #include <libvirt/libvirt.h>
            #define F(T, f) printf(#T "." #f "=%zu\\n", offsetof(T, f));
            #define C(name) printf(#name "=%lld\\n", (long long) (name));
            static void param(virTypedParameter *p, const char *name, int type) {
              memset(p, 0, sizeof(*p));
              strncpy(p->field, name, VIR_TYPED_PARAM_FIELD_LENGTH - 1);
              p->type = type;
            }
            int main(void) {
              printf("virTypedParameter=%zu\\n", sizeof(virTypedParameter));
              F(virTypedParameter, field) F(virTypedParameter, type) F(virTypedParameter, value)
              printf("virTypedParameter.value.size=%zu\\n", sizeof(((virTypedParameter *) 0)->value));
              printf("virDomainStatsRecord=%zu\\n", sizeof(virDomainStatsRecord));
              F(virDomainStatsRecord, dom) F(virDomainStatsRecord, params) F(virDomainStatsRecord, nparams)
              C(VIR_TYPED_PARAM_FIELD_LENGTH)
              C(VIR_TYPED_PARAM_INT) C(VIR_TYPED_PARAM_UINT) C(VIR_TYPED_PARAM_LLONG) C(VIR_TYPED_PARAM_ULLONG)
              C(VIR_TYPED_PARAM_DOUBLE) C(VIR_TYPED_PARAM_BOOLEAN) C(VIR_TYPED_PARAM_STRING)
              C(VIR_DOMAIN_STATS_STATE) C(VIR_DOMAIN_STATS_VCPU) C(VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)
              C(VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT)
              virTypedParameter p[7];
              param(&p[0], "an.int", VIR_TYPED_PARAM_INT); p[0].value.i = -5;
              param(&p[1], "a.uint", VIR_TYPED_PARAM_UINT); p[1].value.ui = 4000000000U;
              param(&p[2], "a.llong", VIR_TYPED_PARAM_LLONG); p[2].value.l = -1000000000000LL;
              param(&p[3], "an.ullong", VIR_TYPED_PARAM_ULLONG); p[3].value.ul = 18446744073709551615ULL;
              param(&p[4], "a.double", VIR_TYPED_PARAM_DOUBLE); p[4].value.d = 2.5;
              param(&p[5], "a.boolean", VIR_TYPED_PARAM_BOOLEAN); p[5].value.b = 1;
              param(&p[6], "a.false", VIR_TYPED_PARAM_BOOLEAN); p[6].value.b = 0;
              printf("blob=");
              for (size_t i = 0; i < sizeof(p); i++) printf("%02x", ((unsigned char *) p)[i]);
              printf("\\n");
              return 0;
            }
            """;

    private static Map<String, String> c;

    @BeforeAll
    static void compileProbe(@TempDir java.nio.file.Path dir) throws IOException, InterruptedException {
        c = CProbe.keyValues(dir, PROBE);
    }

    private static long cValue(String key) {
        return CProbe.number(c, key);
    }

    private static void assertLayout(String cName, Structure s, List<String> fields) {
        CProbe.assertLayout(c, cName, s, fields);
    }

    private static long offset(Structure s, String field) {
        return CProbe.fieldOffset(s, field);
    }

    @Test
    void typedParameterMatches() {
        assertLayout("virTypedParameter", new VirTypedParameter(), List.of("field", "type", "value"));
        assertEquals(cValue("virTypedParameter.value.size"), new VirTypedParameter.Value().size(), "union size");
    }

    @Test
    void statsRecordMatches() {
        assertLayout("virDomainStatsRecord", new VirDomainStatsRecord(), List.of("dom", "params", "nparams"));
    }

    @Test
    void constantsMatchTheHeader() {
        assertEquals(cValue("VIR_TYPED_PARAM_FIELD_LENGTH"), VirTypedParameter.FIELD_LENGTH);
        assertEquals(cValue("VIR_TYPED_PARAM_INT"), VirTypedParameter.TYPE_INT);
        assertEquals(cValue("VIR_TYPED_PARAM_UINT"), VirTypedParameter.TYPE_UINT);
        assertEquals(cValue("VIR_TYPED_PARAM_LLONG"), VirTypedParameter.TYPE_LLONG);
        assertEquals(cValue("VIR_TYPED_PARAM_ULLONG"), VirTypedParameter.TYPE_ULLONG);
        assertEquals(cValue("VIR_TYPED_PARAM_DOUBLE"), VirTypedParameter.TYPE_DOUBLE);
        assertEquals(cValue("VIR_TYPED_PARAM_BOOLEAN"), VirTypedParameter.TYPE_BOOLEAN);
        assertEquals(cValue("VIR_TYPED_PARAM_STRING"), VirTypedParameter.TYPE_STRING);
        assertEquals(cValue("VIR_DOMAIN_STATS_STATE"), StatsNative.STATS_STATE);
        assertEquals(cValue("VIR_DOMAIN_STATS_VCPU"), StatsNative.STATS_VCPU);
        assertEquals(cValue("VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE"), StatsNative.GET_ALL_DOMAINS_STATS_ACTIVE);
        assertEquals(cValue("VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT"), StatsNative.GET_ALL_DOMAINS_STATS_NOWAIT);
    }

    @Test
    void decodesAnArrayTheCCompilerLaidOut() {
        byte[] blob = HexFormat.of().parseHex(c.get("blob"));
        assertEquals(7 * new VirTypedParameter().size(), blob.length);
        Memory mem = new Memory(blob.length);
        mem.write(0, blob, 0, blob.length);

        Map<String, Object> params = TypedParameters.decode(mem, 7);

        assertEquals(List.of("an.int", "a.uint", "a.llong", "an.ullong", "a.double", "a.boolean", "a.false"),
                List.copyOf(params.keySet()), "libvirt's order is kept");
        assertEquals(-5, params.get("an.int"));
        assertEquals(4_000_000_000L, params.get("a.uint"), "UINT above Integer.MAX_VALUE is widened, not negative");
        assertEquals(-1_000_000_000_000L, params.get("a.llong"));
        assertEquals(new BigInteger("18446744073709551615"), params.get("an.ullong"), "ULLONG 2^64-1 stays positive");
        assertEquals(2.5, params.get("a.double"));
        assertEquals(true, params.get("a.boolean"));
        assertEquals(false, params.get("a.false"));
    }

    @Test
    void decodesStringsAndRefusesUnknownTypes() {
        int size = new VirTypedParameter().size();
        Memory mem = new Memory(2L * size);
        mem.clear();
        Memory text = new Memory(16);
        text.setString(0, "h\u00e9llo", "UTF-8");
        mem.setString(0, "a.string", "US-ASCII");
        mem.setInt(offset(new VirTypedParameter(), "type"), VirTypedParameter.TYPE_STRING);
        mem.setPointer(offset(new VirTypedParameter(), "value"), text);

        assertEquals(Map.of("a.string", "h\u00e9llo"), TypedParameters.decode(mem, 1));

        mem.setString(size, "from.the.future", "US-ASCII");
        mem.setInt(size + offset(new VirTypedParameter(), "type"), 99);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TypedParameters.decode(mem, 2));
        assertTrue(e.getMessage().contains("'from.the.future' has unknown type 99"), e.getMessage());
    }

    @Test
    void anEmptyArrayNeedsNoMemory() {
        // libvirt hands over params == NULL with nparams == 0 when a domain reports nothing for the groups asked.
        assertEquals(Map.of(), TypedParameters.decode(null, 0));
    }
}
