package org.tornadobatch.device.jvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;

/** Host memory of the host-side runtimes: off-heap, 64-byte aligned; "pinned" is ordinary memory here. */
public final class OffHeapHostBuffer implements HostBuffer {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment segment;
    private final HostMemoryKind kind;
    private boolean closed;

    public OffHeapHostBuffer(long bytes, HostMemoryKind kind) {
        this.segment = arena.allocate(Math.max(bytes, 1), 64).asSlice(0, bytes);
        this.kind = kind;
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public HostMemoryKind kind() {
        return kind;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
