package org.tornadobatch.device;

/**
 * The shape of a pitched copy: {@code count} rows of {@code bytes} each, read every {@code sourcePitch} bytes and
 * written every {@code targetPitch} bytes. It copies a block of columns out of one row-major array into another,
 * e.g. a slice of runs of every state row.
 */
public record Rows(long count, long bytes, long sourcePitch, long targetPitch) {
    /** Requires non-negative counts, and pitches no shorter than a row. */
    public Rows {
        if (count < 0 || bytes < 0) {
            throw new IllegalArgumentException("rows: " + count + " of " + bytes + " bytes (expected: both >= 0)");
        }
        if (count > 1 && (sourcePitch < bytes || targetPitch < bytes)) {
            throw new IllegalArgumentException("rows: pitches " + sourcePitch + " and " + targetPitch + " bytes for rows of " + bytes
                    + " (expected: each pitch >= the row's bytes)");
        }
    }

    /** The bytes a side with {@code pitch} spans from its first row's start to its last row's end. */
    public long span(long pitch) {
        return count == 0 ? 0 : (count - 1) * pitch + bytes;
    }

    /** Total bytes copied. */
    public long totalBytes() {
        return count * bytes;
    }
}
