package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.solver.run.Schedule;
import org.tornadobatch.system.OdeSystem;

/**
 * Stops ({@link TimeSpec#stops()}, the CLI's {@code --tstops}): times every run's steps land on, recording nothing.
 * The system is x' = max(t - a, 0), x(0) = 0, whose solution x(t) = (t - a)^2 / 2 after the kink at t = a is
 * integrated exactly (to round-off) by any Runge-Kutta method on steps that do not straddle the kink (the pieces are
 * polynomials of degree 1 in t), and not by one whose step does.
 */
class StopsTest {
    static final OdeSystem KINK = OdeSystem.parse("states: x = 0\nparameters: a = 1\ndx = max(t - a, 0)\n", "kink");
    static final OutputSpec STATES_AND_COUNTS = OutputSpec.of(List.of("state", "step_counts"));

    private static SolveResult solve(MemoryManager mm, Algorithm alg, StepControl.Builder c, TimeSpec time, boolean vector) {
        try (Solver s = Solver.builder(KINK).algorithm(alg).stepControl(c).outputs(STATES_AND_COUNTS).memoryManager(mm)
                .vectorKernels(vector).build()) {
            return s.solve(Batch.grid(KINK, Map.of("a", new double[] {1.0, 1.3}), GridKind.COMBINATORIAL), time);
        }
    }

    private static List<Boolean> kernels() {
        return Solver.vectorApi() ? List.of(false, true) : List.of(false);
    }

    @Test
    void fixedStepsLandOnTheStopsAndIntegrateEachPieceExactly() {
        // rk4, dt = 0.4 over [0, 2], a = 1: with a stop at 1 the steps are 0.4, 0.4, 0.2 | 0.4, 0.4, 0.2 (6); without, five
        // steps of 0.4, one of them [0.8, 1.2] across the kink, where rk4 is Simpson's rule: 0.4 / 6 (0 + 4 * 0 + 0.2)
        // for the exact 0.02.
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(0.4);
        double simpsonAcross = 0.4 / 6 * (0 + 4 * Math.max(1.0 - 1, 0) + (1.2 - 1));
        try (MemoryManager mm = Problems.memory()) {
            for (boolean vector : kernels()) {
                try (SolveResult with = solve(mm, Algorithm.CLASSICAL_RK4, c, TimeSpec.of(2).withStops(1.0), vector);
                     SolveResult without = solve(mm, Algorithm.CLASSICAL_RK4, c, TimeSpec.of(2), vector)) {
                    assertEquals(0.5, with.state().get(1, 0, 0), 1e-13, "x(2) = (2 - 1)^2 / 2, vector " + vector);
                    assertEquals(6, with.acceptedSteps()[0], "vector " + vector);
                    assertEquals(5, without.acceptedSteps()[0], "vector " + vector);
                    assertEquals(0.5 - 0.02 + simpsonAcross, without.state().get(1, 0, 0), 1e-13, "vector " + vector);
                    // a = 1.3, not at the stop: steps 0.4, 0.4, 0.2 | 0.4 (to 1.4, across 1.3), 0.4, 0.2, as without a stop but one
                    double across = 0.4 / 6 * (0 + 4 * Math.max(1.2 - 1.3, 0) + (1.4 - 1.3));
                    double exact = Math.pow(2 - 1.3, 2) / 2 - Math.pow(1.4 - 1.3, 2) / 2 + across;
                    assertEquals(exact, with.state().get(1, 0, 1), 1e-13, "a = 1.3, vector " + vector);
                    assertArrayEquals(new double[] {0, 2}, with.time(), "a stop records nothing");
                }
            }
        }
    }

    @Test
    void adaptiveStepsLandOnTheStopsAndRecordNothingThere() {
        // dormand-prince-54 at 1e-6: with the stop, exact to round-off; without, the step across the kink leaves an error
        // that the step control keeps near the tolerance, far above round-off.
        StepControl.Builder c = StepControl.builder().atol(1e-6).rtol(1e-6);
        TimeSpec saves = TimeSpec.of(2).withSaveEvery(0.5);
        try (MemoryManager mm = Problems.memory()) {
            for (boolean vector : kernels()) {
                try (SolveResult with = solve(mm, Algorithm.DORMAND_PRINCE_54, c, saves.withStops(1.3, 1.0, 1.0), vector);
                     SolveResult without = solve(mm, Algorithm.DORMAND_PRINCE_54, c, saves, vector)) {
                    assertArrayEquals(without.time(), with.time(), "stops add no samples");
                    assertArrayEquals(new double[] {0, 0.5, 1, 1.5, 2}, with.time());
                    for (int run = 0; run < 2; run++) {
                        double a = run == 0 ? 1.0 : 1.3;
                        for (int k = 0; k < 5; k++) {
                            double t = 0.5 * k;
                            double exact = t > a ? (t - a) * (t - a) / 2 : 0;
                            assertEquals(exact, with.state().get(k, 0, run), 1e-14, "run " + run + ", t = " + t + ", vector " + vector);
                        }
                        assertEquals(0, with.status()[run]);
                    }
                    double errorWithout = Math.abs(without.state().get(3, 0, 1) - 0.02);
                    assertTrue(errorWithout > 1e-11, "the test tells a step across the kink from one that lands on it: " + errorWithout);
                }
            }
        }
    }

    @Test
    void stopsAreEventsWithoutFlagsMergedWithTheSavesAtTheirTimes() {
        Schedule s = Schedule.of(TimeSpec.of(2).withSaveEvery(0.5).withStops(1.0, 0.7), false);
        assertArrayEquals(new double[] {0, 0.5, 0.7, 1, 1.5, 2}, s.eventTimes());
        assertArrayEquals(new int[] {Schedule.SAVE, Schedule.SAVE, 0, Schedule.SAVE, Schedule.SAVE, Schedule.SAVE}, s.eventFlags());
        assertEquals(5, s.saves());
        // In the warm-up: integrated, not recorded.
        Schedule w = Schedule.of(TimeSpec.of(1).withWarmup(1).withStops(0.25), false);
        assertArrayEquals(new double[] {0.25, 1, 2}, w.eventTimes());
        assertArrayEquals(new int[] {0, Schedule.SAVE, Schedule.SAVE}, w.eventFlags());
    }

    @Test
    void stopsAreSortedWithoutRepeatsAndMustLieInTheSpan() {
        assertArrayEquals(new double[] {0.5, 1, 2}, TimeSpec.of(2).withStops(2, 1, 0.5, 1).stops());
        assertEquals(TimeSpec.of(2).withStops(1, 0.5), TimeSpec.of(2).withStops(0.5, 1));
        for (double bad : new double[] {0, -1, 2.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimeSpec.of(2).withT0(0).withStops(bad));
            assertTrue(e.getMessage().startsWith("stops: " + bad), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> TimeSpec.of(1).withT0(5).withStops(5));
        assertEquals(6.0, TimeSpec.of(1).withT0(5).withStops(6).stops()[0]);
    }
}
