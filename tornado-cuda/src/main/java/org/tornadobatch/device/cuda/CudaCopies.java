package org.tornadobatch.device.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.tornadobatch.device.Rows;

/**
 * Copies between host memory and a CUDA device, queued on a stream: cuMemcpyHtoDAsync/cuMemcpyDtoHAsync
 * (asynchronous where the host memory is pinned; heap segments go through native memory and complete before the
 * call returns), and pitched copies as one cuMemcpy2DAsync.
 */
final class CudaCopies {
    private final CudaContext c;
    private final CudaDriver d;

    CudaCopies(CudaContext context) {
        this.c = context;
        this.d = context.d;
    }

    void toDevice(MemorySegment source, long target, CudaStream s) {
        if (source.byteSize() == 0) {
            return;
        }
        c.bind();
        if (source.isNative()) {
            d.check("cuMemcpyHtoDAsync_v2", c.where, d.cuMemcpyHtoDAsync(target, source, source.byteSize(), s.handle()));
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staged = a.allocate(source.byteSize(), 16).copyFrom(source);
            d.check("cuMemcpyHtoDAsync_v2", c.where, d.cuMemcpyHtoDAsync(target, staged, staged.byteSize(), s.handle()));
            d.check("cuStreamSynchronize", c.where, d.cuStreamSynchronize(s.handle()));
        }
    }

    void toHost(long source, MemorySegment target, CudaStream s) {
        if (target.byteSize() == 0) {
            return;
        }
        c.bind();
        if (target.isNative()) {
            d.check("cuMemcpyDtoHAsync_v2", c.where, d.cuMemcpyDtoHAsync(target, source, target.byteSize(), s.handle()));
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staged = a.allocate(target.byteSize(), 16);
            d.check("cuMemcpyDtoHAsync_v2", c.where, d.cuMemcpyDtoHAsync(staged, source, staged.byteSize(), s.handle()));
            d.check("cuStreamSynchronize", c.where, d.cuStreamSynchronize(s.handle()));
            target.copyFrom(staged);
        }
    }

    /** Queues a CUDA_MEMCPY2D between host rows and device rows; false where it cannot (the caller goes row by row). */
    boolean rows(MemorySegment host, long hostPitch, long device, long devicePitch, Rows rows, CudaStream s, boolean toDevice) {
        if (host.byteSize() < rows.span(hostPitch)) {
            throw new IndexOutOfBoundsException("host rows: " + rows + " need " + rows.span(hostPitch) + " bytes, the segment has "
                    + host.byteSize());
        }
        if (!host.isNative() || hostPitch > c.maxPitch || devicePitch > c.maxPitch) {
            return false;
        }
        if (rows.totalBytes() == 0) {
            return true;
        }
        long hp = rows.count() == 1 ? Math.max(hostPitch, rows.bytes()) : hostPitch; // one row: the pitch is not used
        long dp = rows.count() == 1 ? Math.max(devicePitch, rows.bytes()) : devicePitch;
        c.bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(128, 8); // CUDA_MEMCPY2D: two 56-byte sides, then width and height
            long h = toDevice ? 0 : 56;
            long dv = toDevice ? 56 : 0;
            m.set(JAVA_INT, h + 16, 1); // CU_MEMORYTYPE_HOST
            m.set(JAVA_LONG, h + 24, host.address());
            m.set(JAVA_LONG, h + 48, hp);
            m.set(JAVA_INT, dv + 16, 2); // CU_MEMORYTYPE_DEVICE
            m.set(JAVA_LONG, dv + 32, device);
            m.set(JAVA_LONG, dv + 48, dp);
            m.set(JAVA_LONG, 112, rows.bytes());
            m.set(JAVA_LONG, 120, rows.count());
            d.check("cuMemcpy2DAsync_v2", c.where, d.cuMemcpy2DAsync(m, s.handle()));
        }
        return true;
    }
}
