package org.tornadobatch.memory;

import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalInt;

import org.tornadobatch.device.Direction;

/**
 * What an owner needs of one array: element type, shape, memory kind, the axis that indexes runs (the
 * <em>chunk axis</em>; by default the last), whether it may be chunked, the number of runs in the batch, and how
 * it moves between host and device around the kernels that use it (its {@link Direction}; by default
 * {@link Direction#IN_OUT}).
 *
 * <p>An array is <em>chunkable</em> when it is not flagged unchunkable, has a chunk axis, and that axis'
 * extent is not 1. A chunkable array's chunk-axis extent must equal {@code totalRuns}.
 *
 * @param type        element type
 * @param shape       extents, each >= 1 (copied; {@link #shape()} returns a copy)
 * @param memory      device memory or pinned host memory
 * @param chunkAxis   the run axis, in {@code [0, rank)}, or empty for none
 * @param unchunkable true to keep the array whole whatever the chunking
 * @param totalRuns   runs in the batch, >= 1
 * @param direction   how the array moves: in, out, both, or constant (sent once)
 */
public record ArrayRequest(ElementType type, long[] shape, MemoryKind memory, OptionalInt chunkAxis, boolean unchunkable,
                           long totalRuns, Direction direction) {

    /** A request that moves both ways ({@link Direction#IN_OUT}). */
    public ArrayRequest(ElementType type, long[] shape, MemoryKind memory, OptionalInt chunkAxis, boolean unchunkable, long totalRuns) {
        this(type, shape, memory, chunkAxis, unchunkable, totalRuns, Direction.IN_OUT);
    }

    /** Requires every component and copies the shape. */
    public ArrayRequest {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(chunkAxis, "chunkAxis");
        Objects.requireNonNull(direction, "direction");
        shape = shape.clone();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 1) {
                throw new IllegalArgumentException("shape[" + i + "]: " + shape[i] + " (expected: >= 1) in shape "
                        + Arrays.toString(shape));
            }
        }
        if (chunkAxis.isPresent() && (chunkAxis.getAsInt() < 0 || chunkAxis.getAsInt() >= shape.length)) {
            throw new IllegalArgumentException("chunkAxis: " + chunkAxis.getAsInt() + " (expected: 0.." + (shape.length - 1)
                    + " for shape " + Arrays.toString(shape) + ", or none)");
        }
        if (totalRuns < 1) {
            throw new IllegalArgumentException("totalRuns: " + totalRuns + " (expected: >= 1)");
        }
        long elements = 1;
        for (long e : shape) {
            elements = Math.multiplyExact(elements, e);
        }
        Math.multiplyExact(elements, (long) type.bytes());
        if (!unchunkable && chunkAxis.isPresent()) {
            long extent = shape[chunkAxis.getAsInt()];
            if (extent != 1 && extent != totalRuns) {
                throw new IllegalArgumentException("shape[" + chunkAxis.getAsInt() + "]: " + extent + " (expected: totalRuns "
                        + totalRuns + " on the chunk axis, or 1; or mark the array unchunkable)");
            }
        }
    }

    /**
     * A device array whose last axis indexes the runs: {@code totalRuns} is that axis' extent.
     * Example: {@code ArrayRequest.of(FLOAT64, 101, 3, 10_000)} for (time, variable, run).
     */
    public static ArrayRequest of(ElementType type, long... shape) {
        if (shape.length == 0) {
            return new ArrayRequest(type, shape, MemoryKind.DEVICE, OptionalInt.empty(), false, 1);
        }
        return new ArrayRequest(type, shape, MemoryKind.DEVICE, OptionalInt.of(shape.length - 1), false, shape[shape.length - 1]);
    }

    /** A device array that is never split, e.g. a table of constants. */
    public static ArrayRequest unchunkable(ElementType type, long... shape) {
        return new ArrayRequest(type, shape, MemoryKind.DEVICE, OptionalInt.empty(), true, 1);
    }

    /** The same request in memory of kind {@code kind}. */
    public ArrayRequest withMemory(MemoryKind kind) {
        return new ArrayRequest(type, shape, kind, chunkAxis, unchunkable, totalRuns, direction);
    }

    /** The same request with another run axis; {@code totalRuns} becomes that axis' extent. */
    public ArrayRequest withChunkAxis(int axis) {
        if (axis < 0 || axis >= shape.length) {
            throw new IllegalArgumentException("chunkAxis: " + axis + " (expected: 0.." + (shape.length - 1) + " for shape "
                    + Arrays.toString(shape) + ")");
        }
        return new ArrayRequest(type, shape, memory, OptionalInt.of(axis), unchunkable, shape[axis], direction);
    }

    /** The same request with no run axis (nothing to chunk along). */
    public ArrayRequest withoutChunkAxis() {
        return new ArrayRequest(type, shape, memory, OptionalInt.empty(), unchunkable, totalRuns, direction);
    }

    /** The same request, refused chunking ({@code value} true) or allowed it. */
    public ArrayRequest withUnchunkable(boolean value) {
        return new ArrayRequest(type, shape, memory, chunkAxis, value, totalRuns, direction);
    }

    /** The same request with {@code runs} runs in all along its run axis. */
    public ArrayRequest withTotalRuns(long runs) {
        return new ArrayRequest(type, shape, memory, chunkAxis, unchunkable, runs, direction);
    }

    /** The same request moving as {@code d} says. */
    public ArrayRequest withDirection(Direction d) {
        return new ArrayRequest(type, shape, memory, chunkAxis, unchunkable, totalRuns, d);
    }

    /** The array's extents (a copy). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The number of axes. */
    public int rank() {
        return shape.length;
    }

    /** The number of elements: the product of the extents. */
    public long elements() {
        long n = 1;
        for (long e : shape) {
            n *= e;
        }
        return n;
    }

    /** The array's size in bytes, unchunked. */
    public long bytes() {
        return elements() * type.bytes();
    }

    /** Whether the array may be split along its run axis: it has one and is not marked unchunkable. */
    public boolean isChunkable() {
        return !unchunkable && chunkAxis.isPresent() && shape[chunkAxis.getAsInt()] != 1;
    }

    /** The shape with the chunk axis set to {@code chunkLength}; unchunkable arrays keep theirs. */
    public long[] chunkedShape(long chunkLength) {
        long[] s = shape.clone();
        if (isChunkable()) {
            s[chunkAxis.getAsInt()] = chunkLength;
        }
        return s;
    }

    /** Bytes of the chunked shape. */
    public long chunkedBytes(long chunkLength) {
        long n = type.bytes();
        for (long e : chunkedShape(chunkLength)) {
            n *= e;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ArrayRequest r && type == r.type && Arrays.equals(shape, r.shape) && memory == r.memory
                && chunkAxis.equals(r.chunkAxis) && unchunkable == r.unchunkable && totalRuns == r.totalRuns && direction == r.direction;
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, Arrays.hashCode(shape), memory, chunkAxis, unchunkable, totalRuns, direction);
    }

    @Override
    public String toString() {
        return "ArrayRequest[" + type + " " + Arrays.toString(shape) + " " + memory
                + (chunkAxis.isPresent() ? " axis " + chunkAxis.getAsInt() : " no axis") + (unchunkable ? " unchunkable" : "")
                + " runs " + totalRuns + " " + direction + "]";
    }
}
