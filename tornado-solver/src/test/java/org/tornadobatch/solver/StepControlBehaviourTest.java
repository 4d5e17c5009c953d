package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.system.OdeSystem;

/**
 * The adaptive controller's defaults and options as a user meets them: Hairer's PI control of DOPRI5 (steps and
 * error on the Lorenz ensemble, the error against Hipparchus's DOP853), the PI exponents as given, the first step
 * estimated per run, and float32 tolerances below float32's resolution.
 */
class StepControlBehaviourTest {
    private static MemoryManager memory;

    @BeforeAll
    static void open() {
        memory = Problems.memory();
    }

    @AfterAll
    static void close() {
        memory.close();
    }

    /** The ensemble: rho = linspace(0, 21, n), t in [0, 1], from (1, 0, 0). */
    private static Batch ensemble(int n) {
        double[] rho = new double[n];
        for (int i = 0; i < n; i++) {
            rho[i] = 21.0 * i / (n - 1);
        }
        return Batch.grid(Problems.LORENZ, Map.of("rho", rho), GridKind.COMBINATORIAL);
    }

    private static SolveResult solve(OdeSystem sys, Algorithm a, StepControl.Builder c, Precision p, Batch b, double duration) {
        try (Solver s = Solver.builder(sys).algorithm(a).stepControl(c).precision(p).outputs(OutputSpec.stateOnly()).memoryManager(memory)
                .build()) {
            return s.solve(b, TimeSpec.finalState(duration));
        }
    }

    private static double mean(int[] v) {
        return Arrays.stream(v).average().orElseThrow();
    }

    @Test
    void dormandPrinceTakesHairersStepsForHairersAccuracy() {
        int n = 512;
        StepControl.Builder c = StepControl.builder().atol(1e-8).rtol(1e-8);
        try (SolveResult r = solve(Problems.LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64, ensemble(n), 1.0)) {
            double worst = 0;
            for (int i = 0; i < n; i += 17) {
                // Hipparchus's DOP853 at 1e-12 over the system's equations: an independent reference.
                double[] ref = AccuracyTest.hipparchus(Problems.LORENZ, new double[] {1, 0, 0}, new double[] {10, 21.0 * i / (n - 1)},
                        1.0);
                for (int v = 0; v < 3; v++) {
                    worst = Math.max(worst, Math.abs(r.state().get(0, v, i) - ref[v]));
                }
            }
            double steps = mean(r.acceptedSteps());
            // Hairer's DOPRI5 (hand-written, its controller): 85.5 steps per run, error 9.6e-8; the former default took 104.
            assertTrue(steps <= 86, "mean accepted steps " + steps);
            assertTrue(worst <= 1.5e-7, "worst error against DOP853 " + worst);
        }
    }

    @Test
    void piWithExponentsOneAndZeroIsTheIController() {
        Batch b = ensemble(64);
        StepControl.Builder pi = StepControl.builder().controller(Controller.PI).pid(1, 0, 0).atol(1e-7).rtol(1e-7);
        StepControl.Builder i = StepControl.builder().controller(Controller.I).atol(1e-7).rtol(1e-7);
        try (SolveResult a = solve(Problems.LORENZ, Algorithm.DORMAND_PRINCE_54, pi, Precision.FLOAT64, b, 1.0);
             SolveResult c = solve(Problems.LORENZ, Algorithm.DORMAND_PRINCE_54, i, Precision.FLOAT64, b, 1.0);
             SolveResult d = solve(Problems.LORENZ, Algorithm.DORMAND_PRINCE_54, StepControl.builder().atol(1e-7).rtol(1e-7), Precision.FLOAT64,
                     b, 1.0)) {
            assertEquals(-1L, a.state().segment().mismatch(c.state().segment()), "PI(1, 0) and I agree bit for bit");
            assertArrayEquals(c.acceptedSteps(), a.acceptedSteps());
            assertTrue(mean(d.acceptedSteps()) != mean(a.acceptedSteps()), "the default exponents are not (1, 0)");
        }
    }

    @Test
    void theFirstStepIsEstimatedFromEachRunsInitialState() {
        // y' = -k y with k from 10 to 10^4: the fixed default first step (1e-3) is far too long for the fast runs.
        double[] k = {10, 100, 1000, 10000};
        Batch b = Batch.grid(Problems.DECAY, Map.of("k", k), GridKind.COMBINATORIAL);
        StepControl.Builder estimated = StepControl.builder().atol(1e-10).rtol(1e-8);
        StepControl.Builder given = StepControl.builder().atol(1e-10).rtol(1e-8).dt(1e-3).dtMin(1e-9).dtMax(1);
        try (SolveResult e = solve(Problems.DECAY, Algorithm.DORMAND_PRINCE_54, estimated, Precision.FLOAT64, b, 0.01);
             SolveResult g = solve(Problems.DECAY, Algorithm.DORMAND_PRINCE_54, given, Precision.FLOAT64, b, 0.01)) {
            for (int i = 0; i < k.length; i++) {
                double exact = Math.exp(-k[i] * 0.01);
                assertEquals(exact, e.state().get(0, 0, i), 1e-8 * exact + 1e-10, "k = " + k[i]);
            }
            int rejectedEstimated = Arrays.stream(e.rejectedSteps()).sum();
            int rejectedGiven = Arrays.stream(g.rejectedSteps()).sum();
            assertTrue(rejectedEstimated < rejectedGiven, "rejected steps: estimated first step " + rejectedEstimated + ", dt = 1e-3 "
                    + rejectedGiven);
        }
    }

