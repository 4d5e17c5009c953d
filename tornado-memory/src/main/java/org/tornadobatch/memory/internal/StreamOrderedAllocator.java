package org.tornadobatch.memory.internal;

import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.UnsupportedFeatureException;
import org.tornadobatch.memory.AllocatorKind;
import org.tornadobatch.memory.PoolStats;

/** The {@code async} allocator: allocation and free ordered on the owner's stream. */
final class StreamOrderedAllocator implements DeviceAllocator {
    private final DeviceRuntime runtime;
    private long inUse;
    private long allocations;
    /** Frees not yet known to be back on the device: the event recorded after each, and its bytes. */
    private final java.util.ArrayDeque<Object[]> pending = new java.util.ArrayDeque<>();
    /** Bytes freed since the driver's pool was last trimmed: they may sit reserved in it even after their free ran. */
    private long freedSinceTrim;

    StreamOrderedAllocator(DeviceRuntime runtime) {
        if (!runtime.supportsStreamOrderedAllocation()) {
            throw new UnsupportedFeatureException(runtime.name(), "stream-ordered allocation (the async allocator)",
                    "choose the default or pooled allocator");
        }
        this.runtime = runtime;
    }

    @Override
    public AllocatorKind kind() {
        return AllocatorKind.ASYNC;
    }

    @Override
    public DeviceBuffer allocate(long bytes, DeviceStream stream) {
        DeviceBuffer b = runtime.allocateAsync(bytes, stream);
        inUse += bytes;
        allocations++;
        return b;
    }

    @Override
    public void free(DeviceBuffer buffer, DeviceStream stream) {
        long bytes = buffer.bytes();
        runtime.freeAsync(buffer, stream);
        inUse -= bytes;
        freedSinceTrim += bytes;
        pending.add(new Object[] {stream.record(), bytes});
    }

    /** Bytes freed that the device may not count as free yet: queued frees, or memory the driver's pool still holds. */
    @Override
    public long pendingFreeBytes() {
        return freedSinceTrim;
    }

    /** Waits for every queued free, then has the runtime hand the pool's freed memory back to the device. */
    @Override
    public void awaitFrees() {
        if (freedSinceTrim == 0 && pending.isEmpty()) {
            return;
        }
        while (!pending.isEmpty()) {
            ((org.tornadobatch.device.DeviceEvent) pending.poll()[0]).synchronize();
        }
        runtime.releaseFreedAsyncMemory();
        freedSinceTrim = 0;
    }

    @Override
    public PoolStats stats() {
        return new PoolStats(inUse, 0, 0, allocations);
    }

    @Override
    public void close() {
    }
}
