package org.tornadobatch.device;

/** The type of a kernel parameter's value, or of a buffer parameter's elements, with its size in bytes. */
public enum ValueType {
    /** A 32-bit signed integer. */
    INT32(4),
    /** A 64-bit signed integer. */
    INT64(8),
    /** An IEEE 754 single-precision number. */
    FLOAT32(4),
    /** An IEEE 754 double-precision number. */
    FLOAT64(8);

    private final int bytes;

    ValueType(int bytes) {
        this.bytes = bytes;
    }

    /** The size of one value in bytes. */
    public int bytes() {
        return bytes;
    }
}
