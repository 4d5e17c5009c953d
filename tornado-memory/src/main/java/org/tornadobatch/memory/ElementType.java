package org.tornadobatch.memory;

/** Element types of batch arrays, with their sizes in bytes. */
public enum ElementType {
    FLOAT64(8),
    FLOAT32(4),
    INT32(4);

    private final int bytes;

    ElementType(int bytes) {
        this.bytes = bytes;
    }

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
