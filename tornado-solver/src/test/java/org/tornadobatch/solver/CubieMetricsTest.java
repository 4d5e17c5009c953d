package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.Metric;
import org.tornadobatch.solver.output.OutputSpec;

/**
 * The metrics CuBIE has beyond the first set (negative peaks, peak sample indices, first and second derivative
 * extremes, the combined names), each recomputed here from the saved samples: every save is a summary sample.
 */
class CubieMetricsTest {
    private static final double H = 0.01;

    @Test
    void derivativesPeaksAndIndicesMatchTheSavedSamples() {
        OutputSpec out = OutputSpec.of(List.of("state", "mean_std", "negative_peaks[2]", "peak_indices[2]", "negative_peak_indices[2]",
                "dxdt_extrema", "d2xdt2_max", "d2xdt2_min", "dxdt_max"));
        TimeSpec time = TimeSpec.of(20).withSaveEvery(H).withSummariseEvery(10);
        double[] ws = {1, 1.7};
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(Problems.OSCILLATOR).outputs(out).stepControl(StepControl.builder().atol(1e-10).rtol(1e-10))
                     .memoryManager(mm).build();
             SolveResult r = s.solve(Batch.grid(Problems.OSCILLATOR, Map.of("w", ws), GridKind.COMBINATORIAL), time)) {
            assertEquals(List.of("x.mean", "x.std", "x.negative_peak0", "x.negative_peak1", "x.peak_index0", "x.peak_index1",
                    "x.negative_peak_index0", "x.negative_peak_index1", "x.dxdt_max", "x.dxdt_min", "x.d2xdt2_max", "x.d2xdt2_min"),
                    r.stateSummaries().variables().subList(0, 12), "dxdt_max is part of dxdt_extrema and not repeated");
            double[][] x = r.state("x");
            for (int run = 0; run < ws.length; run++) {
                for (int w = 0; w < 2; w++) {
                    int first = w * 1000;
                    int end = first + 1000;
                    double dmx = Double.NEGATIVE_INFINITY, dmn = Double.POSITIVE_INFINITY;
                    double emx = Double.NEGATIVE_INFINITY, emn = Double.POSITIVE_INFINITY;
                    List<Integer> maxima = new ArrayList<>();
                    List<Integer> minima = new ArrayList<>();
                    for (int k = first; k < end; k++) {
                        if (k >= 1) {
                            double d = (x[k][run] - x[k - 1][run]) / H;
                            dmx = Math.max(dmx, d);
                            dmn = Math.min(dmn, d);
                        }
                        if (k >= 2) {
                            double e = (x[k][run] - 2 * x[k - 1][run] + x[k - 2][run]) / (H * H);
                            emx = Math.max(emx, e);
                            emn = Math.min(emn, e);
                            // a peak is seen one sample after it, in the window of the sample that shows it
                            if (x[k - 1][run] > x[k - 2][run] && x[k - 1][run] > x[k][run]) {
                                maxima.add(k - 1);
                            }
                            if (x[k - 1][run] < x[k - 2][run] && x[k - 1][run] < x[k][run]) {
                                minima.add(k - 1);
                            }
                        }
                    }
                    String at = "run " + run + ", window " + w;
                    assertEquals(dmx, r.summary("x", "dxdt_max")[w][run], 1e-9 * Math.abs(dmx), at);
                    assertEquals(dmn, r.summary("x", "dxdt_min")[w][run], 1e-9 * Math.abs(dmn), at);
                    assertEquals(emx, r.summary("x", "d2xdt2_max")[w][run], 1e-5 * Math.abs(emx), at);
                    assertEquals(emn, r.summary("x", "d2xdt2_min")[w][run], 1e-5 * Math.abs(emn), at);
                    assertEquals(-ws[run] * ws[run], emn, 0.01, "x'' = -w^2 x reaches -w^2 at x = 1");
                    for (int p = 0; p < 2; p++) {
                        assertEquals(p < minima.size() ? (minima.get(p)) * H : Double.NaN, r.summary("x", "negative_peak" + p)[w][run], 1e-9,
                                at + ", minimum " + p);
                        assertEquals(p < maxima.size() ? maxima.get(p) - first : Double.NaN, r.summary("x", "peak_index" + p)[w][run], 0,
                                at + ", maximum " + p);
                        assertEquals(p < minima.size() ? minima.get(p) - first : Double.NaN, r.summary("x", "negative_peak_index" + p)[w][run], 0,
                                at + ", minimum " + p);
                    }
                }
            }
            assertTrue(r.summary("x", "std")[0][0] > 0.6, "mean_std gives std: cos t has std 1/sqrt(2) over whole periods");
        }
    }

    @Test
    void combinedNamesExpandAndCountedOnesAreCheckedOnce() {
        assertEquals(List.of(Metric.of("mean"), Metric.of("std"), Metric.of("rms")), Metric.parse("mean_std_rms"));
        assertEquals(List.of(Metric.of("std"), Metric.of("rms")), Metric.parse("std_rms"));
        assertEquals("output: mean[2] (expected: mean without [n])", assertThrows(IllegalArgumentException.class, () -> Metric.parse("mean[2]"))
                .getMessage());
        assertEquals("output: negative_peaks[0] (expected: negative_peaks[n] with 1 <= n <= 64)",
                assertThrows(IllegalArgumentException.class, () -> Metric.parse("negative_peaks[0]")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OutputSpec.of(List.of("peak_indices[2]", "peak_indices[3]"))).getMessage()
                .contains("peak_indices[n] once"));
        assertEquals(3, OutputSpec.of(List.of("mean", "mean_std", "std_rms")).metrics().size(), "duplicates are ignored");
    }
}
