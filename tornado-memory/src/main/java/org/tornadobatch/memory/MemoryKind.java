package org.tornadobatch.memory;

/** Where a requested array lives: device memory, or page-locked host memory for staging. */
public enum MemoryKind {
    /** The device's memory. */
    DEVICE,
    /** Page-locked host memory. */
    PINNED
}
