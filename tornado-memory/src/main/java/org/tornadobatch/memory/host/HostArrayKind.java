package org.tornadobatch.memory.host;

/** Where a host array lives. */
public enum HostArrayKind {
    /** Page-locked memory: fast asynchronous copies; bounded (at most {@link HostArrays#PINNED_MAX_BYTES} each). */
    PINNED,
    /** Ordinary off-heap memory. */
    PAGEABLE,
    /** A memory-mapped spill file, deleted when the array is closed. */
    MAPPED
}
