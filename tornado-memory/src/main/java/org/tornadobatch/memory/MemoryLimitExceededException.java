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

    /** Why the request could not be met. */
    private final Reason reason;
    /** The bytes of the chunkable arrays, unchunked. */
    private final long chunkableBytes;
    /** The bytes of the arrays that cannot be chunked. */
    private final long unchunkableBytes;
    /** The bytes the owner could have had. */
    private final long availableBytes;
    /** How the allocation ended, for the message. */
    private final AllocationOutcome outcome;

    /** Why nothing fitted ({@code reason}, {@code message}), with the bytes asked for and the bytes available. */
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

    /** Why the request could not be met. */
    public Reason reason() {
        return reason;
    }

    /** The bytes of the chunkable arrays, unchunked. */
    public long chunkableBytes() {
        return chunkableBytes;
    }

    /** The bytes of the arrays that cannot be chunked. */
    public long unchunkableBytes() {
        return unchunkableBytes;
    }

    /** The bytes the owner could have had. */
    public long availableBytes() {
        return availableBytes;
    }
}
