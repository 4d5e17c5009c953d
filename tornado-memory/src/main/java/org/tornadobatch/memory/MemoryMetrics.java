package org.tornadobatch.memory;

/**
 * A read-only snapshot of a {@link MemoryManager}'s counters, taken at once under its lock (so the numbers agree
 * with each other): for logs, dashboards and tests.
 *
 * @param allocatedBytes  device bytes held by all owners
 * @param pinnedBytes     pinned host bytes held (staging pool at its full size once used, staging buffers, PINNED arrays)
 * @param peakPinnedBytes the most pinned host bytes held at once
 * @param pinnedLimitBytes the bound on pinned host memory
 * @param pool            the allocator's counters
 * @param owners          registered owners
 * @param purgedOwners    owners collected without unregistering, and purged
 * @param plans           chunk plans made
 * @param evictions       idle owners evicted to make room
 */
public record MemoryMetrics(long allocatedBytes, long pinnedBytes, long peakPinnedBytes, long pinnedLimitBytes, PoolStats pool,
                            int owners, long purgedOwners, long plans, long evictions) {
}
