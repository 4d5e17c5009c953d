package org.tornadobatch.device.jvm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;

/**
 * Ordinary (pageable) host memory, zero-filled: "pinned" is ordinary memory on the host-side runtimes. Buffers
 * of a MiB or more come from the C library's {@code calloc}, whose large blocks are fresh zero pages from the
 * kernel: no single-threaded memset up front, and pages are touched (in parallel) by whoever first writes them.
 * Smaller ones come from an arena, 64-byte aligned.
 */
public final class OffHeapHostBuffer implements HostBuffer {
    private static final long CALLOC_BYTES = 1L << 20;
    private static final MethodHandle CALLOC;
    private static final MethodHandle FREE;

    static {
        Linker linker = Linker.nativeLinker();
        CALLOC = linker.downcallHandle(linker.defaultLookup().find("calloc").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_LONG, JAVA_LONG));
        FREE = linker.downcallHandle(linker.defaultLookup().find("free").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment segment;
    private final HostMemoryKind kind;
    private boolean closed;

    public OffHeapHostBuffer(long bytes, HostMemoryKind kind) {
        this.segment = bytes >= CALLOC_BYTES ? calloc(bytes) : arena.allocate(Math.max(bytes, 1), 64).asSlice(0, bytes);
        this.kind = kind;
    }

    private MemorySegment calloc(long bytes) {
        MemorySegment p;
        try {
            p = (MemorySegment) CALLOC.invokeExact(1L, bytes);
        } catch (Throwable e) {
            throw new IllegalStateException("calloc: " + e, e);
        }
        if (p.equals(MemorySegment.NULL)) {
            arena.close();
            throw new OutOfMemoryError("the host refused " + bytes + " bytes (calloc returned NULL)");
        }
        return p.reinterpret(bytes, arena, OffHeapHostBuffer::free);
    }

    private static void free(MemorySegment p) {
        try {
            FREE.invokeExact(p);
        } catch (Throwable e) {
            throw new IllegalStateException("free: " + e, e);
        }
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
