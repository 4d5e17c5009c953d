package org.tornadobatch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.tornadobatch.solver.ResultArray;
import org.tornadobatch.solver.SolveResult;

/** A PNG of chosen saved variables over time for the first few runs (XChart). */
final class Plotter {
    private Plotter() {
    }

    static void plot(SolveResult r, List<String> variables, int runs, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        ResultArray state = r.state();
        ResultArray obs = r.observables();
        if (state == null && obs == null) {
            throw new IllegalArgumentException("--plot: nothing saved over time (add state or observables to --outputs)");
        }
        XYChart chart = new XYChartBuilder().width(1000).height(600).title(r.batch().system().name())
                .xAxisTitle("t").yAxisTitle("value").build();
        chart.getStyler().setMarkerSize(0);
        double[] t = r.time();
        int n = Math.min(runs, r.runs());
        List<String> names = variables.isEmpty() ? (state != null ? state.variables() : obs.variables()) : variables;
        for (String v : names) {
            ResultArray a = state != null && state.variables().contains(v) ? state : obs != null && obs.variables().contains(v) ? obs : null;
            if (a == null) {
                throw new IllegalArgumentException("--plot-variables: '" + v + "' is not saved (saved: "
                        + (state != null ? state.variables() : List.of()) + (obs != null ? " " + obs.variables() : "") + ")");
            }
            int vi = a.variables().indexOf(v);
            for (int run = 0; run < n; run++) {
                chart.addSeries(v + " run " + run, t, a.series(vi, run)).setMarker(SeriesMarkers.NONE);
            }
        }
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".partial.png");
        try {
            BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
