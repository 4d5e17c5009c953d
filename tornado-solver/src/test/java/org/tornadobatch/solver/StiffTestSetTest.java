package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.system.OdeSystem;

/**
 * The stiff problems of Hairer and Wanner's test set beyond Robertson, from the examples folder, against reference
 * solutions computed elsewhere: HIRES (8 states) at t = 321.8122 and OREGO (3 states) at t = 360, the test set's
 * published values (Mazzia and Magherini, IVP test set 2.4), which SciPy 1.17's Radau at rtol 1e-12 reproduces to
 * 1e-13; Van der Pol at mu = 1000 at t = 3000, SciPy's Radau at rtol 1e-12, atol 1e-14. At rtol 1e-6 SciPy's Radau
 * takes 210, 961 and 1357 steps with relative errors 1.3e-7, 6.1e-8 and 1.9e-8; its BDF 327, 1311 and 1905 steps,
 * 8.7e-6, 7.5e-5 and 3.1e-5.
 */
class StiffTestSetTest {
    private static final double[] HIRES = {7.371312573325668e-4, 1.442485726316185e-4, 5.888729740967575e-5, 1.175651343283149e-3,
            2.386356198831331e-3, 6.238968252742796e-3, 2.849998395185769e-3, 2.850001604814231e-3};
    private static final double[] OREGO = {1.000814870318523, 1228.178521549917, 132.0554942846706};
    private static final double[] VDP = {-1.5106069367440127, 1.1783800007311082e-3};

    private static OdeSystem example(String name) throws Exception {
        return OdeSystem.parse(Files.readString(Path.of("..", "examples", name + ".ode")), name);
    }

    /** The largest relative error of the final state against {@code ref}, after checking the run succeeded. */
    private static double solve(OdeSystem sys, Map<String, double[]> values, double duration, String method, double atol, double dtMax,
                                double[] ref) {
        return solveFinal(sys, values, duration, method, atol, dtMax, ref).error();
    }

    /** A final-state solve's largest relative error against its reference and its attempted (accepted + rejected) steps. */
    private record Outcome(double error, int attempted) {
    }

    /** {@link #solve}, with the attempted steps too. */
    private static Outcome solveFinal(OdeSystem sys, Map<String, double[]> values, double duration, String method, double atol,
                                      double dtMax, double[] ref) {
        try (SolveResult r = Solver.solveIvp(sys, values, duration, SolveOptions.defaults().method(method).rtol(1e-6).atol(atol)
                .stepControl(c -> c.dtMax(dtMax).dtMin(1e-14)))) {
            assertEquals(RunStatus.SUCCESS, r.run(0).status(), sys.name() + " " + method);
            double worst = 0;
            for (int i = 0; i < ref.length; i++) {
                worst = Math.max(worst, Math.abs(r.finalState(sys.stateNames().get(i))[0] - ref[i]) / Math.abs(ref[i]));
            }
            System.out.printf("%s, %s, rtol 1e-6: %d accepted, %d rejected steps; largest relative error %.2e%n", sys.name(), method,
                    r.acceptedSteps()[0], r.rejectedSteps()[0], worst);
            return new Outcome(worst, r.acceptedSteps()[0] + r.rejectedSteps()[0]);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"rodas4", "rodas5p"})
    void theStifflyAccurateMethodsSolveHiresOregoAndAStiffVanDerPolToTheirReferences(String method) throws Exception {
        assertTrue(solve(example("hires"), Map.of(), 321.8122, method, 1e-10, 100, HIRES) < 1e-5, "hires");
        assertTrue(solve(example("orego"), Map.of(), 360, method, 1e-6, 10, OREGO) < 1e-5, "orego");
        assertTrue(solve(example("vanderpol"), Map.of("mu", new double[] {1000}), 3000, method, 1e-10, 100, VDP) < 1e-5, "van der pol");
    }

    /**
     * Radau IIA on OREGO, Van der Pol and HIRES, within 10 times the error SciPy's Radau reaches (6.1e-8, 1.9e-8, 1.3e-7).
     * HIRES's 8 states run on the jvm backend since the step factorises RADAU5's transformed real and complex 8 x 8 matrices
     * (its former 24-row block matrix, written out, was past the JVM's 64 KB per method).
     */
    @Test
    void radauSolvesOregoAndAStiffVanDerPolToTheirReferences() throws Exception {
        assertTrue(solve(example("orego"), Map.of(), 360, "radau-iia-5", 1e-6, 10, OREGO) < 6.1e-7, "orego");
        assertTrue(solve(example("hires"), Map.of(), 321.8122, "radau-iia-5", 1e-10, 100, HIRES) < 1.3e-6, "hires");
        assertTrue(solve(example("vanderpol"), Map.of("mu", new double[] {1000}), 3000, "radau-iia-5", 1e-10, 100, VDP) < 1.9e-7, "van der pol");
    }

