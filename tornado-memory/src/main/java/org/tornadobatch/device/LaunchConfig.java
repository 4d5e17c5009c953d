package org.tornadobatch.device;

/** How many threads a launch uses: blocks of {@code blockSize} threads, {@code gridSize} blocks. */
public record LaunchConfig(int gridSize, int blockSize, int sharedMemoryBytes) {
    /** Requires positive grid and block sizes. */
    public LaunchConfig {
        if (gridSize < 1) {
            throw new IllegalArgumentException("gridSize: " + gridSize + " (expected: >= 1)");
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("blockSize: " + blockSize + " (expected: >= 1)");
        }
        if (sharedMemoryBytes < 0) {
            throw new IllegalArgumentException("sharedMemoryBytes: " + sharedMemoryBytes + " (expected: >= 0)");
        }
    }

    /** Enough blocks of {@code blockSize} to give each of {@code threads} one thread. */
    public static LaunchConfig covering(long threads, int blockSize) {
        long grid = Math.max(1, (threads + blockSize - 1) / blockSize);
        return new LaunchConfig(Math.toIntExact(grid), blockSize, 0);
    }
}
