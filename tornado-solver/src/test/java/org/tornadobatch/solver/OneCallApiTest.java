package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.system.OdeSystem;

/** {@link Solver#solveIvp}, results read by name, per-run views, NaN for failed runs, and the sweep helpers. */
class OneCallApiTest {
    /** x' = -k x, x(t) = x0 exp(-k t). */
    private static final OdeSystem DECAY = OdeSystem.parse("""
            states: x = 1.0
            parameters: k = 1.0
            dx = -k * x
            """, "decay");

    /** x' = k x^2, x(t) = 1 / (1 - k t): finite on [0, 1] for k < 1, blows up at t = 1/k otherwise. */
    private static final OdeSystem BLOWUP = OdeSystem.parse("""
            states: x = 1.0
            parameters: k = 0.5
            dx = k * x * x
            """, "blowup");

    @Test
    void oneCallSolvesASweepAndResultsReadByName() {
        double[] ks = Sweep.logspace(-1, 0.5, 7);
        try (SolveResult r = Solver.solveIvp(DECAY, Map.of("k", ks), 2, SolveOptions.defaults().method("tsit5").tolerances(1e-10, 1e-10)
                .saveEvery(0.5).outputs("state", "min", "max"))) {
            assertArrayEquals(new double[] {0, 0.5, 1, 1.5, 2}, r.time(), 1e-15);
            double[][] x = r.state("x");
            assertEquals(5, x.length);
            assertEquals(ks.length, x[0].length);
            double[] last = r.finalState("x");
            double[][] min = r.summary("x", "min");
            double[][] max = r.summary("x", "max");
            for (int run = 0; run < ks.length; run++) {
                for (int i = 0; i < 5; i++) {
                    assertEquals(Math.exp(-ks[run] * 0.5 * i), x[i][run], 1e-8, "x(t" + i + ") of run " + run);
                }
                assertEquals(Math.exp(-2 * ks[run]), last[run], 1e-8);
                // The window is [0, 2): sampled at 0, 0.5, 1 and 1.5, so the least value is that at 1.5.
                assertEquals(Math.exp(-1.5 * ks[run]), min[0][run], 1e-8, "decay: the least value is the last sample's");
                assertEquals(1, max[0][run], 1e-8, "decay: the greatest value is the first");
                SolveResult.Run view = r.run(run);
                assertEquals(ks[run], view.input("k"));
                assertEquals(1, view.input("x"));
                assertTrue(view.succeeded());
                assertTrue(view.acceptedSteps() > 0);
                double[] series = view.state("x");
                for (int i = 0; i < 5; i++) {
                    assertEquals(x[i][run], series[i]);
                }
                assertArrayEquals(new double[] {min[0][run]}, view.summary("x", "min"));
            }
        }
    }

