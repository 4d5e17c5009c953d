package org.tornadobatch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.system.OdeSystem;
import picocli.CommandLine.Option;

/** {@code solve}'s options for a plot of the first runs, checked before any work and drawn after the results are written. */
final class PlotOptions {
    @Option(names = "--plot", paramLabel = "FILE.png", description = "Also plot saved variables over time for the first runs.")
    Path plot;

    @Option(names = "--plot-variables", split = ",", description = "Variables to plot (default: all saved states).")
    List<String> plotVariables = new ArrayList<>();

    @Option(names = "--plot-runs", defaultValue = "5", description = "Runs to plot (default: ${DEFAULT-VALUE}).")
    int plotRuns;

    /** The results were written but the plot was not; exit 1 with the reason. */
    static final class PlotFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PlotFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Refuses a plot that could not be written, before anything runs. */
    void checkPath() {
        if (plotRuns < 1) {
            throw new IllegalArgumentException("--plot-runs: " + plotRuns + " (expected: >= 1)");
        }
        if (plot == null) {
            return;
        }
        if (Files.isDirectory(plot)) {
            throw new IllegalArgumentException("--plot: " + plot + " is a folder (expected: a .png file name)");
        }
        Path parent = plot.toAbsolutePath().normalize().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("--plot: " + plot + ": the folder " + parent + " does not exist (create it or choose another path)");
        }
        if (!Files.isWritable(parent) || (Files.exists(plot) && !Files.isWritable(plot))) {
            throw new IllegalArgumentException("--plot: " + plot + " cannot be written (choose another path)");
        }
    }

    /** Refuses a plot of nothing, or of variables {@code system} does not have. */
    void checkVariables(OdeSystem system, OutputSpec spec) {
        if (plot == null) {
            return;
        }
        if (!spec.state() && !spec.observables()) {
            throw new IllegalArgumentException("--plot: nothing is saved over time (add state or observables to --outputs)");
        }
        for (String v : plotVariables) {
            if (!system.stateNames().contains(v) && !system.observables().contains(v)) {
                throw new IllegalArgumentException("--plot-variables: '" + v + "' is not a state or observable of " + system.name()
                        + " (states " + system.stateNames() + ", observables " + system.observables() + ")");
            }
        }
    }

    /** Draws the plot, if one was asked for, of the results written to {@code out}. */
    void draw(SolveResult result, Path out) {
        if (plot == null) {
            return;
        }
        try {
            Plotter.plot(result, plotVariables, plotRuns, plot);
        } catch (IOException | RuntimeException e) {
            throw new PlotFailedException("--plot: " + plot + " could not be written: " + e.getMessage()
                    + " (the results in " + out + " are complete)", e);
        }
    }
}
