package org.tornadobatch.memory.internal;

import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.memory.AllocatorKind;
import org.tornadobatch.memory.PoolStats;

/** The {@code default} allocator: every allocation and free goes to the device. */
final class DirectAllocator implements DeviceAllocator {
    private final DeviceRuntime runtime;
    private long inUse;
    private long allocations;

    DirectAllocator(DeviceRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public AllocatorKind kind() {
        return AllocatorKind.DEFAULT;
    }

    @Override
    public DeviceBuffer allocate(long bytes, DeviceStream stream) {
        DeviceBuffer b = runtime.allocate(bytes);
        inUse += b.bytes();
        allocations++;
        return b;
    }

    @Override
    public void free(DeviceBuffer buffer, DeviceStream stream) {
        runtime.free(buffer);
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