    /**
     * Kvaerno's ESDIRK 5(4) takes the fewest steps on HIRES and OREGO, but its error at rtol 1e-6 is looser than the
     * Rosenbrock methods' and Radau's: 1.7e-5 on OREGO (SciPy's Radau 6.1e-8). Measured here so that a change shows.
     */
    @Test
    void kvaerno5SolvesThemInFewStepsToTheTolerance() throws Exception {
        assertTrue(solve(example("hires"), Map.of(), 321.8122, "kvaerno5", 1e-10, 100, HIRES) < 1e-5, "hires");
        assertTrue(solve(example("vanderpol"), Map.of("mu", new double[] {1000}), 3000, "kvaerno5", 1e-10, 100, VDP) < 1e-4, "van der pol");
        assertTrue(solve(example("orego"), Map.of(), 360, "kvaerno5", 1e-6, 10, OREGO) < 1e-4, "orego");
    }

    /** The test set's VDPOL, Van der Pol at mu = 1e6 in its scaled form (eps = 1e-6), to t = 2; its published values. */
    private static final double[] VDPOL = {1.706167732170483, -0.8928097010247975};

    /**
     * VDPOL at rtol = atol = 1e-6 (the test set's problem, y(0) = (2, 0)): SciPy 1.17's Radau reaches 6.5e-9 in 874 steps,
     * its BDF 1.6e-5 in 1244 (solve_ivp with the exact Jacobian, on this machine). Radau IIA within 10 times SciPy's
     * Radau error, the Rosenbrock methods and kvaerno5 within 1e-5.
     */
    @Test
    void vanDerPolAtMuOneMillionSolvesToThePublishedValues() {
        OdeSystem vdpol = OdeSystem.parse("""
                states: y1 = 2, y2 = 0
                parameters: eps = 1e-6
                dy1 = y2
                dy2 = ((1 - y1 * y1) * y2 - y1) / eps
                """, "vdpol");
        for (String m : List.of("radau-iia-5", "rodas5p", "rodas4", "kvaerno5")) {
            try (SolveResult r = Solver.solveIvp(vdpol, Map.of(), 2, SolveOptions.defaults().method(m).rtol(1e-6).atol(1e-6)
                    .stepControl(c -> c.dtMax(1).dtMin(1e-14)))) {
                assertEquals(RunStatus.SUCCESS, r.run(0).status(), m);
                double worst = Math.max(Math.abs(r.finalState("y1")[0] - VDPOL[0]) / VDPOL[0], Math.abs(r.finalState("y2")[0] - VDPOL[1]) / -VDPOL[1]);
                System.out.printf("vdpol (mu 1e6), %s, rtol 1e-6: %d accepted, %d rejected steps; largest relative error %.2e%n", m,
                        r.acceptedSteps()[0], r.rejectedSteps()[0], worst);
                assertTrue(worst < (m.startsWith("radau") ? 6.5e-8 : 1e-5), m + ": " + worst);
            }
        }
    }

    /** Robertson at t = 1e11, the test set's ROBER (Mazzia and Magherini, IVP test set 2.4), published values. */
    private static final double[] ROBER_AT_1E11 = {0.2083340149701255e-07, 0.8333360770334713e-13, 0.9999999791665050};

    /**
     * Robertson to t = 1e11 at rtol 1e-6, atol 1e-10: SciPy 1.17's Radau (solve_ivp, exact Jacobian, on this machine) takes
     * 371 steps and reaches a relative error of 7.3e-7 (in y1 and y2), its BDF 649 steps and 2.4e-3. Radau IIA within 10
     * times SciPy's Radau error; the others within 1e-4 (measured: rodas5p 1.9e-5, rodas4 2.2e-5, kvaerno5 4.1e-5), with
     * their steps printed beside them. Late on, y1 and y2 are far below atol, so their error is the Newton iteration's:
     * kvaerno5 took 7794 steps and 4532 rejections with the former fixed Newton tolerance (SdirkWriter.newtonTolerance).
     */
    @Test
    void robertsonToTOneE11SolvesToThePublishedValues() {
        for (String m : List.of("radau-iia-5", "rodas5p", "rodas4", "kvaerno5")) {
            Outcome o = solveFinal(Problems.ROBERTSON, Map.of(), 1e11, m, 1e-10, 1e11, ROBER_AT_1E11);
            assertTrue(o.error() < (m.startsWith("radau") ? 7.3e-6 : 1e-4), m + ": " + o.error());
            assertTrue(o.attempted() < 2 * 371, m + " attempted steps");
        }
    }

