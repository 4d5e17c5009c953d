package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.hipparchus.analysis.interpolation.SplineInterpolator;
import org.hipparchus.analysis.polynomials.PolynomialFunction;
import org.hipparchus.analysis.polynomials.PolynomialSplineFunction;
import org.junit.jupiter.api.Test;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.system.OdeSystem;

/**
 * Drivers: the host's interpolants against Hipparchus' spline and direct formulas, and solves whose states are the
 * integrals of their drivers (RK4 with steps that land on the samples integrates each polynomial piece exactly),
 * checked against integrals computed here.
 */
class DriversTest {
    /** x' = u, so x(T) is the integral of the driver; y records 2 u. */
    private static final OdeSystem INTEGRAL = OdeSystem.parse("""
            states: x = 0.0
            parameters: k = 1.0
            drivers: u
            observables: y
            y = 2 * u
            dx = k * u
            """, "integral");

    private static final double[] SAMPLES = {0.5, 1.5, -1, 2, 0.25, 3, 1, -0.5};
    private static final double T0 = 1;
    private static final double DT = 0.25;

    private static double[] knots() {
        double[] t = new double[SAMPLES.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = T0 + i * DT;
        }
        return t;
    }

    @Test
    void linearAndNaturalCubicInterpolantsAreTheTextbooksOnes() {
        Drivers d = Drivers.sampled(T0, DT, Map.of("u", SAMPLES));
        PolynomialSplineFunction spline = new SplineInterpolator().interpolate(knots(), SAMPLES);
        for (double t = T0; t <= T0 + 7 * DT; t += DT / 7) {
            int i = Math.min((int) ((t - T0) / DT), SAMPLES.length - 2);
            double f = (t - T0) / DT - i;
            assertEquals(SAMPLES[i] + f * (SAMPLES[i + 1] - SAMPLES[i]), d.value("u", t), 1e-12, "linear at " + t);
            assertEquals(spline.value(t), d.cubic().value("u", t), 1e-12, "natural cubic spline at " + t);
        }
        assertEquals(SAMPLES[0], d.value("u", T0 - 3), 0, "clamped: the first value before the samples");
        assertEquals(SAMPLES[7], d.cubic().value("u", T0 + 100), 1e-15, "and the last after them");
    }

