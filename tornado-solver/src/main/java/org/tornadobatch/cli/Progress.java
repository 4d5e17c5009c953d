package org.tornadobatch.cli;

import org.tornadobatch.solver.ProgressListener;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The progress bar of a solve: shown on a terminal (and not with --quiet) once a solve has run for a second;
 * it counts runs and shows chunks done and the rate.
 */
final class Progress implements ProgressListener, AutoCloseable {
    private final boolean enabled;
    private final long startedNanos = System.nanoTime();
    private ProgressBar bar;

    private Progress(boolean enabled) {
        this.enabled = enabled;
    }

    static Progress create(boolean quiet) {
        return new Progress(!quiet && System.console() != null && System.console().isTerminal());
    }

    @Override
    public void progress(long runsDone, long runs, long chunksDone, long chunks) {
        if (!enabled) {
            return;
        }
        if (bar == null) {
            if (System.nanoTime() - startedNanos < 1_000_000_000L) {
                return;
            }
            bar = new ProgressBarBuilder().setTaskName("solving").setInitialMax(runs).setUnit(" runs", 1)
                    .setStyle(ProgressBarStyle.ASCII).showSpeed().setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                    .build();
        }
        bar.stepTo(runsDone);
        bar.setExtraMessage("chunk " + chunksDone + "/" + chunks);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
