package org.tornadobatch.memory.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
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
 * repeats its predecessor's allocations costs no device calls. An array asked for by name (an affinity) gets
 * back the block it had last where that block is cached; it takes another array's cached block only where the
 * device has no room for a new one. So a solve whose requests repeat an earlier one's gets the same block for
 * each array, even when other solves' arrays of the same sizes came and went in between (runtimes that keep
 * state per set of blocks, as tornadovm keeps execution plans, reuse it). Blocks asked for without a name
 * come back first freed, first out. When the device runs out, the cache is trimmed and the allocation retried
 * once.
 */
final class PooledAllocator implements DeviceAllocator {
    private final DeviceRuntime runtime;
    private final TreeMap<Long, Deque<DeviceBuffer>> cache = new TreeMap<>();
    /** The affinity each block was last handed out for. */
    private final Map<DeviceBuffer, String> lastFor = new IdentityHashMap<>();
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
        return allocate(bytes, stream, null);
    }

    @Override
    public DeviceBuffer allocate(long bytes, DeviceStream stream, String affinity) {
        DeviceBuffer b = take(bytes, affinity);
        if (affinity != null) {
            lastFor.put(b, affinity);
        } else {
            lastFor.remove(b);
        }
        return b;
    }

    private DeviceBuffer take(long bytes, String affinity) {
        Deque<DeviceBuffer> q = cache.get(bytes);
        if (q != null && !q.isEmpty()) {
            DeviceBuffer b = null;
            if (affinity != null) {
                for (Iterator<DeviceBuffer> it = q.iterator(); it.hasNext(); ) {
                    DeviceBuffer c = it.next();
                    if (affinity.equals(lastFor.get(c))) {
                        it.remove();
                        b = c;
                        break;
                    }
                }
            }
            if (b == null && affinity != null) {
                // Another array's block: only where the device has no room for a new one.
                try {
                    return fresh(bytes);
                } catch (OutOfDeviceMemoryException e) {
                    b = q.pollFirst();
                }
            }
            if (b == null) {
                b = q.pollFirst();
            }
            if (q.isEmpty()) {
                cache.remove(bytes);
            }
            cached -= bytes;
            inUse += bytes;
            hits++;
            return b;
        }
        try {
            return fresh(bytes);
        } catch (OutOfDeviceMemoryException e) {
            if (cached == 0) {
                throw e;
            }
            trim();
            return fresh(bytes);
        }
    }

    private DeviceBuffer fresh(long bytes) {
        DeviceBuffer b = runtime.allocate(bytes);
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
                lastFor.remove(b);
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
