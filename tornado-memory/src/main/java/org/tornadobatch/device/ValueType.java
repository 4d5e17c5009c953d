package org.tornadobatch.device;

/** The type of a kernel parameter's value, or of a buffer parameter's elements, with its size in bytes. */
public enum ValueType {
    INT32(4), INT64(8), FLOAT32(4), FLOAT64(8);

    private final int bytes;

    ValueType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }
}
