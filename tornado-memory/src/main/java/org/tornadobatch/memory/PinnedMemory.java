package org.tornadobatch.memory;

import java.util.concurrent.atomic.AtomicLong;

import org.tornadobatch.Bytes;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;
import org.tornadobatch.memory.host.StagingPool;

/**
 * The manager's pinned host memory, bounded and counted (MEMORY.md: pinned staging is bounded): the staging pool
 * (counted at its full size once it exists), owners' own staging buffers and PINNED requests. Thread-safe on its
 * own lock, so a buffer can be closed from any thread.
 */
final class PinnedMemory {
    private final DeviceRuntime runtime;
    private final long stagingBlockBytes;
    private final int stagingBlocks;
    private final long limitBytes;
    private StagingPool staging;
    private long inUse;
    private long peak;

    PinnedMemory(DeviceRuntime runtime, long stagingBlockBytes, int stagingBlocks, long limitBytes, long physicalBytes) {
        this.runtime = runtime;
        this.stagingBlockBytes = stagingBlockBytes;
        this.stagingBlocks = stagingBlocks;
        long stagingMax = stagingBlockBytes * stagingBlocks;
        this.limitBytes = limitBytes > 0 ? limitBytes : defaultLimit(stagingMax, physicalBytes);
        if (this.limitBytes < stagingMax) {
            throw new IllegalArgumentException("pinnedLimitBytes: " + this.limitBytes + " (expected: at least the staging pool's "
                    + stagingMax + ")");
        }
    }

    /**
     * The default bound: a quarter of the RAM, at most 4 GiB, and never less than twice the staging pool (pinned
     * memory cannot be swapped, so a bound protects the rest of the machine).
     */
    static long defaultLimit(long stagingMax, long physicalBytes) {
        long quarter = physicalBytes > 0 ? physicalBytes / 4 : 4 * Bytes.GiB;
        return Math.max(2 * stagingMax, Math.min(quarter, 4 * Bytes.GiB));
    }

    long limitBytes() {
        return limitBytes;
    }

    synchronized long inUse() {
        return inUse;
    }

    synchronized long peak() {
        return peak;
    }

    synchronized long available() {
        return limitBytes - inUse;
    }

    /** Counts {@code bytes} against the bound, or refuses them naming {@code what}. */
    synchronized void reserve(long bytes, String what) {
        if (bytes > limitBytes - inUse) {
            throw new MemoryLimitExceededException(MemoryLimitExceededException.Reason.PINNED_LIMIT, "pinned host memory for " + what + ": "
                    + Bytes.exact(bytes) + " asked, " + Bytes.exact(limitBytes - inUse) + " left of the bound of "
                    + Bytes.exact(limitBytes) + "; raise it (MemoryManagerBuilder.pinnedLimitBytes) or use smaller slices", bytes, 0,
                    limitBytes - inUse);
        }
        inUse += bytes;
        peak = Math.max(peak, inUse);
    }

    synchronized void release(long bytes) {
        inUse -= bytes;
    }

    /** Pinned memory of {@code bytes} counted against the bound (and in {@code owned}) until closed. */
    HostBuffer buffer(long bytes, String what, AtomicLong owned) {
        HostBuffer b = forRequest(bytes, what);
        owned.addAndGet(bytes);
        return new HostBuffer() {
            private boolean closed;

            @Override
            public java.lang.foreign.MemorySegment segment() {
                return b.segment();
            }

            @Override
            public HostMemoryKind kind() {
                return b.kind();
            }

            @Override
            public void close() {
                synchronized (PinnedMemory.this) {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    b.close();
                    inUse -= bytes;
                    owned.addAndGet(-bytes);
                }
            }
        };
    }

    /** Pinned memory for a PINNED request, counted against the bound; the caller releases its bytes when it closes it. */
    HostBuffer forRequest(long bytes, String what) {
        reserve(bytes, what);
        try {
            return runtime.allocateHost(bytes, HostMemoryKind.PINNED);
        } catch (RuntimeException ex) {
            release(bytes);
            throw ex;
        }
    }

    /** The bounded pool of pinned staging blocks, created (and counted at its full size) on first use. */
    synchronized StagingPool staging() {
        if (staging == null) {
            reserve(stagingBlockBytes * stagingBlocks, "the staging pool");
            staging = new StagingPool(runtime, stagingBlockBytes, stagingBlocks);
        }
        return staging;
    }

    synchronized void close() {
        if (staging != null) {
            staging.close();
            inUse -= stagingBlockBytes * stagingBlocks;
            staging = null;
        }
    }
}
