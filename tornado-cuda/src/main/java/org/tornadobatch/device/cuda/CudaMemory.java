package org.tornadobatch.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.tornadobatch.device.DeviceException;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.MemoryInfo;
import org.tornadobatch.device.OutOfDeviceMemoryException;

/**
 * A CUDA device's memory: cuMemAlloc/cuMemFree, stream-ordered allocation from the device's default memory pool
 * (cuMemAllocAsync/cuMemFreeAsync), trimming that pool, and page-locked host memory (cuMemHostAlloc).
 */
final class CudaMemory {
    private static final int CU_MEMHOSTALLOC_PORTABLE = 1;

    private final CudaRuntime owner;
    private final CudaContext c;
    private final CudaDriver d;
    private final Set<CudaBuffer> live = ConcurrentHashMap.newKeySet();

    CudaMemory(CudaRuntime owner, CudaContext context) {
        this.owner = owner;
        this.c = context;
        this.d = context.d;
    }

    MemoryInfo info() {
        c.bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG);
            MemorySegment total = a.allocate(JAVA_LONG);
            d.check("cuMemGetInfo_v2", c.where, d.cuMemGetInfo(free, total));
            return new MemoryInfo(free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0));
        }
    }

    /** Allocates {@code bytes}: synchronously, or ordered on {@code stream} (the pool's) when it is not null. */
    CudaBuffer allocate(long bytes, CudaStream stream) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        c.bind();
        if (bytes == 0) {
            return new CudaBuffer(owner, 0, 0, false);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(JAVA_LONG);
            String fn = stream == null ? "cuMemAlloc_v2" : "cuMemAllocAsync";
            int status = stream == null ? d.cuMemAlloc(p, bytes) : d.cuMemAllocAsync(p, bytes, stream.handle());
            if (status == CudaDriver.CUDA_ERROR_OUT_OF_MEMORY) {
                throw new OutOfDeviceMemoryException(c.where, bytes, info().freeBytes());
            }
            if (status != CudaDriver.CUDA_SUCCESS) {
                throw new CudaException(fn, status, d.errorName(status), c.where, "allocating " + bytes + " bytes");
            }
            CudaBuffer b = new CudaBuffer(owner, p.get(JAVA_LONG, 0), bytes, stream != null);
            live.add(b);
            return b;
        }
    }

    /** Frees {@code b}: at once, or ordered on {@code stream} when it is not null. */
    void free(CudaBuffer b, CudaStream stream) {
        if (!b.release() || (b.address() != 0 && !live.remove(b))) {
            throw new DeviceException(b + " was already freed");
        }
        if (b.address() == 0) {
            return;
        }
        c.bind();
        if (stream == null) {
            d.check("cuMemFree_v2", c.where, d.cuMemFree(b.address()));
        } else {
            d.check("cuMemFreeAsync", c.where, d.cuMemFreeAsync(b.address(), stream.handle()));
        }
    }

    /** The buffers not yet freed. */
    List<CudaBuffer> live() {
        return List.copyOf(live);
    }

    /** Trims the device's default memory pool to nothing kept: cuMemPoolTrimTo(pool, 0). */
    void trimPool() {
        if (!c.pools || !d.has("cuMemPoolTrimTo") || !d.has("cuDeviceGetDefaultMemPool")) {
            return;
        }
        c.bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pool = a.allocate(ADDRESS);
            d.check("cuDeviceGetDefaultMemPool", c.where, d.cuDeviceGetDefaultMemPool(pool, c.device));
            d.check("cuMemPoolTrimTo", c.where, d.cuMemPoolTrimTo(pool.get(ADDRESS, 0), 0L));
        }
    }

    /** Page-locked host memory of {@code bytes}. */
    HostBuffer pinnedHost(long bytes) {
        c.bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            d.check("cuMemHostAlloc", c.where, d.cuMemHostAlloc(p, Math.max(bytes, 1), CU_MEMHOSTALLOC_PORTABLE));
            return new PinnedHostBuffer(owner, p.get(ADDRESS, 0).reinterpret(bytes));
        }
    }

    void freeHost(MemorySegment segment) {
        c.bind();
        d.check("cuMemFreeHost", c.where, d.cuMemFreeHost(segment));
    }
}
