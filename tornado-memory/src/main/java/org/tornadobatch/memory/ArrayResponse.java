package org.tornadobatch.memory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link MemoryManager#allocate} returns to its caller and gives each owner of a stream group: its arrays by label (empty for
 * group members that queued nothing), the number of chunks, the runs per chunk (the last chunk may be
 * shorter: see {@link #runsIn}), and each array's per-chunk shape.
 */
public record ArrayResponse(Map<String, Allocation> arrays, ChunkPlan plan) {
    /** Copies the arrays (unmodifiable, in the request's order). */
    public ArrayResponse {
        arrays = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(arrays));
    }

    /** The number of chunks the runs are split into (1 when everything fits). */
    public long chunks() {
        return plan.chunks();
    }

    /** Runs per chunk: the extent of every chunked array's run axis. */
    public long chunkLength() {
        return plan.chunkLength();
    }

    /** Runs in chunk {@code i}. */
    public long runsIn(long i) {
        return plan.runsIn(i);
    }

    /** First run of chunk {@code i}. */
    public long firstRun(long i) {
        return plan.firstRun(i);
    }

    /** Label to allocated (per-chunk) shape. */
    public Map<String, long[]> chunkedShapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        arrays.forEach((k, v) -> m.put(k, v.shape()));
        return m;
    }

    /** The allocation of the array labelled {@code label}; an unknown label is refused naming the known ones. */
    public Allocation get(String label) {
        Allocation a = arrays.get(label);
        if (a == null) {
            throw new IllegalArgumentException("label: " + label + " (expected: one of " + arrays.keySet() + ")");
        }
        return a;
    }
}