    /**
     * examples/beeler-reuter.ode at t = 50, 100, 200, 300, 400 and 500 ms (one stimulus of 25 uA/cm^2 at 10-12 ms: the upstroke, the
     * plateau, repolarisation, rest), V, m, h, j, d, f, x1, c: SciPy 1.17's Radau at rtol 1e-12, atol 1e-14, integrated in
     * pieces at the stimulus's edges.
     */
    private static final double[][] BEELER_REUTER = {
            {17.267728810844485, 0.99582605610154407, 4.5346599336009016e-12, 1.0310719777282108e-05, 0.88382892415251313,
                0.90330139944420529, 0.10451645613966379, 5.3196181907387101e-06},
            {12.818404101741841, 0.99426256966806614, 1.3497876317911484e-11, 2.6078152328450029e-11, 0.97318080325444400,
                0.79352675152632257, 0.21728666584028736, 6.1478040743332626e-06},
            {-9.4122579168764684, 0.96973233036046036, 4.2788477568792741e-09, 5.6080021232896907e-09, 0.89514464164656138,
                0.57059322299318493, 0.34624182068920811, 5.7762717644823977e-06},
            {-74.756596427759234, 0.038078429963494878, 0.25538120068940051, 0.081880316813203194, 0.071621134862091318,
                0.74658263198056696, 0.33924133273821749, 2.5052693757644595e-06},
            {-82.941083467240503, 0.013574050638743951, 0.97902620801589846, 0.95748313553051712, 0.0034246463928599810,
                0.95999803948195539, 0.22604715715138687, 1.8863504340295223e-07},
            {-83.415369918721851, 0.012766054547255278, 0.98203774130184429, 0.96810631602149988, 0.0032864328455995779,
                0.99378741672701199, 0.14947185914762079, 1.8550691332242624e-07}};

    /**
     * The cardiac cell (Beeler-Reuter 1977) over one action potential at rtol 1e-6, atol 1e-8, dtMax 1 ms (the stimulus is
     * found by the step control, not given to it): the worst error over the saves and states in units of the tolerance,
     * {@code |y - ref| / (atol + rtol |ref|)}. SciPy 1.17's Radau (solve_ivp, max_step 1, finite-difference Jacobian)
     * reaches 0.148 in 692 steps, its BDF 4.7 in 832. Measured here (jvm, 2026-12-08, so that a change shows): rodas4 3.04
     * in 805 steps, rodas5p 5.44 in 661, radau-iia-5 3.34 in 673, kvaerno5 109 in 595, l-stable-sdirk-4 138 in 1190. SciPy's
     * 0.148 is its luck at exactly 1e-6, not its accuracy (see {@link #radauOnTheCardiacCellIsNotTunedToOneTolerance}); with
     * stops at the pulse's edges every method is within 10 times SciPy's (see {@link #stopsAtThePulsesEdgesBringEveryMethodWithinTenTimesSciPy}).
     */
    @Test
    void theBeelerReuterCardiacCellSolvesToItsReference() throws Exception {
        OdeSystem br = example("beeler-reuter");
        for (String m : List.of("radau-iia-5", "rodas5p", "rodas4", "kvaerno5", "l-stable-sdirk-4")) {
            double worst = beelerReuterError(br, m, 1e-6);
            assertTrue(worst < (m.startsWith("rodas") || m.startsWith("radau") ? 10 : 250), m + ": " + worst);
        }
    }

    /**
     * The Beeler-Reuter error is sensitive to the tolerance because the upstroke turns a small shift in time into a
     * large one in V (hundreds of mV per ms), and the stimulus' edges fall inside steps. SciPy 1.17's Radau (max_step 1),
     * in units of rtol 1e-6, at rtol 0.8, 0.9, 1, 1.1, 1.25 x 1e-6: 0.67, 1.04, 0.148, 0.67, 3.9; at 1e-6 solved in
     * three pieces cut at the pulse's edges (t = 10 and 12, where the reference is cut): 2.93. radau-iia-5 here (jvm,
     * 2026-12-08): 2.38, 2.61, 3.34, 4.78, 3.91; with stops at the edges 3.12. So SciPy's 0.148 at 1e-6 is a cancellation
     * of its own, 22.6 times ours; at the four neighbouring tolerances ours is 1.0 to 7.1 times SciPy's, and with the same
     * cuts 1.06 times. Asserted: every one of the five stays under 10 tolerances of 1e-6.
     */
    @Test
    void radauOnTheCardiacCellIsNotTunedToOneTolerance() throws Exception {
        OdeSystem br = example("beeler-reuter");
        for (double rtol : new double[] {0.8e-6, 0.9e-6, 1.1e-6, 1.25e-6}) {
            double worst = beelerReuterError(br, "radau-iia-5", rtol);
            assertTrue(worst < 10, "radau-iia-5 at rtol " + rtol + ": " + worst);
        }
    }