    @Test
    void aWrappedCubicIsPeriodicAndSmooth() {
        int n = 32;
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.sin(2 * Math.PI * i / n);
        }
        Drivers d = Drivers.sampled(0, 1.0 / n, Map.of("u", s)).cubic().wrap();
        for (double t = -1.3; t < 2.5; t += 0.0137) {
            assertEquals(Math.sin(2 * Math.PI * t), d.value("u", t), 2e-5, "a periodic spline of sin at " + t);
        }
        Drivers lin = Drivers.sampled(0, 1.0 / n, Map.of("u", s)).wrap();
        assertEquals(0.5 * (s[n - 1] + s[0]), lin.value("u", (n - 0.5) / n), 1e-15, "the last piece joins the last sample to the first");
    }

    /** The integral from T0 of the natural spline through the samples, piece by piece (Hipparchus' polynomials). */
    private static double splineIntegral(double end) {
        return splineIntegral(SAMPLES, end);
    }

    /** The integral from T0 of the natural spline through {@code samples} (at the knots), piece by piece. */
    private static double splineIntegral(double[] samples, double end) {
        PolynomialSplineFunction spline = new SplineInterpolator().interpolate(knots(), samples);
        double sum = 0;
        PolynomialFunction[] pieces = spline.getPolynomials();
        double[] knots = spline.getKnots();
        for (int i = 0; i < pieces.length; i++) {
            double b = Math.min(end, knots[i + 1]) - knots[i];
            if (b > 0) {
                sum += pieces[i].antiDerivative().value(b);
            }
        }
        return sum;
    }

    private static SolveResult solve(Drivers d, Precision p, OutputSpec out, double duration, double saveEvery, double... ks) {
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(INTEGRAL).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder()
                     .controller(Controller.FIXED).dt(DT / 8)).precision(p).outputs(out).drivers(d).memoryManager(mm).build()) {
            return s.solve(Batch.grid(INTEGRAL, Map.of("k", ks), GridKind.COMBINATORIAL), TimeSpec.of(duration).withT0(T0).withSaveEvery(saveEvery));
        }
    }

    @Test
    void theKernelIntegratesItsDriversExactly() {
        double span = 7 * DT;
        double trapezoid = 0;
        for (int i = 0; i < 7; i++) {
            trapezoid += DT * (SAMPLES[i] + SAMPLES[i + 1]) / 2;
        }
        Drivers d = Drivers.sampled(T0, DT, Map.of("u", SAMPLES));
        try (SolveResult r = solve(d, Precision.FLOAT64, OutputSpec.of(List.of("state", "observables")), span + 1, DT, 1, 3)) {
            assertEquals(trapezoid + SAMPLES[7], r.finalState("x")[0], 1e-12, "linear pieces, then the last value held for 1");
            assertEquals(3 * (trapezoid + SAMPLES[7]), r.finalState("x")[1], 1e-12, "k = 3");
            double[][] y = r.observable("y");
            for (int i = 0; i < SAMPLES.length; i++) {
                assertEquals(2 * SAMPLES[i], y[i][0], 1e-12, "the observable at sample " + i);
            }
        }
        try (SolveResult r = solve(d.cubic(), Precision.FLOAT64, OutputSpec.stateOnly(), span, DT, 1)) {
            assertEquals(splineIntegral(T0 + span), r.finalState("x")[0], 1e-12, "cubic pieces");
        }
        try (SolveResult r = solve(d.wrap(), Precision.FLOAT64, OutputSpec.stateOnly(), 3 * 8 * DT, DT, 1)) {
            double period = trapezoid + DT * (SAMPLES[7] + SAMPLES[0]) / 2;
            assertEquals(3 * period, r.finalState("x")[0], 1e-12, "three periods of the wrapped linear driver");
        }
        try (SolveResult r = solve(d.cubic(), Precision.FLOAT32, OutputSpec.stateOnly(), span, DT, 1)) {
            double x = r.finalState("x")[0];
            assertEquals(splineIntegral(T0 + span), x, 1e-5 * Math.max(1, Math.abs(x)), "float32");
        }
    }

    /** Run r's samples: SAMPLES scaled by r + 1 and shifted by r / 2. */
    private static double[][] perRunSamples(int runs) {
        double[][] s = new double[runs][SAMPLES.length];
        for (int r = 0; r < runs; r++) {
            for (int i = 0; i < SAMPLES.length; i++) {
                s[r][i] = SAMPLES[i] * (r + 1) + r / 2.0;
            }
        }
        return s;
    }

    @Test
    void perRunDriversGiveEachRunTheIntegralOfItsOwnSamples() {
        int runs = 5;
        double[][] s = perRunSamples(runs);
        double[] ks = {1, 1, 1, 1, 1};
        Drivers d = Drivers.perRun(T0, DT, Map.of("u", s));
        double span = 7 * DT;
        try (SolveResult lin = solve(d, Precision.FLOAT64, OutputSpec.of(List.of("state", "observables")), span + 1, DT, ks);
             SolveResult cubic = solve(d.cubic(), Precision.FLOAT64, OutputSpec.stateOnly(), span, DT, ks);
             SolveResult single = solve(d.cubic(), Precision.FLOAT32, OutputSpec.stateOnly(), span, DT, ks)) {
            for (int r = 0; r < runs; r++) {
                double trapezoid = 0;
                for (int i = 0; i < 7; i++) {
                    trapezoid += DT * (s[r][i] + s[r][i + 1]) / 2;
                }
                assertEquals(trapezoid + s[r][7], lin.finalState("x")[r], 1e-12, "run " + r + ": linear pieces, then the last value held");
                for (int i = 0; i < SAMPLES.length; i++) {
                    assertEquals(2 * s[r][i], lin.observable("y")[i][r], 1e-12, "run " + r + ": the observable at sample " + i);
                }
                double spline = splineIntegral(s[r], T0 + span);
                assertEquals(spline, cubic.finalState("x")[r], 1e-12, "run " + r + ": cubic pieces");
                assertEquals(spline, single.finalState("x")[r], 1e-5 * Math.max(1, Math.abs(spline)), "run " + r + ": float32");
            }
        }
        // Per run and wrapped: each run as its own solve with shared drivers (a separate kernel and table).
        for (int r = 0; r < runs; r++) {
            try (SolveResult all = solve(d.cubic().wrap(), Precision.FLOAT64, OutputSpec.stateOnly(), 3 * 8 * DT, DT, ks);
                 SolveResult one = solve(Drivers.sampled(T0, DT, Map.of("u", s[r])).cubic().wrap(), Precision.FLOAT64, OutputSpec.stateOnly(),
                         3 * 8 * DT, DT, 1)) {
                assertEquals(one.finalState("x")[0], all.finalState("x")[r], 1e-12, "run " + r + " wrapped");
            }
            assertEquals(Drivers.sampled(T0, DT, Map.of("u", s[r])).cubic().value("u", 1.3), d.cubic().value("u", r, 1.3), 1e-15);
        }
    }

    @Test
    void perRunDriversForAnotherNumberOfRunsAreRefused() {
        Drivers d = Drivers.perRun(T0, DT, Map.of("u", perRunSamples(3)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> solve(d, Precision.FLOAT64, OutputSpec.stateOnly(), 1, DT, 1, 2));
        assertEquals("drivers: samples for 3 runs, the batch has 2 (expected: one set of samples per run, in the batch's order)", e.getMessage());
        double[][] ragged = perRunSamples(2);
        ragged[1] = new double[] {1, 2, 3};
        e = assertThrows(IllegalArgumentException.class, () -> Drivers.perRun(T0, DT, Map.of("u", ragged)));
        assertEquals("driver u, run 1: 3 samples (expected: 8, as many as every other run and driver)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Drivers.perRun(T0, DT, Map.of("u", perRunSamples(2), "v", perRunSamples(3))));
        assertEquals("driver v: samples for 3 runs (expected: 2, as many as every other driver)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> d.value("u", 1.0));
        assertEquals("driver u: samples per run (expected: value(name, run, t))", e.getMessage());
    }

    @Test
    void missingOrUnknownDriversAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Solver.builder(INTEGRAL).build());
        assertTrue(e.getMessage().startsWith("drivers: integral reads the drivers [u]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Solver.builder(INTEGRAL).drivers(Drivers.sampled(0, 1, Map.of("v", SAMPLES))).build());
        assertEquals("drivers: no samples for [u], and [v] not a driver of integral (expected: samples for each of its drivers [u])", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Drivers.sampled(0, 1, Map.of("u", new double[] {1, 2, 3})).cubic());
        assertEquals("driver u: 3 samples (expected: at least 4 for cubic interpolation)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Drivers.sampled(0, 0, Map.of("u", SAMPLES)));
        assertThrows(IllegalArgumentException.class, () -> Drivers.sampled(0, 1, Map.of("u", new double[] {1, Double.NaN})));
        assertThrows(IllegalArgumentException.class, () -> Drivers.sampled(0, 1, Map.of("u", SAMPLES, "v", new double[] {1, 2})));
        assertTrue(assertThrows(org.tornadobatch.system.SystemDefinitionException.class, () -> OdeSystem.parse(
                "states: x = 0\ndrivers: u, x\ndx = u\n", "twice")).getMessage().contains("declared twice"));
    }
}
