package org.tornadobatch.memory;

import java.util.List;

import org.tornadobatch.Bytes;

/**
 * How a batch is split: {@code chunks} chunks of {@code chunkLength} runs, the last one possibly shorter,
 * with the byte counts that decided it.
 *
 * @param runs             runs in the batch
 * @param chunks           number of chunks, >= 1
 * @param chunkLength      runs per chunk (all but the last)
 * @param chunkableBytes   C: device bytes of the chunkable arrays for the whole batch
 * @param unchunkableBytes U: device bytes of the unchunkable arrays
 * @param availableBytes   the device memory the plan was made against
 * @param warnings         what the user should know (e.g. the request exceeds the memory by more than 20x)
 */
public record ChunkPlan(long runs, long chunks, long chunkLength, long chunkableBytes, long unchunkableBytes, long availableBytes,
                        List<String> warnings) {

    /** Requires positive counts and a chunk no longer than the runs; copies the warnings. */
    public ChunkPlan {
        if (runs < 1 || chunks < 1 || chunkLength < 1 || chunkLength > runs) {
            throw new IllegalArgumentException("inconsistent plan: runs " + runs + ", chunks " + chunks + ", chunkLength " + chunkLength);
        }
        warnings = List.copyOf(warnings);
    }

    /** One chunk holding all runs. */
    public static ChunkPlan whole(long runs, long chunkableBytes, long unchunkableBytes, long availableBytes) {
        return new ChunkPlan(runs, 1, runs, chunkableBytes, unchunkableBytes, availableBytes, List.of());
    }

    /** Whether the runs are split into more than one chunk. */
    public boolean isChunked() {
        return chunks > 1;
    }

    /** First run of chunk {@code i}. */
    public long firstRun(long i) {
        checkChunk(i);
        return i * chunkLength;
    }

    /** Runs in chunk {@code i}: {@code chunkLength}, except the last chunk, which gets what is left. */
    public long runsIn(long i) {
        checkChunk(i);
        return Math.min(chunkLength, runs - i * chunkLength);
    }

    private void checkChunk(long i) {
        if (i < 0 || i >= chunks) {
            throw new IndexOutOfBoundsException("chunk: " + i + " (expected: 0.." + (chunks - 1) + ")");
        }
    }

    @Override
    public String toString() {
        return runs + " runs in " + chunks + (chunks == 1 ? " chunk" : " chunks of " + chunkLength) + " (chunkable "
                + Bytes.format(chunkableBytes) + ", unchunkable " + Bytes.format(unchunkableBytes) + ", available "
                + Bytes.format(availableBytes) + ")";
    }
}
