package org.tornadobatch.device;

/** Host memory: page-locked ("pinned", for fast asynchronous copies) or ordinary pageable memory. */
public enum HostMemoryKind {
    PINNED,
    PAGEABLE
}
