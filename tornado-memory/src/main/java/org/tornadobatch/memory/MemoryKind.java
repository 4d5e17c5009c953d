package org.tornadobatch.memory;

/** Where a requested array lives: device memory, or page-locked host memory for staging. */
public enum MemoryKind {
    DEVICE,
    PINNED
}
