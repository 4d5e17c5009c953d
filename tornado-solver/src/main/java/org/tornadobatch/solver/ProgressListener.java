package org.tornadobatch.solver;

/** Told how a solve advances; called from the solving thread, a few times per second at most. */
@FunctionalInterface
public interface ProgressListener {
    void progress(long runsDone, long runs, long chunksDone, long chunks);

    ProgressListener NONE = (a, b, c, d) -> { };
}
