package org.tornadobatch.solver;

/** Told how a solve advances; called from the solving thread, a few times per second at most. */
@FunctionalInterface
public interface ProgressListener {
    /** Called as runs complete: {@code runsDone} of {@code runs}, in {@code chunksDone} of {@code chunks} chunks. */
    void progress(long runsDone, long runs, long chunksDone, long chunks);

    /** A listener that hears nothing. */
    ProgressListener NONE = (a, b, c, d) -> { };
}
