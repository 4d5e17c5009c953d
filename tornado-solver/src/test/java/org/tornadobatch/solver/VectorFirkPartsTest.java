package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.system.OdeSystem;
import org.tornadobatch.testing.SystemProperties;

/**
 * Fully implicit steps of the vector kernels (VectorFirkParts: Radau IIA through its real and complex matrices,
 * Gauss-Legendre through the block matrix, Newton's iteration on all stages for every lane at once) against the scalar
 * kernel: bit for bit with the same counts in fixed steps; per run within the tolerance in adaptive ones (Robertson,
 * with the published values), with Jacobian reuse and without it, with the estimate refined where the scalar kernel
 * refines it, singular matrices and Newton failures in their lanes. (Lorenz and the oscillator under every method are
 * in VectorKernelTest's lists.)
 */
class VectorFirkPartsTest extends VectorKernelCase {
    private static final OutputSpec OUT = OutputSpec.of(List.of("state", "step_counts"));

    private static SolveResult solve(OdeSystem sys, Algorithm a, StepControl.Builder c, Precision p, Batch b, TimeSpec time, boolean vector) {
        try (Solver s = Solver.builder(sys).algorithm(a).stepControl(c).precision(p).outputs(OUT).memoryManager(memory).vectorKernels(vector).build()) {
            SolveResult r = s.solve(b, time);
            assertEquals(vector, r.info().kernel().contains(".KV"), "vector kernel used: " + r.info().kernel());
            return r;
        }
    }

    /** Statuses, step and Newton counts and states equal to the last bit. */
    private static void sameBits(SolveResult v, SolveResult s) {
        assertArrayEquals(s.status(), v.status());
        assertArrayEquals(s.acceptedSteps(), v.acceptedSteps());
        assertArrayEquals(s.rejectedSteps(), v.rejectedSteps());
        assertArrayEquals(s.newtonIterations(), v.newtonIterations());
        assertArrayEquals(s.jacobianEvaluations(), v.jacobianEvaluations());
        assertArrayEquals(s.luFactorisations(), v.luFactorisations());
        assertEquals(-1L, v.state().segment().mismatch(s.state().segment()), "states");
    }

    private static Batch robertson(int runs) {
        double[] k1 = new double[runs];
        for (int i = 0; i < runs; i++) {
            k1[i] = 0.02 + 0.04 * i / (runs - 1);
        }
        return Batch.grid(Problems.ROBERTSON, Map.of("k1", k1), GridKind.COMBINATORIAL);
    }

