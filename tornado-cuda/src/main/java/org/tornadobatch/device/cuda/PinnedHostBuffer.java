package org.tornadobatch.device.cuda;

import java.lang.foreign.MemorySegment;

import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;

/** Page-locked host memory from cuMemHostAlloc (portable to every context), freed with cuMemFreeHost. */
final class PinnedHostBuffer implements HostBuffer {
    private final CudaRuntime rt;
    private final MemorySegment segment;
    private boolean closed;

    PinnedHostBuffer(CudaRuntime rt, MemorySegment segment) {
        this.rt = rt;
        this.segment = segment;
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public HostMemoryKind kind() {
        return HostMemoryKind.PINNED;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            rt.freeHost(segment);
        }
    }
}
