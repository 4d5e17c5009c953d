package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.OdeSystem;

/**
 * Rosenbrock steps of the vector kernels written in parts (VectorRosenbrockParts: more than 9 stages x states, or
 * equations too long for one method) against the scalar kernel: bit for bit in fixed steps (the same operations in the
 * same order), per run within the tolerance in adaptive ones, with the same statuses; singular lanes fail or shrink
 * alone. (Lorenz and the oscillator under rodas4 and rodas5p, in parts too, are in VectorKernelTest's lists.)
 */
class VectorRosenbrockPartsTest extends VectorKernelCase {
    /** Non-autonomous (df/dt not zero for two of three states), no elementary function: the fixed steps' bits agree. */
    private static final OdeSystem DRIVEN = OdeSystem.parse("""
            states: x = 1, y = 0.5, z = 2
            parameters: a = 2
            dx = -a * x + t * t * y
            dy = -y + t - 0.1 * x * z
            dz = -3 * z + x
            """, "polydriven");

    @ParameterizedTest
    @EnumSource(Precision.class)
    void timeDependentSystemsAgreeBitForBitInFixedSteps(Precision p) {
        double[] a = new double[37];
        for (int i = 0; i < a.length; i++) {
            a[i] = 0.5 + 0.25 * i;
        }
        Batch b = Batch.grid(DRIVEN, Map.of("a", a), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.of(2.0).withSaveEvery(0.5);
        for (Algorithm m : List.of(Algorithm.RODAS4, Algorithm.RODAS5P)) {
            StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(0.01);
            try (SolveResult v = solve(DRIVEN, m, c, p, null, b, time, true); SolveResult s = solve(DRIVEN, m, c, p, null, b, time, false)) {
                sameBits(v, s);
            }
        }
    }

    @Test
    void robertsonAgreesWithTheScalarKernelPerRun() {
        double[] k1 = new double[67];
        for (int i = 0; i < k1.length; i++) {
            k1[i] = 0.02 + 0.04 * i / (k1.length - 1);
        }
        Batch b = Batch.grid(Problems.ROBERTSON, Map.of("k1", k1), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.of(40.0).withSaveEvery(10.0);
        StepControl.Builder c = StepControl.builder().atol(1e-10).rtol(1e-6).dtMin(1e-14).dtMax(100);
        for (Algorithm m : List.of(Algorithm.RODAS4, Algorithm.RODAS5P)) {
            try (SolveResult v = solve(Problems.ROBERTSON, m, c, Precision.FLOAT64, null, b, time, true);
                 SolveResult s = solve(Problems.ROBERTSON, m, c, Precision.FLOAT64, null, b, time, false)) {
                assertArrayEquals(s.status(), v.status());
                for (int r = 0; r < b.runs(); r++) {
                    assertEquals(RunStatus.SUCCESS, s.status()[r]);
                    assertEquals(s.acceptedSteps()[r], v.acceptedSteps()[r], Math.max(2, s.acceptedSteps()[r] / 50.0), "accepted steps of run " + r);
                    for (int k = 0; k < s.time().length; k++) {
                        for (int i = 0; i < 3; i++) {
                            double ref = s.state().get(k, i, r);
                            assertEquals(ref, v.state().get(k, i, r), 1e-4 * Math.abs(ref) + 1e-9, m + " run " + r + " save " + k + " state " + i);
                        }
                    }
                }
                // The published values at t = 40 for k1 = 0.04 (run 33), within the tolerance's reach.
                for (int i = 0; i < 3; i++) {
                    double ref = Problems.ROBERTSON_AT_40[i];
                    assertEquals(ref, v.state().get(s.time().length - 1, i, 33), 1e-4 * ref, m + " state " + i + " at t = 40");
                }
            }
        }
    }

    @Test
    void singularLanesFailOrShrinkAlone() {
        // x' = lam x with lam = 1 / (h gamma) makes W exactly singular for a step of h: every third lane; y' = -y beside it
        // takes rodas5p past one method (8 stages x 2 states).
        OdeSystem growth = GROWTH;
        double h = 0.1;
        Batch b = singularEveryThird(h, Algorithm.RODAS5P.tableau().rosenbrock().gamma());
        TimeSpec time = TimeSpec.of(0.5).withSaveEvery(0.1);
        StepControl.Builder fixed = StepControl.builder().controller(Controller.FIXED).dt(h);
        for (StepControl.Builder c : List.of(fixed, StepControl.builder().dt(h).atol(1e-10).rtol(1e-8).dtMin(1e-9))) {
            try (SolveResult v = solve(growth, Algorithm.RODAS5P, c, Precision.FLOAT64, null, b, time, true);
                 SolveResult s = solve(growth, Algorithm.RODAS5P, c, Precision.FLOAT64, null, b, time, false)) {
                sameBits(v, s);
            }
        }
        try (SolveResult v = solve(growth, Algorithm.RODAS5P, fixed, Precision.FLOAT64, null, b, time, true)) {
            assertEquals(List.of(RunStatus.NON_FINITE_STATE, RunStatus.SINGULAR_MATRIX), RunStatus.decode(v.status()[0]));
            assertEquals(RunStatus.SUCCESS, v.status()[1]);
        }
    }

    @Test
    void longEquationsUnderASmallRosenbrockStepCompileAndAgree() {
        // Regression: a Rosenbrock step of at most 9 stages x states whose equations were too long for one method went to
        // the explicit methods' parts and did not compile (`singular` undeclared). Equations of some 150 nodes each.
        StringBuilder terms = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            terms.append(" + ").append(i + 1).append("e-9 * x * y * ").append(i + 2).append(" - 1e-9 * y * y * ").append(i);
        }
        OdeSystem longVdp = OdeSystem.parse("states: x = 2, y = 0\nparameters: mu = 5\ndx = y" + terms + "\ndy = mu * (1 - x * x) * y - x" + terms
                + "\n", "longvdp");
        double[] mu = new double[21];
        for (int i = 0; i < mu.length; i++) {
            mu[i] = 1 + i;
        }
        Batch b = Batch.grid(longVdp, Map.of("mu", mu), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.of(1.0).withSaveEvery(0.5);
        for (Algorithm m : List.of(Algorithm.ROS3P, Algorithm.RODAS4)) {
            StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(0.01);
            try (SolveResult v = solve(longVdp, m, c, Precision.FLOAT64, null, b, time, true);
                 SolveResult s = solve(longVdp, m, c, Precision.FLOAT64, null, b, time, false)) {
                sameBits(v, s);
            }
        }
    }

    @Test
    void byDefaultAStiffSolveTakesTheVectorKernelByItsRunsNotItsDuration() {
        // KernelChoice.STIFF_STEPS: an adaptive Rosenbrock solve counts 300 steps per run however long; Robertson has 3 states.
        int big = (int) Math.ceil(KernelChoice.VECTOR_MIN_WORK / (KernelChoice.STIFF_STEPS * 3));
        try (Solver s = Solver.builder(Problems.ROBERTSON).algorithm(Algorithm.RODAS5P).memoryManager(memory).build()) {
            for (double end : new double[] {1, 1e5}) {
                assertFalse(s.worthVectors(robertson(big - 1), TimeSpec.finalState(end)), "runs " + (big - 1) + " to " + end);
                assertTrue(s.worthVectors(robertson(big), TimeSpec.finalState(end)), "runs " + big + " to " + end);
            }
        }
        try (Solver s = Solver.builder(Problems.ROBERTSON).algorithm(Algorithm.DORMAND_PRINCE_54).memoryManager(memory).build()) {
            assertTrue(s.worthVectors(robertson(big / 100), TimeSpec.finalState(1e5)), "an explicit method's steps grow with the span");
        }
    }
}