    /**
     * With stops at the stimulus' edges (t = 10 and 12 ms: {@code --tstops 10,12}) no step straddles them. SciPy 1.17's
     * Radau given the same cuts (solved in three pieces, as it has no stops; max_step 1, atol 1e-8) reaches, at rtol 0.8,
     * 0.9, 1, 1.1 and 1.25 x 1e-6, {@link #SCIPY_RADAU_IN_PIECES} tolerances of 1e-6 (2.93 in 728 steps at 1e-6; BDF 1.95,
     * 18.1, 3.92, 17.1, 13.7). Asserted: every method here within 10 times SciPy's Radau at each tolerance (the stiff
     * issue's bound). Measured (jvm, 2026-12-08): radau-iia-5 2.56, 1.45, 3.12, 3.34, 3.34 (699 steps at 1e-6); rodas4
     * 1.21, 2.39, 1.72, 1.24, 1.06; rodas5p 11.0, 9.58, 16.6, 9.39, 10.8; kvaerno5 8.93, 5.50, 9.24, 5.27, 8.14.
     */
    @Test
    void stopsAtThePulsesEdgesBringEveryMethodWithinTenTimesSciPy() throws Exception {
        OdeSystem br = example("beeler-reuter");
        double[] rtols = {0.8e-6, 0.9e-6, 1e-6, 1.1e-6, 1.25e-6};
        for (String m : List.of("radau-iia-5", "rodas5p", "rodas4", "kvaerno5")) {
            for (int i = 0; i < rtols.length; i++) {
                double worst = beelerReuterError(br, m, rtols[i], 10, 12);
                assertTrue(worst < 10 * SCIPY_RADAU_IN_PIECES[i], m + " at rtol " + rtols[i] + ": " + worst + " against SciPy's "
                        + SCIPY_RADAU_IN_PIECES[i]);
            }
        }
    }

    /** SciPy 1.17's Radau on Beeler-Reuter in three pieces (0-10, 10-12, 12-500 ms), in tolerances of 1e-6: see above. */
    private static final double[] SCIPY_RADAU_IN_PIECES = {2.39, 2.78, 2.93, 3.73, 3.85};

    /** The worst error of a Beeler-Reuter solve (atol 1e-8, dtMax 1) over the saves and states, in units of rtol 1e-6. */
    private static double beelerReuterError(OdeSystem br, String m, double rtol, double... stops) throws Exception {
        try (SolveResult r = Solver.solveIvp(br, Map.of(), 500, SolveOptions.defaults().method(m).rtol(rtol).atol(1e-8).saveEvery(50)
                .stops(stops).stepControl(c -> c.dtMax(1).dtMin(1e-12)))) {
            assertEquals(RunStatus.SUCCESS, r.run(0).status(), m);
            double worst = 0;
            for (int i = 0; i < 8; i++) {
                double[][] v = r.state(br.stateNames().get(i));
                for (int k = 0; k < BEELER_REUTER.length; k++) {
                    double ref = BEELER_REUTER[k][i];
                    int sample = k == 0 ? 1 : 2 * k; // t = 50, 100, 200, ..., 500 of the saves every 50 ms
                    worst = Math.max(worst, Math.abs(v[sample][0] - ref) / (1e-8 + 1e-6 * Math.abs(ref)));
                }
            }
            System.out.printf("beeler-reuter, %s, rtol %.3g, stops %s: %d accepted, %d rejected steps; largest error %.3g tolerances of 1e-6%n",
                    m, rtol, java.util.Arrays.toString(stops), r.acceptedSteps()[0], r.rejectedSteps()[0], worst);
            return worst;
        }
    }

    @Test
    void ros3pSolvesThemTooButIsNotLStable() throws Exception {
        assertTrue(solve(example("hires"), Map.of(), 321.8122, "ros3p", 1e-10, 100, HIRES) < 1e-5, "hires");
        assertTrue(solve(example("vanderpol"), Map.of("mu", new double[] {1000}), 3000, "ros3p", 1e-10, 100, VDP) < 1e-5, "van der pol");
        // OREGO's fast components are barely damped by an A- but not L-stable method (|R(infinity)| = 0.73): at rtol 1e-6
        // its y3 is off by about 12% at t = 360, and by 0.1% at rtol 1e-8. Measured here so that a change shows.
        double orego = solve(example("orego"), Map.of(), 360, "ros3p", 1e-6, 10, OREGO);
        assertTrue(orego > 1e-3 && orego < 0.5, "ros3p on orego: " + orego);
    }
}
