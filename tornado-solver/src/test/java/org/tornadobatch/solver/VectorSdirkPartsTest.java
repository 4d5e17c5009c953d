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
 * SDIRK and ESDIRK steps of the vector kernels (VectorSdirkParts: Newton's iteration for every lane at once, a lane
 * leaving it as it converges or fails) against the scalar kernel: bit for bit in fixed steps, per run within the
 * tolerance in adaptive ones, with the same statuses and the same Newton, Jacobian and factorisation counts (within 2%
 * adaptive, exactly in fixed steps); Jacobian reuse and its property, singular matrices and Newton failures per lane,
 * Gustafsson's controller, drivers. (Lorenz and the oscillator under every SDIRK method are in VectorKernelTest's lists.)
 */
class VectorSdirkPartsTest extends VectorKernelCase {
    private static final OutputSpec OUT = OutputSpec.of(List.of("state", "step_counts"));

    private static SolveResult solve(OdeSystem sys, Algorithm a, StepControl.Builder c, Batch b, TimeSpec time, boolean vector) {
        return solve(sys, a, c, Precision.FLOAT64, null, b, time, vector);
    }

    private static SolveResult solve(OdeSystem sys, Algorithm a, StepControl.Builder c, Precision p, Drivers d, Batch b, TimeSpec time,
                                     boolean vector) {
        Solver.Builder builder = Solver.builder(sys).algorithm(a).stepControl(c).precision(p).outputs(OUT).memoryManager(memory).vectorKernels(vector);
        try (Solver s = (d == null ? builder : builder.drivers(d)).build()) {
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
    @EnumSource(value = Controller.class, names = {"PI", "GUSTAFSSON"})
    void robertsonAgreesWithTheScalarKernelPerRun(Controller ctl) {
        Batch b = robertson(67);
        TimeSpec time = TimeSpec.of(40.0).withSaveEvery(10.0);
        StepControl.Builder c = StepControl.builder().controller(ctl).atol(1e-10).rtol(1e-6).dtMin(1e-14).dtMax(100);
        for (Algorithm m : List.of(Algorithm.KVAERNO5, Algorithm.L_STABLE_SDIRK_4)) {
            try (SolveResult v = solve(Problems.ROBERTSON, m, c, b, time, true); SolveResult s = solve(Problems.ROBERTSON, m, c, b, time, false)) {
                assertArrayEquals(s.status(), v.status());
                for (int r = 0; r < b.runs(); r++) {
                    assertEquals(RunStatus.SUCCESS, v.status()[r]);
                    close(s.acceptedSteps()[r], v.acceptedSteps()[r], m + " accepted steps of run " + r);
                    close(s.newtonIterations()[r], v.newtonIterations()[r], m + " Newton iterations of run " + r);
                    close(s.jacobianEvaluations()[r], v.jacobianEvaluations()[r], m + " Jacobians of run " + r);
                    close(s.luFactorisations()[r], v.luFactorisations()[r], m + " factorisations of run " + r);
                    assertTrue(v.jacobianEvaluations()[r] < v.acceptedSteps()[r] + v.rejectedSteps()[r], "J kept across steps, run " + r);
                    for (int k = 0; k < s.time().length; k++) {
                        for (int i = 0; i < 3; i++) {
                            double ref = s.state().get(k, i, r);
                            assertEquals(ref, v.state().get(k, i, r), 1e-4 * Math.abs(ref) + 1e-9, m + " run " + r + " save " + k + " state " + i);
                        }
                    }
                }
                for (int i = 0; i < 3; i++) { // the published values at t = 40 for k1 = 0.04 (run 33)
                    double ref = Problems.ROBERTSON_AT_40[i];
                    assertEquals(ref, v.state().get(s.time().length - 1, i, 33), 1e-4 * ref, m + " state " + i + " at t = 40");
                }
            }
        }
    }

    @Test
    void withoutJacobianReuseEveryAttemptEvaluatesJ() {
        Batch b = robertson(19);
        TimeSpec time = TimeSpec.finalState(10.0);
        StepControl.Builder c = StepControl.builder().atol(1e-10).rtol(1e-6).dtMin(1e-14);
        SystemProperties.with("tornadobatch.jacobianReuse", "false", () -> {
            try (SolveResult v = solve(Problems.ROBERTSON, Algorithm.KVAERNO5, c, b, time, true);
                 SolveResult s = solve(Problems.ROBERTSON, Algorithm.KVAERNO5, c, b, time, false)) {
                assertArrayEquals(s.status(), v.status());
                for (int r = 0; r < b.runs(); r++) {
                    int attempts = v.acceptedSteps()[r] + v.rejectedSteps()[r];
                    assertEquals(attempts, v.jacobianEvaluations()[r], "one J per attempt, run " + r);
                    assertEquals(attempts, v.luFactorisations()[r], "one factorisation per attempt, run " + r);
                    close(s.acceptedSteps()[r], v.acceptedSteps()[r], "accepted steps of run " + r);
                }
            }
            return null;
        });
    }

    @Test
    void singularMatricesFailOrShrinkPerLane() {
        // x' = lam x with lam = 1 / (h gamma) makes W exactly singular for a step of h: every third lane.
        OdeSystem growth = GROWTH;
        double h = 0.1;
        Batch b = singularEveryThird(h, Algorithm.L_STABLE_SDIRK_4.tableau().sdirk().gamma());
        TimeSpec time = TimeSpec.of(0.5).withSaveEvery(0.1);
        StepControl.Builder fixed = StepControl.builder().controller(Controller.FIXED).dt(h);
        try (SolveResult v = solve(growth, Algorithm.L_STABLE_SDIRK_4, fixed, b, time, true);
             SolveResult s = solve(growth, Algorithm.L_STABLE_SDIRK_4, fixed, b, time, false)) {
            sameBits(v, s);
            assertTrue(RunStatus.decode(v.status()[0]).contains(RunStatus.SINGULAR_MATRIX), RunStatus.decode(v.status()[0]).toString());
            assertEquals(RunStatus.SUCCESS, v.status()[1]);
        }
        StepControl.Builder adaptive = StepControl.builder().dt(h).atol(1e-10).rtol(1e-8).dtMin(1e-9);
        try (SolveResult v = solve(growth, Algorithm.L_STABLE_SDIRK_4, adaptive, b, time, true);
             SolveResult s = solve(growth, Algorithm.L_STABLE_SDIRK_4, adaptive, b, time, false)) {
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
        // x' = -k x^3 from x = 1 with implicit Euler steps of 1: the iteration from the explicit Euler predictor diverges
        // for large k (those lanes end NEWTON_FAILED) and converges for small k, lanes side by side.
        OdeSystem cubic = OdeSystem.parse("states: x = 1, y = 0\nparameters: k = 1\ndx = -k * x^3\ndy = x - y\n", "cubic");
        double[] k = new double[21];
        for (int i = 0; i < k.length; i++) {
            k[i] = i % 2 == 0 ? 0.1 + 0.01 * i : 1e4 * (1 + i);
        }
        Batch b = Batch.grid(cubic, Map.of("k", k), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.of(3.0).withSaveEvery(1.0);
        StepControl.Builder fixed = StepControl.builder().controller(Controller.FIXED).dt(1.0);
        try (SolveResult v = solve(cubic, Algorithm.BACKWARD_EULER, fixed, b, time, true);
             SolveResult s = solve(cubic, Algorithm.BACKWARD_EULER, fixed, b, time, false)) {
            sameBits(v, s);
            assertEquals(RunStatus.SUCCESS, v.status()[0]);
            assertTrue(RunStatus.decode(v.status()[1]).contains(RunStatus.NEWTON_FAILED), RunStatus.decode(v.status()[1]).toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void drivenSystemsAgreeBitForBitInFixedSteps(Precision p) {
        OdeSystem forced = OdeSystem.parse("states: x = 0, v = 1\nparameters: w = 1\ndrivers: u\ndx = v\ndv = -w * w * x - 0.1 * v + 3 * u\n", "forced");
        double[] w = new double[37];
        double[][] samples = new double[w.length][16];
        for (int r = 0; r < w.length; r++) {
            w[r] = 1 + 0.5 * r;
            for (int i = 0; i < 16; i++) {
                samples[r][i] = Math.sin(0.7 * i + 0.01 * r);
            }
        }
        Batch b = Batch.grid(forced, Map.of("w", w), GridKind.COMBINATORIAL);
        Drivers d = Drivers.perRun(0.1, 0.125, Map.of("u", samples)).cubic();
        TimeSpec time = TimeSpec.of(1.5).withSaveEvery(0.5);
        StepControl.Builder fixed = StepControl.builder().controller(Controller.FIXED).dt(0.01);
        try (SolveResult v = solve(forced, Algorithm.KVAERNO3, fixed, p, d, b, time, true);
             SolveResult s = solve(forced, Algorithm.KVAERNO3, fixed, p, d, b, time, false)) {
            sameBits(v, s);
        }
    }
}