    @Test
    void namesThatWereNotRecordedSayWhatWas() {
        try (SolveResult r = Solver.solveIvp(DECAY, Map.of("k", new double[] {1}), 1)) {
            assertEquals("state: no variable 'y' (it holds [x])", assertThrows(IllegalArgumentException.class, () -> r.state("y")).getMessage());
            assertEquals("summary 'x.mean' was not recorded (recorded: no summaries; add a metric such as mean to the outputs)",
                    assertThrows(IllegalArgumentException.class, () -> r.summary("x", "mean")).getMessage());
            assertEquals("observables were not saved (add \"observables\" to the outputs)",
                    assertThrows(IllegalArgumentException.class, () -> r.observable("e")).getMessage());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> r.run(0).input("q")).getMessage().contains("'q'"));
            assertThrows(IndexOutOfBoundsException.class, () -> r.run(1));
        }
    }

    @Test
    void nanOnFailureBlanksOnlyTheFailedRuns() {
        double[] ks = {0.5, 2, 0.25};
        for (boolean nan : new boolean[] {false, true}) {
            try (SolveResult r = Solver.solveIvp(BLOWUP, Map.of("k", ks), 1, SolveOptions.defaults().tolerances(1e-9, 1e-9)
                    .stepControl(c -> c.maxSteps(20_000)).outputs("state", "max").sampleEvery(0.25).nanOnFailure(nan))) {
                assertFalse(r.run(1).succeeded(), "k = 2 blows up at t = 0.5");
                assertTrue(r.run(0).succeeded() && r.run(2).succeeded());
                double[] last = r.finalState("x");
                assertEquals(1 / (1 - ks[0]), last[0], 1e-6);
                assertEquals(1 / (1 - ks[2]), last[2], 1e-6);
                assertEquals(1 / (1 - ks[2] * 0.75), r.summary("x", "max")[0][2], 1e-6, "the window [0, 1) sampled at 0, 0.25, 0.5, 0.75");
                assertTrue(Double.isNaN(last[1]), "a save the failed run never reached is NaN either way");
                assertEquals(nan, Double.isNaN(r.state("x")[0][1]), "the failed run's first sample, with nanOnFailure " + nan);
                assertTrue(Double.isNaN(r.summary("x", "max")[0][1]), "as is the summary of a window it did not finish");
            }
        }
    }

    @Test
    void perRunTimesEndWhereARunFailed() {
        double[] ks = {0.5, 2, 0.25};
        try (SolveResult r = Solver.solveIvp(BLOWUP, Map.of("k", ks), 1, SolveOptions.defaults().tolerances(1e-9, 1e-9)
                .stepControl(c -> c.maxSteps(20_000)).outputs("state", "time").saveEvery(0.125))) {
            assertTrue(r.hasRunTimes());
            double[][] t = r.runTimes();
            assertEquals(9, t.length);
            for (int s = 0; s < 9; s++) {
                double at = s * 0.125;
                assertEquals(at, t[s][0], 1e-15, "run 0 reaches every save");
                assertEquals(at, t[s][2], 1e-15, "run 2 reaches every save");
                // k = 2: x = 1 / (1 - 2t) blows up at t = 0.5, so the saves up to 0.375 are reached and none after 0.5.
                if (at < 0.45) {
                    assertEquals(at, t[s][1], 1e-15, "the failed run reached t = " + at);
                } else if (at > 0.5) {
                    assertTrue(Double.isNaN(t[s][1]), "the failed run never reached t = " + at);
                }
                assertEquals(Double.isNaN(t[s][1]), Double.isNaN(r.state("x")[s][1]), "a time is NaN where the state is");
            }
            assertArrayEquals(new double[] {t[0][1], t[1][1], t[2][1], t[3][1], t[4][1], t[5][1], t[6][1], t[7][1], t[8][1]},
                    r.run(1).time());
        }
        try (SolveResult r = Solver.solveIvp(BLOWUP, Map.of("k", ks), 1)) {
            assertFalse(r.hasRunTimes());
            assertEquals("per-run times were not saved (add \"time\" to the outputs)",
                    assertThrows(IllegalArgumentException.class, r::runTimes).getMessage());
        }
    }

    @Test
    void sweepHelpersGiveNumPysValues() {
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1}, Sweep.linspace(0, 1, 5));
        assertArrayEquals(new double[] {3}, Sweep.linspace(3, 7, 1));
        assertArrayEquals(new double[] {1, 10, 100}, Sweep.logspace(0, 2, 3), 1e-12);
        assertArrayEquals(new double[] {-1, -2, -4, -8}, Sweep.geomspace(-1, -8, 4), 1e-12);
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75}, Sweep.arange(0, 1, 0.25));
        assertArrayEquals(new double[] {2, 1}, Sweep.arange(2, 0, -1));
        assertEquals(0, Sweep.arange(1, 0, 1).length);
        assertEquals("n: 0 (expected: at least 1 value)", assertThrows(IllegalArgumentException.class, () -> Sweep.linspace(0, 1, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sweep.geomspace(0, 1, 3));
        assertThrows(IllegalArgumentException.class, () -> Sweep.arange(0, 1, 0));
    }
}
