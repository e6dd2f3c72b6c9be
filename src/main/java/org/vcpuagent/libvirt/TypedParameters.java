package org.vcpuagent.libvirt;

import com.sun.jna.Pointer;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads libvirt's typed parameter arrays into Java values.
 *
 * <p>Each C type maps to one Java type, always, so that callers can cast without checking:
 * INT to {@link Integer}, UINT to {@link Long}, LLONG to {@link Long}, ULLONG to {@link BigInteger}
 * (a C {@code unsigned long long} can exceed {@code Long.MAX_VALUE}), DOUBLE to {@link Double},
 * BOOLEAN to {@link Boolean}, STRING to {@link String}. The memory stays libvirt's: everything is
 * copied before the caller frees it.
 */
final class TypedParameters {

    private static final BigInteger TWO_TO_THE_64 = BigInteger.ONE.shiftLeft(64);

    private TypedParameters() {
    }

    /**
     * Decodes {@code n} consecutive {@code virTypedParameter}s at {@code params}, in libvirt's order.
     *
     * @throws IllegalStateException on a type this reader does not know, naming the parameter
     */
    static Map<String, Object> decode(Pointer params, int n) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (n == 0) {
            return Collections.unmodifiableMap(out);
        }
        VirTypedParameter first = new VirTypedParameter(params);
        VirTypedParameter[] all = (VirTypedParameter[]) first.toArray(n);
        for (VirTypedParameter p : all) {
            p.read();
            String name = p.name();
            out.put(name, valueOf(name, p.type, p.value));
        }
        return Collections.unmodifiableMap(out);
    }

    static Object valueOf(String name, int type, VirTypedParameter.Value v) {
        switch (type) {
            case VirTypedParameter.TYPE_INT:
                return v.i;
            case VirTypedParameter.TYPE_UINT:
                return Integer.toUnsignedLong(v.ui);
            case VirTypedParameter.TYPE_LLONG:
                return v.l;
            case VirTypedParameter.TYPE_ULLONG:
                return unsigned(v.ul);
            case VirTypedParameter.TYPE_DOUBLE:
                return v.d;
            case VirTypedParameter.TYPE_BOOLEAN:
                return v.b != 0;
            case VirTypedParameter.TYPE_STRING:
                // libvirt promises non-NULL; a NULL would be a libvirt bug, shown rather than crashed on.
                return v.s == null ? null : v.s.getString(0, StandardCharsets.UTF_8.name());
            default:
                throw new IllegalStateException("typed parameter '" + name + "' has unknown type " + type);
        }
    }

    /** The C {@code unsigned long long} whose bits are {@code bits}. */
    static BigInteger unsigned(long bits) {
        BigInteger b = BigInteger.valueOf(bits);
        return bits >= 0 ? b : b.add(TWO_TO_THE_64);
    }
}
