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

/**
 * Fully implicit steps of the vector kernels (VectorFirkParts: Radau IIA through its real and complex matrices,
 * Gauss-Legendre through the block matrix, Newton's iteration on all stages for every lane at once) against the scalar
 * kernel: bit for bit with the same counts in fixed steps; per run within the tolerance in adaptive ones (Robertson,
 * with the published values), with Jacobian reuse and without it, with the estimate refined where the scalar kernel
 * refines it, singular matrices and Newton failures in their lanes. (Lorenz and the oscillator under every method are
 * in VectorKernelTest's lists.)
 */
class VectorFirkPartsTest extends VectorKernelCase {
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
            try (SolveResult v = solve(Problems.VAN_DER_POL, a, fixed, p, null, b, time, true); SolveResult s = solve(Problems.VAN_DER_POL, a, fixed, p, null, b, time, false)) {
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
        try (SolveResult v = solve(Problems.ROBERTSON, Algorithm.RADAU_IIA_5, c, Precision.FLOAT64, null, b, time, true);
             SolveResult s = solve(Problems.ROBERTSON, Algorithm.RADAU_IIA_5, c, Precision.FLOAT64, null, b, time, false)) {
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
        withoutReuseEveryAttemptEvaluatesJ(Algorithm.RADAU_IIA_5, 2); // the real and the complex matrix
    }

    @Test
    void singularMatricesFailOrShrinkPerLane() {
        // x' = lam x: Radau's real matrix gamma / h - lam is exactly singular for a step of h where lam = gamma / h.
        singularLanesAgree(Algorithm.RADAU_IIA_5, 1 / Algorithm.RADAU_IIA_5.tableau().firk().transformation().gamma());
    }

    @Test
    void newtonFailuresStayInTheirLanes() {
        newtonFailuresAgree(Algorithm.RADAU_IIA_5);
        newtonFailuresAgree(Algorithm.GAUSS_LEGENDRE_2);
    }
}
