package org.tornadobatch.memory;

/**
 * The allocator's counters: bytes handed out and not yet freed, bytes cached for reuse (pooled), and how many
 * allocations were served from the cache (hits) or from the device (misses).
 */
public record PoolStats(long bytesInUse, long bytesCached, long hits, long misses) {
}
