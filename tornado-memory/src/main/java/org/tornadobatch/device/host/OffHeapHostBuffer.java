package org.tornadobatch.device.host;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
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
 * of a MiB or more are fresh zero pages from the kernel: no single-threaded memset up front, and pages are
 * touched (in parallel) by whoever first writes them. On Linux they are mapped with {@code mmap} (and offered
 * transparent huge pages); elsewhere they come from {@code calloc}, which maps its large blocks the same way
 * until the C library's threshold has grown. Smaller buffers come from an arena, 64-byte aligned.
 */
public final class OffHeapHostBuffer implements HostBuffer {
    private static final long LARGE_BYTES = 1L << 20;
    private static final boolean LINUX = System.getProperty("os.name", "").startsWith("Linux");
    private static final int PROT_READ_WRITE = 3;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x22;
    private static final int MADV_HUGEPAGE = 14;
    private static final MethodHandle CALLOC;
    private static final MethodHandle FREE;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;

    static {
        Linker linker = Linker.nativeLinker();
        CALLOC = linker.downcallHandle(linker.defaultLookup().find("calloc").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_LONG, JAVA_LONG));
        FREE = linker.downcallHandle(linker.defaultLookup().find("free").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
        MMAP = LINUX ? linker.downcallHandle(linker.defaultLookup().find("mmap").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG)) : null;
        MUNMAP = LINUX ? linker.downcallHandle(linker.defaultLookup().find("munmap").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG)) : null;
        MADVISE = LINUX ? linker.downcallHandle(linker.defaultLookup().find("madvise").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT)) : null;
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment segment;
    private final HostMemoryKind kind;
    private boolean closed;

    /** A zeroed buffer of {@code bytes} off the Java heap, reporting itself as {@code kind}. */
    public OffHeapHostBuffer(long bytes, HostMemoryKind kind) {
        this.segment = bytes < LARGE_BYTES ? arena.allocate(Math.max(bytes, 1), 64).asSlice(0, bytes) : LINUX ? map(bytes) : calloc(bytes);
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

    private MemorySegment map(long bytes) {
        MemorySegment p;
        try {
            p = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
            if (p.address() != -1L) {
                int ignored = (int) MADVISE.invokeExact(p, bytes, MADV_HUGEPAGE); // a hint: refused where huge pages are off
            }
        } catch (Throwable e) {
            throw new IllegalStateException("mmap: " + e, e);
        }
        if (p.address() == -1L) { // MAP_FAILED
            arena.close();
            throw new OutOfMemoryError("the host refused " + bytes + " bytes (mmap failed)");
        }
        return p.reinterpret(bytes, arena, q -> unmap(q, bytes)); // the cleanup gets a zero-length segment: keep the size

    }

    private static void unmap(MemorySegment p, long bytes) {
        try {
            int ignored = (int) MUNMAP.invokeExact(p, bytes);
        } catch (Throwable e) {
            throw new IllegalStateException("munmap: " + e, e);
        }
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
