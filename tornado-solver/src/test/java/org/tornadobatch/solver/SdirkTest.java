package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.system.OdeSystem;

/**
 * Singly diagonally implicit methods (SDIRK, ESDIRK): their coefficients against the order conditions, the order on
 * linear, nonlinear and time-dependent problems, a stiff system, and a Newton iteration that cannot converge.
 */
class SdirkTest {
    private static List<Algorithm> sdirks() {
        return java.util.Arrays.stream(Algorithm.values()).filter(a -> a.tableau().isSdirk()).toList();
    }

    /** The full coefficient matrix: {@code a} below the diagonal, {@code gamma} on it for the implicit stages. */
    private static double[][] full(ButcherTableau t) {
        int s = t.stages();
        double[][] m = new double[s][s];
        for (int i = 0; i < s; i++) {
            System.arraycopy(t.a()[i], 0, m[i], 0, i);
            m[i][i] = t.sdirk().implicit(i) ? t.sdirk().gamma() : 0;
        }
        return m;
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    private static double[] times(double[][] m, double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = dot(m[i], v);
        }
        return out;
    }

    private static double[] pow(double[] v, int p) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.pow(v[i], p);
        }
        return out;
    }

    private static double[] mul(double[] x, double[] y) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * y[i];
        }
        return out;
    }

    /** The residuals of the order conditions up to {@code order} (trees of order 1 to 4) for weights {@code b}. */
    static double[] conditions(double[][] a, double[] b, int order) {
        double[] c = times(a, new double[b.length]);
        for (int i = 0; i < b.length; i++) {
            c[i] = java.util.Arrays.stream(a[i]).sum();
        }
        double[] one = new double[b.length];
        java.util.Arrays.fill(one, 1);
        List<Double> r = new java.util.ArrayList<>(List.of(dot(b, one) - 1));
        if (order >= 2) {
            r.add(dot(b, c) - 0.5);
        }
        if (order >= 3) {
            r.add(dot(b, pow(c, 2)) - 1.0 / 3);
            r.add(dot(b, times(a, c)) - 1.0 / 6);
        }
        if (order >= 4) {
            r.add(dot(b, pow(c, 3)) - 0.25);
            r.add(dot(b, mul(c, times(a, c))) - 1.0 / 8);
            r.add(dot(b, times(a, pow(c, 2))) - 1.0 / 12);
            r.add(dot(b, times(a, times(a, c))) - 1.0 / 24);
        }
        return r.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void coefficientsSatisfyTheOrderConditionsOfTheirOrderAndTheirNodesAreTheRowSums() {
        for (Algorithm a : sdirks()) {
            ButcherTableau t = a.tableau();
            double[][] m = full(t);
            for (int i = 0; i < t.stages(); i++) {
                assertEquals(java.util.Arrays.stream(m[i]).sum(), t.c()[i], 1e-9, a + ": c" + i);
            }
            for (double r : conditions(m, t.b(), t.order())) {
                assertEquals(0, r, 1e-9, a + ": order " + t.order() + " conditions");
            }
            if (t.hasErrorEstimate()) {
                for (double r : conditions(m, t.bHat(), t.embeddedOrder())) {
                    assertEquals(0, r, 1e-9, a + ": embedded order " + t.embeddedOrder() + " conditions");
                }
            }
        }
        assertTrue(sdirks().size() >= 7, "the SDIRK methods: " + sdirks());
    }

    @Test
    void eachSdirkMethodHasItsOrderOnLinearNonlinearAndTimeDependentProblems() {
        OdeSystem linear = OdeSystem.parse("states: x = 1\ndx = -2 * x\n", "linear");
        OdeSystem nonlinear = OdeSystem.parse("states: x = 1\ndx = -x * x\n", "nonlinear");
        OdeSystem forced = OdeSystem.parse("states: x = 0\ndx = -x + sin(t)\n", "forced");
        double[] dts = {0.1, 0.05, 0.025, 0.0125};
        for (Algorithm a : sdirks()) {
            String m = a.canonicalName();
            double[] slopes = {
                    RosenbrockTest.slope(linear, m, 1, Math.exp(-2), dts),
                    RosenbrockTest.slope(nonlinear, m, 1, 0.5, dts),
                    RosenbrockTest.slope(forced, m, 2, (Math.sin(2) - Math.cos(2) + Math.exp(-2)) / 2, dts),
            };
            String seen = m + ": order " + a.tableau().order() + ", fitted slopes " + java.util.Arrays.toString(slopes);
            for (double s : slopes) {
                assertTrue(Math.abs(s - a.tableau().order()) <= 0.3, seen);
            }
        }
    }

    @Test
    void robertsonsKineticsSolveToThePublishedValuesWithTheAdaptiveSdirkMethods() {
        OdeSystem rober = Problems.ROBERTSON;
        double[] expected = Problems.ROBERTSON_AT_40;
        for (Algorithm a : sdirks()) {
            if (!a.isAdaptive() || a == Algorithm.CRANK_NICOLSON) {
                continue; // Crank-Nicolson is A- but not L-stable, and its estimate is of order 1: many small steps here
            }
            try (SolveResult r = Solver.solveIvp(rober, Map.of(), 40, SolveOptions.defaults().method(a.canonicalName()).atol(1e-10).rtol(1e-6))) {
                assertTrue(r.run(0).succeeded(), a + ": status " + RunStatus.decode(r.run(0).status()));
                for (int i = 0; i < 3; i++) {
                    assertEquals(expected[i], r.finalState("y" + (i + 1))[0], 1e-4 * expected[i], a + ": y" + (i + 1) + " at t = 40");
                }
                System.out.printf("robertson to t = 40, %s rtol 1e-6: %d accepted, %d rejected steps%n", a, r.acceptedSteps()[0],
                        r.rejectedSteps()[0]);
                assertTrue(r.acceptedSteps()[0] < 2000, a + ": a stiff method's steps: " + r.acceptedSteps()[0]);
            }
        }
    }

    /**
     * x' = 10 x^2 from 1 (x = 1 / (1 - 10 t)): a backward Euler step of 1 must solve Y = 1 + 10 Y^2, which has no real
     * root, so Newton cannot converge: the fixed-step run fails with NEWTON_FAILED. Adaptive steps shrink until Newton
     * converges and reach x(0.05) = 2.
     */
    @Test
    void aNewtonIterationThatCannotConvergeFailsAFixedStepByNameAndShrinksAnAdaptiveOne() {
        OdeSystem blowUp = OdeSystem.parse("states: x = 1\ndx = 10 * x * x\n", "blowup");
        try (SolveResult r = Solver.solveIvp(blowUp, Map.of(), 1, SolveOptions.defaults().method("backward-euler").controller("fixed").dt(1))) {
            assertEquals(List.of(RunStatus.NEWTON_FAILED, RunStatus.NON_FINITE_STATE), RunStatus.decode(r.run(0).status()));
        }
        try (SolveResult r = Solver.solveIvp(blowUp, Map.of(), 0.05, SolveOptions.defaults().method("kvaerno3").dt(0.05).atol(1e-10).rtol(1e-8)
                .stepControl(c -> c.dtMin(1e-9)))) {
            assertEquals(RunStatus.SUCCESS, r.run(0).status());
            assertTrue(r.rejectedSteps()[0] >= 1, "the first step of 0.05 is rejected");
            assertEquals(2.0, r.finalState("x")[0], 1e-5);
        }
    }

    @Test
    void float32SolvesOfAStiffSystemAgreeWithFloat64WithinFloat32Tolerances() {
        for (String m : List.of("l-stable-sdirk-4", "kvaerno3", "kvaerno5")) {
            float32AgreesWithFloat64(m);
        }
    }

    /** Van der Pol at mu = 100 to t = 1, atol = rtol = 1e-5, with {@code method}: x(1) in float32 within 1e-3 of float64's. */
    static void float32AgreesWithFloat64(String method) {
        OdeSystem vdp = OdeSystem.parse("states: x = 2, v = 0\nparameters: mu = 100\ndx = v\ndv = mu * ((1 - x * x) * v - x)\n", "vdp");
        double[] got = new double[2];
        int k = 0;
        for (String p : List.of("float64", "float32")) {
            try (SolveResult r = Solver.solveIvp(vdp, Map.of(), 1, SolveOptions.defaults().method(method).precision(Precision.of(p)).atol(1e-5).rtol(1e-5))) {
                assertTrue(r.run(0).succeeded(), method + " " + p + ": status " + RunStatus.decode(r.run(0).status()));
                got[k++] = r.finalState("x")[0];
            }
        }
        assertEquals(got[0], got[1], 1e-3 * Math.abs(got[0]), method + ": x(1) in float32 against float64");
    }
}
