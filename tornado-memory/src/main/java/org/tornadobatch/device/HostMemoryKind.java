package org.tornadobatch.device;

/** Host memory: page-locked ("pinned", for fast asynchronous copies) or ordinary pageable memory. */
public enum HostMemoryKind {
    /** Page-locked: the device copies it asynchronously, at full speed. */
    PINNED,
    /** Ordinary memory that the system may page out. */
    PAGEABLE
}
