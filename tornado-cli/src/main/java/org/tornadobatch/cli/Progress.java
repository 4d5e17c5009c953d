package org.tornadobatch.cli;

import org.tornadobatch.solver.ProgressListener;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The progress bar of a solve: shown on a terminal (and not with --quiet) once a solve has run for a second;
 * it counts runs and shows chunks done and the rate. The bar's clock starts with the solve, not when the bar
 * first shows, so its estimate of the time left counts the time already spent; it ends (with its line) as soon as
 * the last run is done, before the solver's closing log lines.
 */
final class Progress implements ProgressListener, AutoCloseable {
    private final boolean enabled;
    private final long startedNanos = System.nanoTime();
    private ProgressBar bar;
    private boolean closed;

    private Progress(boolean enabled) {
        this.enabled = enabled;
    }

    static Progress create(boolean quiet) {
        return new Progress(!quiet && System.console() != null && System.console().isTerminal());
    }

    @Override
    public synchronized void progress(long runsDone, long runs, long chunksDone, long chunks) {
        if (!enabled || closed) {
            return;
        }
        if (bar == null) {
            long elapsed = System.nanoTime() - startedNanos;
            if (elapsed < 1_000_000_000L) {
                return;
            }
            bar = new ProgressBarBuilder().setTaskName("solving").setInitialMax(runs).setUnit(" runs", 1)
                    .startsFrom(0, java.time.Duration.ofNanos(elapsed)).setEtaFunction(Progress::eta)
                    .setStyle(ProgressBarStyle.ASCII).showSpeed().setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                    .build();
        }
        bar.stepTo(runsDone);
        bar.setExtraMessage(" | chunk " + Math.min(chunksDone + 1, chunks) + "/" + chunks);
        if (runsDone >= runs) {
            close();
        }
    }

    /**
     * The time left at the rate since the solve started (the library's own estimate counts only the time since the
     * bar appeared, and with runs already done then, it came out far too short).
     */
    static java.util.Optional<java.time.Duration> eta(me.tongfei.progressbar.ProgressState s) {
        long done = s.getCurrent();
        if (done <= 0 || s.getMax() <= 0) {
            return java.util.Optional.empty();
        }
        long elapsed = s.getTotalElapsed().toNanos();
        return java.util.Optional.of(java.time.Duration.ofNanos((long) (elapsed * ((double) (s.getMax() - done) / done))));
    }

    /** Ends the bar (idempotent); nothing is drawn after this. */
    @Override
    public synchronized void close() {
        closed = true;
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
