package org.tornadobatch.memory.host;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

import org.tornadobatch.Bytes;
import org.tornadobatch.TornadoBatchException;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;
import org.tornadobatch.memory.ElementType;

/**
 * Creates host arrays and decides where results go: above the spill threshold (default 80% of RAM) into a
 * memory-mapped file in the spill directory, else pinned when allowed and at most 1 GiB, else pageable.
 */
public final class HostArrays {
    /** The largest single pinned array. */
    public static final long PINNED_MAX_BYTES = 1L << 30;
    /** The default spill threshold as a fraction of physical memory. */
    public static final double SPILL_FRACTION = 0.8;
    /** Spill file names: {@code tornado-batch-spill-*.dat}. */
    public static final String SPILL_PREFIX = "tornado-batch-spill-";

    private final DeviceRuntime runtime;

    /** Host arrays whose pinned memory comes from {@code runtime}. */
    public HostArrays(DeviceRuntime runtime) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    /** The default spill threshold: 80% of physical memory (0, meaning "never spill", when RAM cannot be read). */
    public static long defaultSpillThresholdBytes(long physicalMemoryBytes) {
        return physicalMemoryBytes <= 0 ? 0 : (long) (physicalMemoryBytes * SPILL_FRACTION);
    }

    /**
     * Where an array of {@code bytes} goes under a spill threshold ({@code thresholdBytes <= 0}: never spill).
     */
    public static HostArrayKind choose(long bytes, long thresholdBytes, boolean allowPinned) {
        if (thresholdBytes > 0 && bytes > thresholdBytes) {
            return HostArrayKind.MAPPED;
        }
        if (allowPinned && bytes <= PINNED_MAX_BYTES) {
            return HostArrayKind.PINNED;
        }
        return HostArrayKind.PAGEABLE;
    }

    /**
     * A new host array.
     *
     * @param spillDirectory where a MAPPED array's file goes (must exist)
     * @throws TornadoBatchException when a spill file cannot be created; a MemoryLimitExceededException when the disk lacks the space
     */
    public HostArray create(ElementType type, long[] shape, HostArrayKind kind, Path spillDirectory) {
        long bytes = type.bytes();
        for (long e : shape) {
            if (e < 0) {
                throw new IllegalArgumentException("shape: negative extent " + e);
            }
            bytes = Math.multiplyExact(bytes, e);
        }
        return switch (kind) {
            case PINNED, PAGEABLE -> {
                if (kind == HostArrayKind.PINNED && bytes > PINNED_MAX_BYTES) {
                    throw new IllegalArgumentException("pinned array of " + Bytes.exact(bytes) + " (expected: <= "
                            + Bytes.format(PINNED_MAX_BYTES) + "; use PAGEABLE or MAPPED)");
                }
                HostBuffer buf = runtime.allocateHost(bytes, kind == HostArrayKind.PINNED ? HostMemoryKind.PINNED : HostMemoryKind.PAGEABLE);
                yield new HostArray(type, shape, kind, buf.segment(), null, buf::close);
            }
            case MAPPED -> mapped(type, shape, bytes, spillDirectory);
        };
    }

    /**
     * Refuses a result of {@code bytes} that would spill (above the default threshold of {@link #SPILL_FRACTION} of the
     * RAM) to {@code dir} without the space there: what a solve checks before any work, since the sizes are known.
     */
    public static void requireResultFits(long bytes, Path dir) {
        long threshold = defaultSpillThresholdBytes(org.tornadobatch.device.host.HostInfo.physicalMemoryBytes());
        if (threshold > 0 && bytes > threshold) {
            try {
                requireSpillSpace(bytes, dir);
            } catch (IOException e) {
                // the spill itself will say what is wrong with the directory
            }
        }
    }

    private static void requireSpillSpace(long bytes, Path dir) throws IOException {
        long usable = Files.getFileStore(dir).getUsableSpace();
        if (bytes > usable) {
            throw new org.tornadobatch.memory.MemoryLimitExceededException(
                    org.tornadobatch.memory.MemoryLimitExceededException.Reason.HOST_RESULT_TOO_LARGE, "cannot spill "
                    + Bytes.exact(bytes) + " to " + dir + ": only " + Bytes.exact(usable) + " free there; free disk space,"
                    + " choose another spill directory, or save less", bytes, 0, usable);
        }
    }

    private static HostArray mapped(ElementType type, long[] shape, long bytes, Path dir) {
        Objects.requireNonNull(dir, "spillDirectory");
        if (!Files.isDirectory(dir)) {
            throw new TornadoBatchException("spill directory " + dir + " does not exist; create it or choose another");
        }
        Path file = null;
        try {
            requireSpillSpace(bytes, dir);
            file = Files.createTempFile(dir, SPILL_PREFIX, ".dat");
            Arena arena = Arena.ofShared();
            MemorySegment seg;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
            Path f = file;
            return new HostArray(type, shape, HostArrayKind.MAPPED, seg, file, () -> {
                arena.close();
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // Nothing to report to: the array is being cleaned up; a leftover temp file is harmless.
                }
            });
        } catch (IOException e) {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new TornadoBatchException("cannot create a spill file of " + Bytes.exact(bytes) + " in " + dir + ": " + e.getMessage()
                    + "; check the directory's permissions and free space", e);
        }
    }

    /**
     * An array memory-mapped onto {@code file} from byte {@code offset} on: a result written in place, whose file stays
     * when the array is closed (a spill file, by contrast, is deleted). The file is created if missing and extended to
     * {@code offset} plus the array's bytes; what the first {@code offset} bytes hold (a header) is the caller's.
     *
     * @throws MemoryLimitExceededException when the file's disk lacks the space; a TornadoBatchException when the file
     *                                      cannot be created or mapped
     */
    public static HostArray mapFile(ElementType type, long[] shape, Path file, long offset) {
        long bytes = type.bytes();
        for (long e : shape) {
            if (e < 0) {
                throw new IllegalArgumentException("shape: negative extent " + e);
            }
            bytes = Math.multiplyExact(bytes, e);
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            requireSpillSpace(bytes, dir);
            Arena arena = Arena.ofShared();
            MemorySegment seg;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                // Mapping extends the file to offset + bytes; an empty array maps nothing.
                seg = bytes == 0 ? MemorySegment.ofArray(new byte[0]) : ch.map(FileChannel.MapMode.READ_WRITE, offset, bytes, arena);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
            return new HostArray(type, shape, HostArrayKind.MAPPED, seg, null, arena::close);
        } catch (IOException e) {
            throw new TornadoBatchException("cannot map " + Bytes.exact(bytes) + " of " + file + ": " + e.getMessage()
                    + "; check the folder's permissions and free space", e);
        }
    }
}
