package org.tornadobatch.memory.host;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Copies between host memory segments, splitting large copies over the host threads
 * ({@link org.tornadobatch.HostThreads}): one core copies roughly 10 GB/s, which is slower than a GPU's copy
 * engines, so staging and gathering use every core.
 */
public final class HostCopy {
    /** Copies below this size run on the calling thread. */
    public static final long PARALLEL_BYTES = 4L << 20;
    private static final long PIECE_BYTES = 2L << 20;
    /** Never started: a segment it may access is not confined to one thread. */
    private static final Thread ANY_OTHER = new Thread(() -> { });

    private HostCopy() {
    }

    /**
     * {@code MemorySegment.copy(src, srcOffset, dst, dstOffset, bytes)}, in parallel pieces when large and neither
     * segment is confined to the calling thread.
     */
    public static void copy(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long bytes) {
        if (bytes < PARALLEL_BYTES || !src.isAccessibleBy(ANY_OTHER) || !dst.isAccessibleBy(ANY_OTHER)) {
            MemorySegment.copy(src, srcOffset, dst, dstOffset, bytes);
            return;
        }
        int pieces = Math.toIntExact((bytes + PIECE_BYTES - 1) / PIECE_BYTES);
        org.tornadobatch.HostThreads.parallel(() -> IntStream.range(0, pieces).parallel().forEach(i -> {
            long off = i * PIECE_BYTES;
            MemorySegment.copy(src, srcOffset + off, dst, dstOffset + off, Math.min(PIECE_BYTES, bytes - off));
        }));
    }

    /** One copy of {@link #copyAll}: {@code bytes} from {@code src} at {@code srcOffset} to {@code dst} at {@code dstOffset}. */
    public record Piece(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long bytes) {
    }

    /**
     * Runs all {@code copies} split into pieces of a few MiB, in one parallel loop on the host threads ({@link org.tornadobatch.HostThreads})
     * (e.g. the rows of a gather, which are too short to split well one by one). Copies that involve a segment
     * confined to the calling thread run on it.
     */
    public static void copyAll(List<Piece> copies) {
        List<Piece> pieces = new ArrayList<>();
        long total = 0;
        for (Piece c : copies) {
            if (!c.src().isAccessibleBy(ANY_OTHER) || !c.dst().isAccessibleBy(ANY_OTHER)) {
                MemorySegment.copy(c.src(), c.srcOffset(), c.dst(), c.dstOffset(), c.bytes());
                continue;
            }
            for (long off = 0; off < c.bytes(); off += PIECE_BYTES) {
                pieces.add(new Piece(c.src(), c.srcOffset() + off, c.dst(), c.dstOffset() + off, Math.min(PIECE_BYTES, c.bytes() - off)));
            }
            total += c.bytes();
        }
        if (total < PARALLEL_BYTES) {
            pieces.forEach(HostCopy::run);
        } else {
            org.tornadobatch.HostThreads.parallel(() -> pieces.parallelStream().forEach(HostCopy::run));
        }
    }

    /**
     * Fills {@code dst} with copies of its first {@code elementBytes} bytes (a value to repeat, already written there):
     * a prefix of up to a piece by bulk copies of the part filled so far (doubling each time), then the rest from that
     * prefix in parallel pieces ({@link #copyAll}). Fast in a cold JVM, where an element loop runs interpreted.
     * {@code dst}'s size must be a multiple of {@code elementBytes}.
     */
    public static void repeatFirst(MemorySegment dst, int elementBytes) {
        long size = dst.byteSize();
        if (size % elementBytes != 0) {
            throw new IllegalArgumentException("segment of " + size + " bytes: not a multiple of the element's " + elementBytes);
        }
        long prefix = Math.min(size, PIECE_BYTES / elementBytes * elementBytes);
        for (long done = elementBytes; done < prefix; done *= 2) {
            MemorySegment.copy(dst, 0, dst, done, Math.min(done, prefix - done));
        }
        List<Piece> rest = new ArrayList<>();
        for (long at = prefix; at < size; at += prefix) {
            rest.add(new Piece(dst, 0, dst, at, Math.min(prefix, size - at)));
        }
        copyAll(rest);
    }

    private static void run(Piece p) {
        MemorySegment.copy(p.src(), p.srcOffset(), p.dst(), p.dstOffset(), p.bytes());
    }
}
