package org.vcpuagent.libvirt;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.Union;

/**
 * {@code struct _virTypedParameter}: a named value of one of libvirt's seven types.
 *
 * <p>Java has no unsigned types: {@code ui} and {@code ul} hold the C bits and must be widened by
 * the reader ({@link TypedParameters} does). The string in {@code s} belongs to libvirt.
 */
@Structure.FieldOrder({"field", "type", "value"})
public class VirTypedParameter extends Structure {

    /** {@code VIR_TYPED_PARAM_FIELD_LENGTH}. */
    public static final int FIELD_LENGTH = 80;

    /** {@code virTypedParameterType}. */
    public static final int TYPE_INT = 1;
    public static final int TYPE_UINT = 2;
    public static final int TYPE_LLONG = 3;
    public static final int TYPE_ULLONG = 4;
    public static final int TYPE_DOUBLE = 5;
    public static final int TYPE_BOOLEAN = 6;
    public static final int TYPE_STRING = 7;

    /** The anonymous union {@code value}: 8 bytes, aligned as its widest member. */
    @Structure.FieldOrder({"i", "ui", "l", "ul", "d", "b", "s"})
    public static class Value extends Union {
        public int i;
        public int ui;
        public long l;
        public long ul;
        public double d;
        public byte b;
        public Pointer s;
    }

    public byte[] field = new byte[FIELD_LENGTH];
    public int type;
    public Value value;

    public VirTypedParameter() {
        super();
    }

    // A statistics read decodes thousands of these; JNA's Structure costs reflection per element, so
    // TypedParameters reads the memory at these offsets (JNA's layout for this platform) instead.
    static final int SIZE;
    static final int TYPE_OFFSET;
    static final int VALUE_OFFSET;

    static {
        VirTypedParameter layout = new VirTypedParameter();
        SIZE = layout.size();
        TYPE_OFFSET = layout.fieldOffset("type");
        VALUE_OFFSET = layout.fieldOffset("value");
    }
}
