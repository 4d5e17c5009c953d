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
        runtime.freeAsync(buffer, stream);
        inUse -= buffer.bytes();
    }

    @Override
    public PoolStats stats() {
        return new PoolStats(inUse, 0, 0, allocations);
    }

    @Override
    public void close() {
    }
}