    private static void close(int expected, int actual, String what) {
        assertEquals(expected, actual, Math.max(2, expected / 50.0), what);
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void fixedStepsOfAStiffSystemAgreeBitForBit(Precision p) {
        // Van der Pol at mu = 10 in fixed steps (29 runs: not a multiple of the lane count), every fully implicit method.
        double[] mu = new double[29];
        for (int i = 0; i < mu.length; i++) {
            mu[i] = 1 + i;
        }
        Batch b = Batch.grid(Problems.VAN_DER_POL, Map.of("mu", mu), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.of(2.0).withSaveEvery(0.5);
        StepControl.Builder fixed = StepControl.builder().controller(Controller.FIXED).dt(0.01);
        for (Algorithm a : List.of(Algorithm.RADAU_IIA_5, Algorithm.GAUSS_LEGENDRE_2, Algorithm.GAUSS_LEGENDRE_4)) {
            try (SolveResult v = solve(Problems.VAN_DER_POL, a, fixed, p, b, time, true); SolveResult s = solve(Problems.VAN_DER_POL, a, fixed, p, b, time, false)) {
                sameBits(v, s);
                assertEquals(RunStatus.SUCCESS, v.status()[0], a + " " + p);
                assertTrue(v.newtonIterations()[0] >= v.acceptedSteps()[0], a + " iterates: " + v.newtonIterations()[0]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Controller.class, names = {"PI", "GUSTAFSSON"})
    void robertsonAgreesWithTheScalarKernelPerRun(Controller ctl) {
        Batch b = robertson(67);
        TimeSpec time = TimeSpec.of(40.0).withSaveEvery(10.0);
        StepControl.Builder c = StepControl.builder().controller(ctl).atol(1e-10).rtol(1e-6).dtMin(1e-14).dtMax(100);
        try (SolveResult v = solve(Problems.ROBERTSON, Algorithm.RADAU_IIA_5, c, Precision.FLOAT64, b, time, true);
             SolveResult s = solve(Problems.ROBERTSON, Algorithm.RADAU_IIA_5, c, Precision.FLOAT64, b, time, false)) {
            assertArrayEquals(s.status(), v.status());
            for (int r = 0; r < b.runs(); r++) {
                assertEquals(RunStatus.SUCCESS, v.status()[r]);
                close(s.acceptedSteps()[r], v.acceptedSteps()[r], "accepted steps of run " + r);
                close(s.newtonIterations()[r], v.newtonIterations()[r], "Newton iterations of run " + r);
                close(s.jacobianEvaluations()[r], v.jacobianEvaluations()[r], "Jacobians of run " + r);
                close(s.luFactorisations()[r], v.luFactorisations()[r], "factorisations of run " + r);
                assertTrue(v.jacobianEvaluations()[r] < v.acceptedSteps()[r] + v.rejectedSteps()[r], "J kept across steps, run " + r);
                for (int k = 0; k < s.time().length; k++) {
                    for (int i = 0; i < 3; i++) {
                        double ref = s.state().get(k, i, r);
                        assertEquals(ref, v.state().get(k, i, r), 1e-4 * Math.abs(ref) + 1e-9, "run " + r + " save " + k + " state " + i);
                    }
                }
            }
            for (int i = 0; i < 3; i++) { // the published values at t = 40 for k1 = 0.04 (run 33)
                double ref = Problems.ROBERTSON_AT_40[i];
                assertEquals(ref, v.state().get(s.time().length - 1, i, 33), 1e-4 * ref, "state " + i + " at t = 40");
            }
        }
    }

    @Test
    void withoutJacobianReuseEveryAttemptEvaluatesJAndFactorisesTwice() {
        Batch b = robertson(19);
        TimeSpec time = TimeSpec.finalState(10.0);
        StepControl.Builder c = StepControl.builder().atol(1e-10).rtol(1e-6).dtMin(1e-14);
        SystemProperties.with("tornadobatch.jacobianReuse", "false", () -> {
            try (SolveResult v = solve(Problems.ROBERTSON, Algorithm.RADAU_IIA_5, c, Precision.FLOAT64, b, time, true);
                 SolveResult s = solve(Problems.ROBERTSON, Algorithm.RADAU_IIA_5, c, Precision.FLOAT64, b, time, false)) {
                assertArrayEquals(s.status(), v.status());
                for (int r = 0; r < b.runs(); r++) {
                    int attempts = v.acceptedSteps()[r] + v.rejectedSteps()[r];
                    assertEquals(attempts, v.jacobianEvaluations()[r], "one J per attempt, run " + r);
                    assertEquals(2 * attempts, v.luFactorisations()[r], "the real and the complex matrix per attempt, run " + r);
                    close(s.acceptedSteps()[r], v.acceptedSteps()[r], "accepted steps of run " + r);
                }
            }
            return null;
        });
    }

    @Test
    void singularMatricesFailOrShrinkPerLane() {
        // x' = lam x: Radau's real matrix gamma / h - lam is exactly singular for a step of h where lam = gamma / h.
        double h = 0.1;
        double gamma = 1 / Algorithm.RADAU_IIA_5.tableau().firk().transformation().gamma();
        Batch b = singularEveryThird(h, gamma);
        TimeSpec time = TimeSpec.of(0.5).withSaveEvery(0.1);
        StepControl.Builder fixed = StepControl.builder().controller(Controller.FIXED).dt(h);
        try (SolveResult v = solve(GROWTH, Algorithm.RADAU_IIA_5, fixed, Precision.FLOAT64, b, time, true);
             SolveResult s = solve(GROWTH, Algorithm.RADAU_IIA_5, fixed, Precision.FLOAT64, b, time, false)) {
            sameBits(v, s);
            assertTrue(RunStatus.decode(v.status()[0]).contains(RunStatus.SINGULAR_MATRIX), RunStatus.decode(v.status()[0]).toString());
            assertEquals(RunStatus.SUCCESS, v.status()[1]);
        }
        StepControl.Builder adaptive = StepControl.builder().dt(h).atol(1e-10).rtol(1e-8).dtMin(1e-9);
        try (SolveResult v = solve(GROWTH, Algorithm.RADAU_IIA_5, adaptive, Precision.FLOAT64, b, time, true);
             SolveResult s = solve(GROWTH, Algorithm.RADAU_IIA_5, adaptive, Precision.FLOAT64, b, time, false)) {
            assertArrayEquals(s.status(), v.status());
            for (int r = 0; r < b.runs(); r++) {
                close(s.acceptedSteps()[r], v.acceptedSteps()[r], "accepted steps of run " + r);
                double ref = s.state().get(5, 0, r);
                assertEquals(ref, v.state().get(5, 0, r), 1e-6 * Math.abs(ref), "x of run " + r);
            }
        }
    }

    @Test
    void newtonFailuresStayInTheirLanes() {
        // x' = -k x^3 from x = 1 in fixed steps of 1: the iteration from the explicit Euler predictor diverges for large
        // k (those lanes end NEWTON_FAILED) and converges for small k, lanes side by side.
        OdeSystem cubic = OdeSystem.parse("states: x = 1, y = 0\nparameters: k = 1\ndx = -k * x^3\ndy = x - y\n", "cubic");
        double[] k = new double[21];
        for (int i = 0; i < k.length; i++) {
            k[i] = i % 2 == 0 ? 0.1 + 0.01 * i : 1e4 * (1 + i);
        }
        Batch b = Batch.grid(cubic, Map.of("k", k), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.of(3.0).withSaveEvery(1.0);
        StepControl.Builder fixed = StepControl.builder().controller(Controller.FIXED).dt(1.0);
        for (Algorithm a : List.of(Algorithm.RADAU_IIA_5, Algorithm.GAUSS_LEGENDRE_2)) {
            try (SolveResult v = solve(cubic, a, fixed, Precision.FLOAT64, b, time, true); SolveResult s = solve(cubic, a, fixed, Precision.FLOAT64, b, time, false)) {
                sameBits(v, s);
                assertEquals(RunStatus.SUCCESS, v.status()[0], a.toString());
                assertTrue(RunStatus.decode(v.status()[1]).contains(RunStatus.NEWTON_FAILED), a + ": " + RunStatus.decode(v.status()[1]));
            }
        }
    }
}
