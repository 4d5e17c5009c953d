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
}
