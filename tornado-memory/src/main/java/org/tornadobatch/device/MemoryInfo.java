package org.tornadobatch.device;

import org.tornadobatch.Bytes;

/** A device's free and total memory, in bytes, at one moment. */
public record MemoryInfo(long freeBytes, long totalBytes) {
    /** Requires {@code 0 <= freeBytes <= totalBytes}. */
    public MemoryInfo {
        Bytes.requireNonNegative("freeBytes", freeBytes);
        Bytes.requireNonNegative("totalBytes", totalBytes);
        if (freeBytes > totalBytes) {
            throw new IllegalArgumentException("freeBytes: " + freeBytes + " (expected: <= totalBytes " + totalBytes + ")");
        }
    }

    @Override
    public String toString() {
        return Bytes.format(freeBytes) + " free of " + Bytes.format(totalBytes);
    }
}
