package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.system.OdeSystem;

/** Rosenbrock methods: the order on linear, nonlinear and time-dependent problems, and a stiff system. */
class RosenbrockTest {
    /** Fitted slope of log(error) against log(dt) for fixed steps of {@code method}, errors from {@code exact}. */
    static double slope(OdeSystem sys, String method, double duration, double exact, double[] dts) {
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (double dt : dts) {
            try (SolveResult r = Solver.solveIvp(sys, Map.of(), duration, SolveOptions.defaults().method(method).controller("fixed").dt(dt))) {
                double e = Math.abs(r.finalState(sys.stateNames().get(0))[0] - exact);
                double x = Math.log(dt);
                double y = Math.log(e);
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
                System.out.printf("%s %s dt %.5f error %.3e%n", sys.name(), method, dt, e);
            }
        }
        int n = dts.length;
        return (n * sxy - sx * sy) / (n * sxx - sx * sx);
    }

    private static final double[] DTS = {0.1, 0.05, 0.025, 0.0125};

    @Test
    void eachRosenbrockMethodHasItsOrderOnLinearNonlinearAndTimeDependentProblems() {
        // x' = -2 x: x(1) = e^-2.
        OdeSystem linear = OdeSystem.parse("states: x = 1\ndx = -2 * x\n", "linear");
        // x' = -x^2 from 1: x(t) = 1 / (1 + t).
        OdeSystem nonlinear = OdeSystem.parse("states: x = 1\ndx = -x * x\n", "nonlinear");
        // x' = -x + sin(t) from 0: x(t) = (sin t - cos t + e^-t) / 2, which needs df/dt beyond order 1.
        OdeSystem forced = OdeSystem.parse("states: x = 0\ndx = -x + sin(t)\n", "forced");
        for (org.tornadobatch.solver.method.Algorithm a : org.tornadobatch.solver.method.Algorithm.values()) {
            if (!a.tableau().isRosenbrock()) {
                continue;
            }
            String m = a.canonicalName();
            double[] slopes = {
                    slope(linear, m, 1, Math.exp(-2), DTS),
                    slope(nonlinear, m, 1, 0.5, DTS),
                    slope(forced, m, 2, (Math.sin(2) - Math.cos(2) + Math.exp(-2)) / 2, DTS),
            };
            // At least the order everywhere (on the linear problem a method may do better: rodas5p's stability function
            // matches e^z to order 6), and exactly the order on the nonlinear one.
            String seen = m + ": order " + a.tableau().order() + ", fitted slopes " + java.util.Arrays.toString(slopes);
            for (double s : slopes) {
                assertTrue(s >= a.tableau().order() - 0.3, seen);
            }
            assertTrue(Math.abs(slopes[1] - a.tableau().order()) <= 0.3, seen);
        }
    }

    /**
     * x' = lam x with lam = 1 / (h gamma): W = 1 / (h gamma) - lam is exactly zero for a step of h. A fixed step
     * cannot avoid it and the run fails reporting the singular matrix; an adaptive one rejects that step, shrinks
     * it, and solves to e^(lam T).
     */
    @Test
    void aSingularMatrixFailsAFixedStepByNameAndAnAdaptiveStepShrinksPastIt() {
        OdeSystem growth = OdeSystem.parse("states: x = 1\nparameters: lam = 1\ndx = lam * x\n", "growth");
        double h = 0.1;
        double lam = 1.0 / (h * org.tornadobatch.solver.method.Algorithm.RODAS4.tableau().rosenbrock().gamma());
        try (SolveResult r = Solver.solveIvp(growth, Map.of("lam", new double[] {lam}), 0.5,
                SolveOptions.defaults().method("rodas4").controller("fixed").dt(h))) {
            assertEquals(java.util.List.of(RunStatus.NON_FINITE_STATE, RunStatus.SINGULAR_MATRIX), RunStatus.decode(r.run(0).status()));
        }
        try (SolveResult r = Solver.solveIvp(growth, Map.of("lam", new double[] {lam}), h,
                SolveOptions.defaults().method("rodas4").dt(h).atol(1e-10).rtol(1e-8).stepControl(c -> c.dtMin(1e-9)))) {
            assertEquals(RunStatus.SUCCESS, r.run(0).status());
            assertTrue(r.rejectedSteps()[0] >= 1, "the first step, on the singular matrix, is rejected");
            assertEquals(Math.exp(lam * h), r.finalState("x")[0], 1e-6 * Math.exp(lam * h));
        }
        try (SolveResult r = Solver.solveIvp(growth, Map.of("lam", new double[] {lam / 2}), 0.5,
                SolveOptions.defaults().method("rodas4").controller("fixed").dt(h))) {
            assertEquals(RunStatus.SUCCESS, r.run(0).status(), "the same steps on a regular matrix");
        }
    }

    @Test
    void robertsonsKineticsSolveToThePublishedValuesWhereExplicitMethodsGiveUp() {
        OdeSystem rober = Problems.ROBERTSON;
        // Hairer and Wanner II (IV.1 and the test set): at t = 40.
        double[] expected = Problems.ROBERTSON_AT_40;
        for (String method : new String[] {"ros3p", "rosenbrock23", "rodas3p", "rodas4", "rodas5p"}) {
            try (SolveResult r = Solver.solveIvp(rober, Map.of(), 40, SolveOptions.defaults().method(method).atol(1e-10).rtol(1e-6))) {
                assertTrue(r.run(0).succeeded(), method + ": status " + r.run(0).status());
                for (int i = 0; i < 3; i++) {
                    double got = r.finalState("y" + (i + 1))[0];
                    assertEquals(expected[i], got, 1e-4 * expected[i], method + ": y" + (i + 1) + " at t = 40");
                }
                System.out.printf("robertson to t = 40, %s rtol 1e-6: %d accepted, %d rejected steps%n", method, r.acceptedSteps()[0],
                        r.rejectedSteps()[0]);
                assertTrue(r.acceptedSteps()[0] < 2000, method + ": a stiff method's steps: " + r.acceptedSteps()[0]);
            }
        }
        try (SolveResult r = Solver.solveIvp(rober, Map.of(), 40, SolveOptions.defaults().method("dormand-prince-54").atol(1e-10).rtol(1e-6)
                .stepControl(c -> c.maxSteps(20_000)))) {
            assertEquals(RunStatus.MAX_STEPS_EXCEEDED.bit(), r.run(0).status(), "an explicit method's step is bounded by stability");
        }
    }
}
