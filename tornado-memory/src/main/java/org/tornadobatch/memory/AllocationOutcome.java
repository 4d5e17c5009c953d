package org.tornadobatch.memory;

/**
 * Why a stream group's batch got the memory it got: what was asked, the limit that applied, what was already used
 * under it, and which level set it. A {@link MemoryLimitExceededException} from planning carries it.
 *
 * @param requestedBytes device bytes of the whole batch (C + U)
 * @param limitBytes     the limit at that level: the device's memory, the group's caps, or the owner's cap
 * @param usedBytes      what others already held under that limit
 * @param level          which level limited the batch
 */
public record AllocationOutcome(long requestedBytes, long limitBytes, long usedBytes, Level level) {
    /** The level whose limit applied. */
    public enum Level {
        /** The device's free memory (plus what the requesters held and the pool's cache). */
        DEVICE,
        /** The caps of the stream group's owners together (active mode, or several capped owners). */
        GROUP,
        /** The requesting owner's own cap (its proportion). */
        OWNER
    }

    /** What is left for the batch under the limit. */
    public long availableBytes() {
        return Math.max(0, limitBytes - usedBytes);
    }

    /** How a message names the limit, e.g. {@code the owner's cap of 1.0 MiB (512.0 KiB used by others)}. */
    String describe() {
        String what = switch (level) {
            case DEVICE -> "the device's memory";
            case GROUP -> "the stream group's caps";
            case OWNER -> "the owner's cap (its proportion)";
        };
        return "limited by " + what + ": " + org.tornadobatch.Bytes.format(limitBytes) + ", " + org.tornadobatch.Bytes.format(usedBytes)
                + " of it used by others";
    }
}
