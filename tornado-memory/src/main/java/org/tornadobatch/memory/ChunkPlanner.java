package org.tornadobatch.memory;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.tornadobatch.Bytes;

/**
 * The chunk arithmetic, free of any device: bytes are summed as C (chunkable) and U (unchunkable) over the
 * device arrays; when {@code C + U <= available} the batch runs whole, otherwise
 * {@code chunkLength = floor(runs * (available - U) / C)} and {@code chunks = ceil(runs / chunkLength)}.
 * Pinned host arrays are chunked alike but do not count against device memory.
 *
 * <p>To double-buffer chunks (overlap one chunk's transfers with another's compute), request both sets of
 * arrays: every buffer a chunk needs at once must be in the requests.
 */
public final class ChunkPlanner {
    /** A request above this multiple of the available memory is warned about. */
    public static final int WARN_FACTOR = 20;

    private ChunkPlanner() {
    }

    /**
     * Plans {@code requests} against {@code availableBytes}.
     *
     * @throws MemoryLimitExceededException when nothing can be chunked and it does not fit, when the unchunkable
     *                                      arrays alone do not fit, or when not one run fits
     * @throws IllegalArgumentException     when chunkable requests disagree on the number of runs
     */
    public static ChunkPlan plan(Map<String, ArrayRequest> requests, long availableBytes) {
        Bytes.requireNonNegative("availableBytes", availableBytes);
        long runs = runs(requests);
        long c = 0;
        long u = 0;
        TreeSet<String> unchunkableLabels = new TreeSet<>();
        for (Map.Entry<String, ArrayRequest> e : requests.entrySet()) {
            ArrayRequest r = e.getValue();
            if (r.memory() != MemoryKind.DEVICE) {
                continue;
            }
            if (r.isChunkable()) {
                c = Math.addExact(c, r.bytes());
            } else {
                u = Math.addExact(u, r.bytes());
                unchunkableLabels.add(e.getKey());
            }
        }
        long total = Math.addExact(c, u);
        if (total <= availableBytes) {
            return ChunkPlan.whole(runs, c, u, availableBytes);
        }
        List<String> warnings = new ArrayList<>();
        if (availableBytes > 0 && BigInteger.valueOf(total).compareTo(BigInteger.valueOf(availableBytes).multiply(BigInteger.valueOf(WARN_FACTOR))) > 0) {
            warnings.add("the request of " + Bytes.format(total) + " exceeds the " + Bytes.format(availableBytes)
                    + " available by more than " + WARN_FACTOR + "x; it will run in many small chunks");
        }
        if (c == 0) {
            throw withWarnings(warnings, new MemoryLimitExceededException(MemoryLimitExceededException.Reason.NOTHING_CHUNKABLE,
                    "cannot fit " + Bytes.exact(u) + " of arrays that cannot be chunked " + unchunkableLabels + " in the "
                            + Bytes.exact(availableBytes) + " available, and none has a run axis to split;"
                            + " lower the batch, raise memProportion, or free device memory", c, u, availableBytes));
        }
        if (u >= availableBytes) {
            throw withWarnings(warnings, new MemoryLimitExceededException(MemoryLimitExceededException.Reason.UNCHUNKABLE_TOO_LARGE,
                    "the unchunkable arrays " + unchunkableLabels + " alone need " + Bytes.exact(u) + " but only "
                            + Bytes.exact(availableBytes) + " is available; make them smaller, raise memProportion,"
                            + " or free device memory", c, u, availableBytes));
        }
        long chunkLength = BigInteger.valueOf(runs).multiply(BigInteger.valueOf(availableBytes - u))
                .divide(BigInteger.valueOf(c)).longValueExact();
        if (chunkLength == 0) {
            long perRun = (c + runs - 1) / runs;
            throw withWarnings(warnings, new MemoryLimitExceededException(MemoryLimitExceededException.Reason.NO_SINGLE_RUN_FITS,
                    "cannot fit a single run: one run needs " + Bytes.exact(perRun) + " beside " + Bytes.exact(u)
                            + " of unchunkable arrays, with " + Bytes.exact(availableBytes) + " available;"
                            + " raise memProportion, free device memory, or save fewer outputs", c, u, availableBytes));
        }
        long chunks = (runs + chunkLength - 1) / chunkLength;
        return new ChunkPlan(runs, chunks, chunkLength, c, u, availableBytes, warnings);
    }

    /**
     * A refusal with the plan's warnings (the 20x one) logged first and named in its message, so that they are
     * not lost when planning fails.
     */
    private static MemoryLimitExceededException withWarnings(List<String> warnings, MemoryLimitExceededException e) {
        if (warnings.isEmpty()) {
            return e;
        }
        warnings.forEach(w -> LOG.warn("memory: {}", w));
        MemoryLimitExceededException withThem = new MemoryLimitExceededException(e.reason(), e.getMessage() + " (also: "
                + String.join("; ", warnings) + ")", e.chunkableBytes(), e.unchunkableBytes(), e.availableBytes());
        return withThem;
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ChunkPlanner.class);

    /** Device bytes of the whole batch (C + U): what must fit for one chunk. */
    public static long deviceBytes(Map<String, ArrayRequest> requests) {
        long n = 0;
        for (ArrayRequest r : requests.values()) {
            if (r.memory() == MemoryKind.DEVICE) {
                n = Math.addExact(n, r.bytes());
            }
        }
        return n;
    }

    /** The batch's runs: the common totalRuns of the chunkable requests, else the largest of all. */
    static long runs(Map<String, ArrayRequest> requests) {
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("requests: empty (expected: at least one array)");
        }
        long runs = -1;
        String first = null;
        for (Map.Entry<String, ArrayRequest> e : requests.entrySet()) {
            ArrayRequest r = e.getValue();
            if (!r.isChunkable()) {
                continue;
            }
            if (runs < 0) {
                runs = r.totalRuns();
                first = e.getKey();
            } else if (r.totalRuns() != runs) {
                throw new IllegalArgumentException("totalRuns of '" + e.getKey() + "': " + r.totalRuns() + " (expected: "
                        + runs + ", as '" + first + "'; all chunkable arrays of one batch index the same runs)");
            }
        }
        if (runs < 0) {
            runs = requests.values().stream().mapToLong(ArrayRequest::totalRuns).max().orElseThrow();
        }
        return runs;
    }
}