    @Test
    void float32ToleranceBelowItsResolutionIsRaisedAndTsit5StepsStayNearFloat64s() {
        Batch b = ensemble(256);
        StepControl.Builder tight = StepControl.builder().atol(1e-8).rtol(1e-8);
        StepControl.Builder floor = StepControl.builder().atol(1e-8).rtol(Math.ulp(1.0f));
        try (SolveResult f32 = solve(Problems.LORENZ, Algorithm.TSIT5, tight, Precision.FLOAT32, b, 1.0);
             SolveResult f32floor = solve(Problems.LORENZ, Algorithm.TSIT5, floor, Precision.FLOAT32, b, 1.0);
             SolveResult f64 = solve(Problems.LORENZ, Algorithm.TSIT5, tight, Precision.FLOAT64, b, 1.0)) {
            assertEquals(-1L, f32.state().segment().mismatch(f32floor.state().segment()), "rtol 1e-8 runs as rtol 2^-23 in float32");
            double ratio = mean(f32.acceptedSteps()) / mean(f64.acceptedSteps());
            assertTrue(ratio <= 1.15, "tsit5 float32 / float64 accepted steps: " + ratio);
        }
        try (Solver s = Solver.builder(Problems.LORENZ).algorithm(Algorithm.TSIT5).stepControl(tight).precision(Precision.FLOAT32)
                .memoryManager(memory).build()) {
            assertEquals(Math.ulp(1.0f), s.stepControl().rtol()[0], "the solver reports the tolerance it uses");
        }
    }

    @Test
    void stepCountsPerSaveIntervalAddUpToEachRunsTotals() {
        OutputSpec out = OutputSpec.of(java.util.List.of("state", "step_counts"));
        TimeSpec time = TimeSpec.of(1.0).withSaveEvery(0.25);
        Batch b = ensemble(32);
        StepControl.Builder fixed = StepControl.builder().controller(Controller.FIXED).dt(0.01);
        try (Solver s = Solver.builder(Problems.LORENZ).algorithm(Algorithm.CLASSICAL_RK4).stepControl(fixed).outputs(out).memoryManager(memory)
                .build(); SolveResult r = s.solve(b, time)) {
            ResultArray c = r.stepCounts();
            assertEquals(java.util.List.of("accepted", "rejected", "attempted"), c.variables());
            for (int run = 0; run < b.runs(); run++) {
                assertEquals(0, c.get(0, 0, run), "nothing before the first save");
                for (int k = 1; k < 5; k++) {
                    assertEquals(25, c.get(k, 0, run), "0.25 / 0.01 fixed steps per interval");
                    assertEquals(0, c.get(k, 1, run));
                    assertEquals(25, c.get(k, 2, run));
                }
            }
        }
        try (Solver s = Solver.builder(Problems.LORENZ).algorithm(Algorithm.DORMAND_PRINCE_54).stepControl(StepControl.builder().atol(1e-9)
                .rtol(1e-9)).outputs(out).memoryManager(memory).build(); SolveResult r = s.solve(b, time)) {
            ResultArray c = r.stepCounts();
            for (int run = 0; run < b.runs(); run++) {
                double acc = 0;
                double rej = 0;
                for (int k = 0; k < 5; k++) {
                    acc += c.get(k, 0, run);
                    rej += c.get(k, 1, run);
                    assertEquals(c.get(k, 0, run) + c.get(k, 1, run), c.get(k, 2, run), "attempted = accepted + rejected");
                }
                assertEquals(r.acceptedSteps()[run], acc, "run " + run);
                assertEquals(r.rejectedSteps()[run], rej, "run " + run);
            }
        }
        // A run that fails (too few steps allowed) has -1 for the saves it did not reach.
        try (Solver s = Solver.builder(Problems.LORENZ).algorithm(Algorithm.DORMAND_PRINCE_54).stepControl(StepControl.builder().maxSteps(20))
                .outputs(out).memoryManager(memory).build(); SolveResult r = s.solve(b, time)) {
            int last = b.runs() - 1;
            assertTrue(r.status()[last] != 0, "the run fails");
            assertEquals(-1, r.stepCounts().get(4, 0, last));
        }
    }
}
