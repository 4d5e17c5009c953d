package org.tornadobatch.memory;

import org.tornadobatch.TornadoBatchException;

/** A batch cannot be planned within the memory available; carries the numbers that decided it. */
public class MemoryLimitExceededException extends TornadoBatchException {
    private static final long serialVersionUID = 1L;

    /** Which rule failed. */
    public enum Reason {
        /** Everything is unchunkable and together too big. */
        NOTHING_CHUNKABLE,
        /** The unchunkable arrays alone do not fit. */
        UNCHUNKABLE_TOO_LARGE,
        /** Not even one run fits beside the unchunkable arrays. */
        NO_SINGLE_RUN_FITS,
        /** The device refused an allocation the plan counted on (e.g. another process took the memory). */
        ALLOCATION_FAILED,
        /** The host result is bigger than the disk where it would spill (checked before any device memory is planned). */
        HOST_RESULT_TOO_LARGE,
        /** Pinned host memory past the manager's bound (MemoryManagerBuilder.pinnedLimitBytes). */
        PINNED_LIMIT
    }

    private final Reason reason;
    private final long chunkableBytes;
    private final long unchunkableBytes;
    private final long availableBytes;
    private final AllocationOutcome outcome;

    public MemoryLimitExceededException(Reason reason, String message, long chunkableBytes, long unchunkableBytes, long availableBytes) {
        this(reason, message, chunkableBytes, unchunkableBytes, availableBytes, null);
    }

    private MemoryLimitExceededException(Reason reason, String message, long chunkableBytes, long unchunkableBytes, long availableBytes,
                                         AllocationOutcome outcome) {
        super(message);
        this.reason = reason;
        this.chunkableBytes = chunkableBytes;
        this.unchunkableBytes = unchunkableBytes;
        this.availableBytes = availableBytes;
        this.outcome = outcome;
    }

    /** This refusal with the manager's outcome: which level's limit applied, named in the message too. */
    MemoryLimitExceededException withOutcome(AllocationOutcome o) {
        MemoryLimitExceededException e = new MemoryLimitExceededException(reason, getMessage() + " (" + o.describe() + ")", chunkableBytes,
                unchunkableBytes, availableBytes, o);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** Which level's limit refused the batch, and its numbers; null where the refusal did not come from planning a group. */
    public AllocationOutcome outcome() {
        return outcome;
    }

    public Reason reason() {
        return reason;
    }

    public long chunkableBytes() {
        return chunkableBytes;
    }

    public long unchunkableBytes() {
        return unchunkableBytes;
    }

    public long availableBytes() {
        return availableBytes;
    }
}
