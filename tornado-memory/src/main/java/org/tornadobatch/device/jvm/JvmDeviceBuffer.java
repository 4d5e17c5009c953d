package org.tornadobatch.device.jvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.tornadobatch.device.DeviceBuffer;

/** "Device" memory of the JVM runtime: an off-heap segment that kernels on the host read and write directly. */
public final class JvmDeviceBuffer implements DeviceBuffer {
    private final Arena arena;
    private final MemorySegment segment;
    private volatile boolean valid = true;

    JvmDeviceBuffer(long bytes) {
        this.arena = Arena.ofShared();
        this.segment = arena.allocate(Math.max(bytes, 1), 64).asSlice(0, bytes);
    }

    /** The memory itself. */
    public MemorySegment segment() {
        if (!valid) {
            throw new IllegalStateException("buffer was freed");
        }
        return segment;
    }

    @Override
    public long bytes() {
        return segment.byteSize();
    }

    @Override
    public long address() {
        return segment.address();
    }

    @Override
    public boolean isValid() {
        return valid;
    }

    /** Returns false when it was already freed. */
    boolean release() {
        synchronized (this) {
            if (!valid) {
                return false;
            }
            valid = false;
        }
        arena.close();
        return true;
    }
}
