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
import org.tornadobatch.system.OdeSystem;

/**
 * SDIRK and ESDIRK steps of the vector kernels (VectorSdirkParts: Newton's iteration for every lane at once, a lane
 * leaving it as it converges or fails) against the scalar kernel: bit for bit in fixed steps, per run within the
 * tolerance in adaptive ones, with the same statuses and the same Newton, Jacobian and factorisation counts (within 2%
 * adaptive, exactly in fixed steps); Jacobian reuse and its property, singular matrices and Newton failures per lane,
 * Gustafsson's controller, drivers. (Lorenz and the oscillator under every SDIRK method are in VectorKernelTest's lists.)
 */
class VectorSdirkPartsTest extends VectorKernelCase {
    @ParameterizedTest
    @EnumSource(value = Controller.class, names = {"PI", "GUSTAFSSON"})
    void robertsonAgreesWithTheScalarKernelPerRun(Controller ctl) {
        Batch b = robertson(67);
        TimeSpec time = TimeSpec.of(40.0).withSaveEvery(10.0);
        StepControl.Builder c = StepControl.builder().controller(ctl).atol(1e-10).rtol(1e-6).dtMin(1e-14).dtMax(100);
        for (Algorithm m : List.of(Algorithm.KVAERNO5, Algorithm.L_STABLE_SDIRK_4)) {
            try (SolveResult v = solve(Problems.ROBERTSON, m, c, Precision.FLOAT64, null, b, time, true);
                 SolveResult s = solve(Problems.ROBERTSON, m, c, Precision.FLOAT64, null, b, time, false)) {
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
        withoutReuseEveryAttemptEvaluatesJ(Algorithm.KVAERNO5, 1);
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void krylovSolvesHaveTheScalarKernelsBits(Precision p) {
        // A chain of 34 cells: LinearSolver.AUTO solves by BiCGStab (VectorKrylov, lanes converging at their own
        // iteration); fixed and adaptive steps, 21 runs (not a multiple of the lane count).
        OdeSystem chain = KrylovSolveTest.chain(34);
        double[] k = new double[21];
        for (int i = 0; i < k.length; i++) {
            k[i] = 0.5 + 0.2 * i;
        }
        Batch b = Batch.grid(chain, Map.of("k", k), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.of(0.2).withSaveEvery(0.1);
        double tol = p == Precision.FLOAT32 ? 1e-4 : 1e-7;
        for (var m : List.of(Map.entry(Algorithm.KVAERNO3, StepControl.builder().controller(Controller.FIXED).dt(0.01)),
                Map.entry(Algorithm.KVAERNO5, StepControl.builder().atol(tol).rtol(tol)))) {
            try (SolveResult v = solve(chain, m.getKey(), m.getValue(), p, null, b, time, true);
                 SolveResult s = solve(chain, m.getKey(), m.getValue(), p, null, b, time, false)) {
                sameBits(v, s);
                assertEquals(0, v.luFactorisations()[0], "nothing factorised");
                assertEquals(RunStatus.SUCCESS, v.status()[20], m.getKey() + " " + p);
            }
        }
    }

    @Test
    void singularMatricesFailOrShrinkPerLane() {
        singularLanesAgree(Algorithm.L_STABLE_SDIRK_4, Algorithm.L_STABLE_SDIRK_4.tableau().sdirk().gamma());
    }

    @Test
    void newtonFailuresStayInTheirLanes() {
        newtonFailuresAgree(Algorithm.BACKWARD_EULER);
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
