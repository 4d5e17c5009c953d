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
    /** Frees still queued on their streams: the event recorded after each, and its bytes. */
    private final java.util.ArrayDeque<Object[]> pending = new java.util.ArrayDeque<>();

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
        pending.add(new Object[] {stream.record(), bytes});
    }

    @Override
    public long pendingFreeBytes() {
        long n = 0;
        for (java.util.Iterator<Object[]> it = pending.iterator(); it.hasNext(); ) {
            Object[] p = it.next();
            if (((org.tornadobatch.device.DeviceEvent) p[0]).isComplete()) {
                it.remove();
            } else {
                n += (Long) p[1];
            }
        }
        return n;
    }

    @Override
    public void awaitFrees() {
        while (!pending.isEmpty()) {
            ((org.tornadobatch.device.DeviceEvent) pending.poll()[0]).synchronize();
        }
    }

    @Override
    public PoolStats stats() {
        return new PoolStats(inUse, 0, 0, allocations);
    }

    @Override
    public void close() {
    }
}
