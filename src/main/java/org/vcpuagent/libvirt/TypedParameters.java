package org.vcpuagent.libvirt;

import com.sun.jna.Pointer;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
        if (n == 0) {
            return Map.of();
        }
        // One native read for the whole array, then plain Java: a statistics read decodes thousands of
        // parameters, and each JNA read is a JNI call.
        ByteBuffer b = ByteBuffer.wrap(params.getByteArray(0, n * VirTypedParameter.SIZE))
                .order(ByteOrder.nativeOrder());
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            int base = i * VirTypedParameter.SIZE;
            String name = name(b.array(), base);
            int type = b.getInt(base + VirTypedParameter.TYPE_OFFSET);
            out.put(name, valueAt(b, params, base + VirTypedParameter.VALUE_OFFSET, name, type));
        }
        return Collections.unmodifiableMap(out);
    }

    /** The name up to its NUL; libvirt always terminates it, but a full field is read as it stands. */
    private static String name(byte[] array, int base) {
        int len = 0;
        while (len < VirTypedParameter.FIELD_LENGTH && array[base + len] != 0) {
            len++;
        }
        return new String(array, base, len, StandardCharsets.UTF_8);
    }

    /**
     * Reads the union member that {@code type} selects, at {@code offset} of the copy {@code b}; a string's
     * characters are read from libvirt's memory through {@code p}.
     */
    private static Object valueAt(ByteBuffer b, Pointer p, int offset, String name, int type) {
        switch (type) {
            case VirTypedParameter.TYPE_INT:
                return b.getInt(offset);
            case VirTypedParameter.TYPE_UINT:
                return Integer.toUnsignedLong(b.getInt(offset));
            case VirTypedParameter.TYPE_LLONG:
                return b.getLong(offset);
            case VirTypedParameter.TYPE_ULLONG:
                return unsigned(b.getLong(offset));
            case VirTypedParameter.TYPE_DOUBLE:
                return b.getDouble(offset);
            case VirTypedParameter.TYPE_BOOLEAN:
                return b.get(offset) != 0;
            case VirTypedParameter.TYPE_STRING:
                // libvirt promises non-NULL; a NULL would be a libvirt bug, shown rather than crashed on.
                Pointer s = p.getPointer(offset);
                return s == null ? null : s.getString(0, StandardCharsets.UTF_8.name());
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
