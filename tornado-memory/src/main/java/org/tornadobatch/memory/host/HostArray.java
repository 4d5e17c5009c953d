package org.tornadobatch.memory.host;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

import org.tornadobatch.memory.ElementType;

/**
 * An array in host memory: pinned, pageable, or a memory-mapped spill file. Closing it frees the memory and
 * deletes the spill file; closing twice is harmless. An array that is collected without being closed is
 * cleaned up the same way.
 */
public final class HostArray implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final ElementType type;
    private final long[] shape;
    private final HostArrayKind kind;
    private final MemorySegment segment;
    private final Path spillFile;
    private final Cleaner.Cleanable cleanable;

    HostArray(ElementType type, long[] shape, HostArrayKind kind, MemorySegment segment, Path spillFile, Runnable release) {
        this.type = type;
        this.shape = shape.clone();
        this.kind = kind;
        this.segment = segment;
        this.spillFile = spillFile;
        this.cleanable = CLEANER.register(this, release);
    }

    /** The element type. */
    public ElementType type() {
        return type;
    }

    /** The array's extents. */
    public long[] shape() {
        return shape.clone();
    }

    /** Where the array lives: pinned, pageable, or a memory-mapped spill file. */
    public HostArrayKind kind() {
        return kind;
    }

    /** The array's memory (row-major, native byte order). */
    public MemorySegment segment() {
        return segment;
    }

    /** The array's size in bytes. */
    public long bytes() {
        return segment.byteSize();
    }

    /** The spill file behind a {@link HostArrayKind#MAPPED} array. */
    public Optional<Path> spillFile() {
        return Optional.ofNullable(spillFile);
    }

    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "HostArray[" + type + " " + Arrays.toString(shape) + " " + kind + (spillFile != null ? " " + spillFile : "") + "]";
    }
}
