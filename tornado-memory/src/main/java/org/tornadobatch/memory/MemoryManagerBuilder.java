package org.tornadobatch.memory;

import java.nio.file.Path;
import java.util.Objects;

import org.tornadobatch.Bytes;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.memory.host.StagingPool;

/** Builds a {@link MemoryManager}: {@link MemoryManager#builder}. */
public final class MemoryManagerBuilder {
    final DeviceRuntime runtime;
    boolean ownsRuntime;
    LimitMode limitMode = LimitMode.PASSIVE;
    AllocatorKind allocator; // null: pooled where the runtime prefers it, else default
    long hostSpillThresholdBytes = -1;
    Path spillDirectory;
    long stagingBlockBytes = StagingPool.DEFAULT_BLOCK_BYTES;
    int stagingBlocks = StagingPool.DEFAULT_MAX_BLOCKS;
    long pinnedLimitBytes;

    MemoryManagerBuilder(DeviceRuntime runtime) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    /** Whether owners' caps limit their allocations ({@link LimitMode}). */
    public MemoryManagerBuilder limitMode(LimitMode mode) {
        this.limitMode = Objects.requireNonNull(mode, "mode");
        return this;
    }

    /** The allocator (default: {@code pooled} where the runtime {@linkplain DeviceRuntime#prefersPooledBuffers() prefers it}, else {@code default}). */
    public MemoryManagerBuilder allocator(AllocatorKind kind) {
        this.allocator = Objects.requireNonNull(kind, "allocator");
        return this;
    }

    /** Host results above this many bytes spill to memory-mapped files (default: 80% of RAM; 0: never). */
    public MemoryManagerBuilder hostSpillThresholdBytes(long bytes) {
        this.hostSpillThresholdBytes = Bytes.requireNonNegative("hostSpillThresholdBytes", bytes);
        return this;
    }

    /** Where spill files go (default: java.io.tmpdir); must exist. */
    public MemoryManagerBuilder spillDirectory(Path dir) {
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new IllegalArgumentException("spillDirectory: " + dir + " (expected: an existing directory)");
        }
        this.spillDirectory = dir;
        return this;
    }

    /**
     * The bound on pinned host memory: the staging pool, owners' staging buffers ({@link MemoryManager#pinnedBuffer})
     * and PINNED requests together (default: a quarter of the RAM, at most 4 GiB, at least twice the staging pool).
     */
    public MemoryManagerBuilder pinnedLimitBytes(long bytes) {
        this.pinnedLimitBytes = Bytes.requirePositive("pinnedLimitBytes", bytes);
        return this;
    }

    /** Pinned staging: {@code blocks} blocks of {@code blockBytes} at most (default 4 x 64 MiB). */
    public MemoryManagerBuilder staging(long blockBytes, int blocks) {
        Bytes.requirePositive("blockBytes", blockBytes);
        if (blocks < 1) {
            throw new IllegalArgumentException("blocks: " + blocks + " (expected: >= 1)");
        }
        this.stagingBlockBytes = blockBytes;
        this.stagingBlocks = blocks;
        return this;
    }

    /** The manager, over the runtime given (or the jvm runtime). */
    public MemoryManager build() {
        return new MemoryManager(this);
    }
}
