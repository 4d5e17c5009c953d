package org.tornadobatch.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One CUDA device's primary context and what the driver says of the device: its name, compute capability,
 * multiprocessors, largest pitch, whether it has memory pools, the driver's version. {@link #bind()} makes the
 * context current on the calling thread (once per thread).
 */
final class CudaContext {
    private static final ThreadLocal<MemorySegment> CURRENT = new ThreadLocal<>();

    final CudaDriver d;
    final int ordinal;
    final int device;
    final String name;
    /** The device in messages: "NVIDIA H200 (CUDA device 0)". */
    final String where;
    final int computeCapability;
    final int multiprocessors;
    final long maxPitch;
    final int driverVersion;
    final boolean pools;
    private final MemorySegment context;
    private volatile boolean closed;

    CudaContext(CudaDriver d, int ordinal) {
        this.d = d;
        this.ordinal = ordinal;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            d.check("cuDeviceGetCount", "the driver", d.cuDeviceGetCount(n));
            int count = n.get(JAVA_INT, 0);
            if (ordinal < 0 || ordinal >= count) {
                throw new IllegalArgumentException("deviceIndex: " + ordinal + " (expected: 0 to " + (count - 1) + "; "
                        + count + " CUDA device(s) here)");
            }
            MemorySegment dev = a.allocate(JAVA_INT);
            d.check("cuDeviceGet", "CUDA device " + ordinal, d.cuDeviceGet(dev, ordinal));
            this.device = dev.get(JAVA_INT, 0);
            MemorySegment nameBuf = a.allocate(256);
            d.check("cuDeviceGetName", "CUDA device " + ordinal, d.cuDeviceGetName(nameBuf, 256, device));
            this.name = nameBuf.getString(0);
            this.where = name + " (CUDA device " + ordinal + ")";
            this.computeCapability = attribute(CudaDriver.ATTR_COMPUTE_CAPABILITY_MAJOR) * 10
                    + attribute(CudaDriver.ATTR_COMPUTE_CAPABILITY_MINOR);
            this.multiprocessors = attribute(CudaDriver.ATTR_MULTIPROCESSOR_COUNT);
            this.maxPitch = Integer.toUnsignedLong(attribute(CudaDriver.ATTR_MAX_PITCH));
            this.pools = attribute(CudaDriver.ATTR_MEMORY_POOLS_SUPPORTED) == 1 && d.has("cuMemAllocAsync");
            d.check("cuDriverGetVersion", where, d.cuDriverGetVersion(n));
            this.driverVersion = n.get(JAVA_INT, 0);
            MemorySegment ctx = a.allocate(ADDRESS);
            d.check("cuDevicePrimaryCtxRetain", where, d.cuDevicePrimaryCtxRetain(ctx, device));
            this.context = ctx.get(ADDRESS, 0);
        }
    }

    private int attribute(int attr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            d.check("cuDeviceGetAttribute", "CUDA device " + ordinal, d.cuDeviceGetAttribute(v, attr, device));
            return v.get(JAVA_INT, 0);
        }
    }

    /** Makes the primary context current on this thread (once per thread and context). */
    void bind() {
        if (closed) {
            throw new IllegalStateException("the cuda runtime of " + where + " is closed");
        }
        if (CURRENT.get() != context) {
            d.check("cuCtxSetCurrent", where, d.cuCtxSetCurrent(context));
            CURRENT.set(context);
        }
    }

    boolean closed() {
        return closed;
    }

    /** The driver's CUDA version, e.g. {@code 13.0}. */
    String driverVersionText() {
        return driverVersion / 1000 + "." + driverVersion % 1000 / 10;
    }

    /** Waits for the device. */
    void synchronize() {
        bind();
        d.check("cuCtxSynchronize", where, d.cuCtxSynchronize());
    }

    /** Releases the primary context; the context's streams, events and modules go with it. */
    void close() {
        closed = true;
        d.check("cuDevicePrimaryCtxRelease_v2", where, d.cuDevicePrimaryCtxRelease(device));
    }
}
