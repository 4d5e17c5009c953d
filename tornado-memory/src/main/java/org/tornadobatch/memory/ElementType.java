package org.tornadobatch.memory;

/** Element types of batch arrays, with their sizes in bytes. */
public enum ElementType {
    /** IEEE 754 double precision. */
    FLOAT64(8),
    /** IEEE 754 single precision. */
    FLOAT32(4),
    /** 32-bit signed integers (statuses, step counts). */
    INT32(4);

    private final int bytes;

    ElementType(int bytes) {
        this.bytes = bytes;
    }

    /** The size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** The kernel-parameter type of these elements. */
    public org.tornadobatch.device.ValueType valueType() {
        return switch (this) {
            case FLOAT64 -> org.tornadobatch.device.ValueType.FLOAT64;
            case FLOAT32 -> org.tornadobatch.device.ValueType.FLOAT32;
            case INT32 -> org.tornadobatch.device.ValueType.INT32;
        };
    }
}
