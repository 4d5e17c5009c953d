package org.tornadobatch.memory.internal;

import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.OutOfDeviceMemoryException;
import org.tornadobatch.memory.AllocatorKind;
import org.tornadobatch.memory.PoolStats;

/** Obtains and returns device memory for the manager. Not thread-safe; the manager guards it. */
public interface DeviceAllocator extends AutoCloseable {

    /** Which allocator this is. */
    AllocatorKind kind();

    /**
     * A buffer of {@code bytes}, ready for work on {@code stream}.
     *
     * @throws OutOfDeviceMemoryException when the device cannot provide it, even after trimming any cache
     */
    DeviceBuffer allocate(long bytes, DeviceStream stream);

    /**
     * As {@link #allocate(long, DeviceStream)}, for the array that {@code affinity} names (an owner's name and
     * the array's label): a caching allocator hands back the block that array had last where it can.
     */
    default DeviceBuffer allocate(long bytes, DeviceStream stream, String affinity) {
        return allocate(bytes, stream);
    }

    /** Returns a buffer; the work on {@code stream} that used it may still be running (async) or has finished (others). */
    void free(DeviceBuffer buffer, DeviceStream stream);

    /** Bytes held in a cache that the device does not count as free. */
    default long cachedBytes() {
        return 0;
    }

    /** Releases cached blocks to the device. */
    default void trim() {
    }

    /** Bytes freed but not yet back on the device: stream-ordered frees still queued behind work (async only). */
    default long pendingFreeBytes() {
        return 0;
    }

    /** Waits until every free queued so far has reached the device. */
    default void awaitFrees() {
    }

    /** Counts of what the allocator holds and handed out (a direct allocator holds nothing). */
    PoolStats stats();

    /** Releases cached blocks; buffers still in use are the manager's to free. */
    @Override
    void close();

    /** A new allocator of kind {@code kind} over {@code runtime}'s memory. */
    static DeviceAllocator of(AllocatorKind kind, DeviceRuntime runtime) {
        return switch (kind) {
            case DEFAULT -> new DirectAllocator(runtime);
            case POOLED -> new PooledAllocator(runtime);
            case ASYNC -> new StreamOrderedAllocator(runtime);
        };
    }
}
