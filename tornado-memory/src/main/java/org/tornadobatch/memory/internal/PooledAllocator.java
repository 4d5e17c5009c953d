package org.tornadobatch.memory.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.TreeMap;

import org.tornadobatch.FirstFailure;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.OutOfDeviceMemoryException;
import org.tornadobatch.memory.AllocatorKind;
import org.tornadobatch.memory.PoolStats;

/**
 * The {@code pooled} allocator: freed blocks are cached by exact size and handed out again, so a solve that
 * repeats its predecessor's allocations costs no device calls. Blocks of one size come back first freed, first
 * out, so a solve whose requests repeat the last one's gets the same block for each array (runtimes that keep
 * state per set of blocks, as tornadovm keeps execution plans, reuse it). When the device runs out, the cache
 * is trimmed and the allocation retried once.
 */
final class PooledAllocator implements DeviceAllocator {
    private final DeviceRuntime runtime;
    private final TreeMap<Long, Deque<DeviceBuffer>> cache = new TreeMap<>();
    private long inUse;
    private long cached;
    private long hits;
    private long misses;

    PooledAllocator(DeviceRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public AllocatorKind kind() {
        return AllocatorKind.POOLED;
    }

    @Override
    public DeviceBuffer allocate(long bytes, DeviceStream stream) {
        Deque<DeviceBuffer> q = cache.get(bytes);
        if (q != null && !q.isEmpty()) {
            DeviceBuffer b = q.pollFirst();
            if (q.isEmpty()) {
                cache.remove(bytes);
            }
            cached -= bytes;
            inUse += bytes;
            hits++;
            return b;
        }
        DeviceBuffer b;
        try {
            b = runtime.allocate(bytes);
        } catch (OutOfDeviceMemoryException e) {
            if (cached == 0) {
                throw e;
            }
            trim();
            b = runtime.allocate(bytes);
        }
        inUse += bytes;
        misses++;
        return b;
    }

    @Override
    public void free(DeviceBuffer buffer, DeviceStream stream) {
        cache.computeIfAbsent(buffer.bytes(), k -> new ArrayDeque<>()).addLast(buffer);
        inUse -= buffer.bytes();
        cached += buffer.bytes();
    }

    @Override
    public long cachedBytes() {
        return cached;
    }

    @Override
    public void trim() {
        FirstFailure failures = new FirstFailure();
        for (Deque<DeviceBuffer> blocks : cache.values()) {
            for (DeviceBuffer b : blocks) {
                failures.run(() -> runtime.free(b));
            }
        }
        cache.clear();
        cached = 0;
        failures.rethrow();
    }

    @Override
    public PoolStats stats() {
        return new PoolStats(inUse, cached, hits, misses);
    }

    @Override
    public void close() {
        trim();
    }
}
