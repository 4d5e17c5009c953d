package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.tornadobatch.testing.SystemProperties;
import org.tornadobatch.system.OdeSystem;

/**
 * The implicit methods' statistics (Jacobian evaluations and matrix factorisations per run) and the Newton methods'
 * Jacobian kept across steps: counts against what each method must do on problems where it is known, and solves with
 * the reuse against the published values and against solves that evaluate J at every step.
 */
class JacobianReuseTest {
    private static final String PROPERTY = "tornadobatch.jacobianReuse";
    private static final OdeSystem LINEAR = OdeSystem.parse("states: x = 1, v = 0\ndx = v\ndv = -4 * x - 0.5 * v\n", "linear2");

    private static <T> T withReuse(boolean on, Supplier<T> body) {
        return SystemProperties.with(PROPERTY, Boolean.toString(on), body);
    }

    /**
     * Fixed steps evaluate J and factorise once per step (Radau IIA: a real and a complex matrix, two factorisations);
     * explicit methods count neither.
     */
    @Test
    void fixedStepsCountOneJacobianAndOneFactorisationPerMatrixAndStep() {
        Map<String, Integer> matrices = Map.of("rodas4", 1, "ros3p", 1, "backward-euler", 1, "kvaerno5", 1, "radau-iia-5", 2,
                "gauss-legendre-2", 1, "rk4", 0);
        matrices.forEach((m, perStep) -> {
            try (SolveResult r = Solver.solveIvp(LINEAR, Map.of(), 1, SolveOptions.defaults().method(m).controller("fixed").dt(0.1))) {
                assertEquals(10, r.acceptedSteps()[0], m);
                assertEquals(perStep > 0 ? 10 : 0, r.jacobianEvaluations()[0], m + ": Jacobian evaluations");
                assertEquals(10 * perStep, r.luFactorisations()[0], m + ": factorisations");
                assertEquals(r.jacobianEvaluations()[0], r.run(0).jacobianEvaluations(), m);
                assertEquals(r.luFactorisations()[0], r.run(0).luFactorisations(), m);
                assertEquals(perStep > 0, r.isImplicit(), m);
            }
        });
    }

    /**
     * On a linear system J is constant: the first Newton iteration of every stage solves it and the second finds a zero
     * update, so the adaptive Newton methods keep the first J for the whole run (one evaluation), where without the
     * reuse, and for a Rosenbrock method always, it is one per attempted step.
     */
    @Test
    void aConstantJacobianIsEvaluatedOnceByTheNewtonMethodsAndAtEveryStepWithoutTheReuse() {
        for (String m : new String[] {"radau-iia-5", "kvaerno5", "l-stable-sdirk-4", "crank-nicolson", "rodas5p"}) {
            boolean newton = !m.equals("rodas5p");
            int[] kept = withReuse(true, () -> counts(m));
            int[] every = withReuse(false, () -> counts(m));
            int matrices = m.equals("radau-iia-5") ? 2 : 1;
            for (int[] c : new int[][] {kept, every}) {
                assertEquals(matrices * (c[0] + c[1]), c[3], m + ": one factorisation per matrix and attempted step");
            }
            assertEquals(newton ? 1 : kept[0] + kept[1], kept[2], m + ": Jacobian evaluations with the reuse");
            assertEquals(every[0] + every[1], every[2], m + ": Jacobian evaluations without the reuse");
            assertTrue(every[0] + every[1] > 3, m + ": a solve of several steps");
        }
    }

    /** accepted, rejected, Jacobian evaluations, factorisations of one adaptive solve of {@link #LINEAR}. */
    private static int[] counts(String method) {
        try (SolveResult r = Solver.solveIvp(LINEAR, Map.of(), 5, SolveOptions.defaults().method(method).atol(1e-8).rtol(1e-6))) {
            assertTrue(r.run(0).succeeded(), method);
            return new int[] {r.acceptedSteps()[0], r.rejectedSteps()[0], r.jacobianEvaluations()[0], r.luFactorisations()[0]};
        }
    }

    /**
     * Robertson's kinetics over a batch (k1 swept): with J kept across steps every Newton method still reaches the
     * published values at t = 40 (k1 = 0.04), each run evaluates J fewer times than it attempts steps, at least once,
     * and without the reuse exactly once per attempted step.
     */
    @Test
    void robertsonWithTheJacobianKeptAcrossStepsReachesThePublishedValues() {
        double[] k1 = {0.02, 0.03, 0.04, 0.05, 0.06};
        for (String m : new String[] {"radau-iia-5", "kvaerno5", "l-stable-sdirk-4", "kvaerno3"}) {
            for (boolean reuse : new boolean[] {true, false}) {
                withReuse(reuse, () -> {
                    try (SolveResult r = Solver.solveIvp(Problems.ROBERTSON, Map.of("k1", k1), 40, SolveOptions.defaults().method(m).atol(1e-10).rtol(1e-6))) {
                        assertEquals(0, r.failureCount(), m);
                        for (int i = 0; i < 3; i++) {
                            double want = Problems.ROBERTSON_AT_40[i];
                            assertEquals(want, r.finalState("y" + (i + 1))[2], 1e-4 * want, m + " reuse " + reuse + ": y" + (i + 1));
                        }
                        int[] acc = r.acceptedSteps();
                        int[] rej = r.rejectedSteps();
                        int[] jac = r.jacobianEvaluations();
                        for (int run = 0; run < k1.length; run++) {
                            int attempts = acc[run] + rej[run];
                            if (reuse) {
                                assertTrue(jac[run] >= 1 && jac[run] < attempts, m + " run " + run + ": " + jac[run] + " of " + attempts);
                            } else {
                                assertEquals(attempts, jac[run], m + " run " + run);
                            }
                        }
                    }
                    return null;
                });
            }
        }
    }

    /** The reuse does not touch Rosenbrock methods (they need the exact J): the same bits with the property either way. */
    @Test
    void rosenbrockSolvesAreTheSameWithOrWithoutTheProperty() {
        double[][] out = new double[2][];
        for (int k = 0; k < 2; k++) {
            out[k] = withReuse(k == 0, () -> {
                try (SolveResult r = Solver.solveIvp(Problems.ROBERTSON, Map.of("k1", new double[] {0.02, 0.04, 0.06}), 40,
                        SolveOptions.defaults().method("rodas4").atol(1e-10).rtol(1e-6))) {
                    for (int run = 0; run < 3; run++) {
                        assertEquals(r.acceptedSteps()[run] + r.rejectedSteps()[run], r.jacobianEvaluations()[run], "run " + run);
                    }
                    return r.finalState("y2");
                }
            });
        }
        assertArrayEquals(out[0], out[1]);
        assertFalse(out[0][0] == out[0][2], "k1 changes the runs");
    }

    @Test
    void aBadPropertyValueIsOneClearLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withReuse(true, () -> {
            System.setProperty(PROPERTY, "sometimes");
            try (SolveResult r = Solver.solveIvp(LINEAR, Map.of(), 1, SolveOptions.defaults().method("radau").rtol(1e-6))) {
                return r;
            }
        }));
        assertTrue(e.getMessage().contains("tornadobatch.jacobianReuse") && e.getMessage().contains("sometimes")
                && e.getMessage().contains("true or false"), e.getMessage());
    }
}
