package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.kernel.KernelGenerator;
import org.tornadobatch.solver.kernel.KernelSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.LinearSolver;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.system.OdeSystem;

/**
 * Newton-Krylov SDIRK steps (LinearSolver.KRYLOV: BiCGStab on W without forming it) against the same methods with LU:
 * a stiff reaction-diffusion chain of 40 states and Robertson's kinetics, adaptive (every controller) and fixed steps, both precisions;
 * no factorisation and no stored J in the kernel; the automatic choice by the number of states; refusals.
 */
class KrylovSolveTest {
    private static MemoryManager memory;

    @BeforeAll
    static void start() {
        memory = Problems.memory();
    }

    @AfterAll
    static void stop() {
        memory.close();
    }

    /** u_i' = D (u_(i-1) - 2 u_i + u_(i+1)) - k u_i^2 + 1 on n cells, zero at the ends: stiff for large D. */
    static OdeSystem chain(int n) {
        StringBuilder src = new StringBuilder("states: ");
        for (int i = 0; i < n; i++) {
            src.append(i > 0 ? ", " : "").append("u").append(i).append(" = ").append(0.5 + 0.01 * i);
        }
        src.append("\nparameters: D = 400, k = 1\n");
        for (int i = 0; i < n; i++) {
            String left = i == 0 ? "0" : "u" + (i - 1);
            String right = i == n - 1 ? "0" : "u" + (i + 1);
            src.append("du").append(i).append(" = D * (").append(left).append(" - 2 * u").append(i).append(" + ").append(right)
                    .append(") - k * u").append(i).append(" * u").append(i).append(" + 1\n");
        }
        return OdeSystem.parse(src.toString(), "chain" + n);
    }

    private static SolveResult solve(OdeSystem sys, Algorithm a, StepControl.Builder c, Precision p, LinearSolver ls, Batch b, TimeSpec t) {
        try (Solver s = Solver.builder(sys).algorithm(a).stepControl(c).precision(p).linearSolver(ls).memoryManager(memory)
                .outputs(OutputSpec.of(List.of("state", "step_counts"))).build()) {
            return s.solve(b, t);
        }
    }

    private static Batch sweep(OdeSystem sys, String name, double from, double to, int runs) {
        double[] v = new double[runs];
        for (int i = 0; i < runs; i++) {
            v[i] = from + (to - from) * i / (runs - 1);
        }
        return Batch.grid(sys, Map.of(name, v), GridKind.COMBINATORIAL);
    }

    @Test
    void aStiffChainAgreesWithTheLuSolvesWithoutFactorising() {
        OdeSystem sys = chain(40);
        Batch b = sweep(sys, "k", 0.5, 4, 13);
        TimeSpec time = TimeSpec.of(0.5).withSaveEvery(0.25);
        for (Algorithm a : List.of(Algorithm.KVAERNO5, Algorithm.L_STABLE_SDIRK_4)) {
            StepControl.Builder c = StepControl.builder().atol(1e-9).rtol(1e-7);
            try (SolveResult k = solve(sys, a, c, Precision.FLOAT64, LinearSolver.KRYLOV, b, time);
                 SolveResult d = solve(sys, a, c, Precision.FLOAT64, LinearSolver.DENSE, b, time)) {
                for (int r = 0; r < b.runs(); r++) {
                    assertEquals(RunStatus.SUCCESS, k.status()[r], a + " run " + r + ": " + RunStatus.decode(k.status()[r]));
                    assertEquals(0, k.luFactorisations()[r], "nothing factorised");
                    assertTrue(d.luFactorisations()[r] > 0);
                    assertTrue(k.jacobianEvaluations()[r] > k.acceptedSteps()[r], "products of J, run " + r);
                    assertEquals(d.acceptedSteps()[r], k.acceptedSteps()[r], Math.max(2, d.acceptedSteps()[r] / 10.0), a + " steps of run " + r);
                    for (int s = 0; s < k.time().length; s++) {
                        for (int i = 0; i < 40; i++) {
                            double ref = d.state().get(s, i, r);
                            assertEquals(ref, k.state().get(s, i, r), 1e-5 * (1e-2 + Math.abs(ref)), a + " run " + r + " save " + s + " u" + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void fixedStepsInBothPrecisionsAgreeWithTheLuSolves() {
        OdeSystem sys = chain(40);
        Batch b = sweep(sys, "D", 100, 1000, 9);
        TimeSpec time = TimeSpec.of(0.2).withSaveEvery(0.1);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(0.01);
        for (Precision p : Precision.values()) {
            double tol = p == Precision.FLOAT32 ? 2e-4 : 1e-9;
            try (SolveResult k = solve(sys, Algorithm.KVAERNO3, c, p, LinearSolver.KRYLOV, b, time);
                 SolveResult d = solve(sys, Algorithm.KVAERNO3, c, p, LinearSolver.DENSE, b, time)) {
                for (int r = 0; r < b.runs(); r++) {
                    assertEquals(RunStatus.SUCCESS, k.status()[r], p + " run " + r + ": " + RunStatus.decode(k.status()[r]));
                    for (int i = 0; i < 40; i++) {
                        double ref = d.state().get(2, i, r);
                        assertEquals(ref, k.state().get(2, i, r), tol * (1 + Math.abs(ref)), p + " run " + r + " u" + i);
                    }
                }
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Controller.class, names = {"I", "PI", "PID", "GUSTAFSSON"})
    void everyControllerInBothPrecisionsAgreesWithTheLuSolves(Controller ctl) {
        OdeSystem sys = chain(33);
        Batch b = sweep(sys, "k", 0.5, 4, 7);
        TimeSpec time = TimeSpec.of(0.3).withSaveEvery(0.1);
        for (Precision p : Precision.values()) {
            double tol = p == Precision.FLOAT32 ? 1e-4 : 1e-7;
            StepControl.Builder c = StepControl.builder().controller(ctl).atol(tol).rtol(tol);
            try (SolveResult k = solve(sys, Algorithm.KVAERNO5, c, p, LinearSolver.KRYLOV, b, time);
                 SolveResult d = solve(sys, Algorithm.KVAERNO5, c, p, LinearSolver.DENSE, b, time)) {
                for (int r = 0; r < b.runs(); r++) {
                    assertEquals(RunStatus.SUCCESS, k.status()[r], ctl + " " + p + " run " + r + ": " + RunStatus.decode(k.status()[r]));
                    for (int s = 0; s < k.time().length; s++) {
                        for (int i = 0; i < 33; i++) {
                            double ref = d.state().get(s, i, r);
                            assertEquals(ref, k.state().get(s, i, r), 100 * tol * (1e-2 + Math.abs(ref)), ctl + " " + p + " run " + r + " u" + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void robertsonReachesThePublishedValues() {
        Batch b = sweep(Problems.ROBERTSON, "k1", 0.02, 0.06, 5); // run 2: k1 = 0.04
        StepControl.Builder c = StepControl.builder().atol(1e-10).rtol(1e-6).dtMin(1e-14).dtMax(100);
        try (SolveResult k = solve(Problems.ROBERTSON, Algorithm.KVAERNO5, c, Precision.FLOAT64, LinearSolver.KRYLOV, b, TimeSpec.finalState(40))) {
            for (int i = 0; i < 3; i++) {
                double ref = Problems.ROBERTSON_AT_40[i];
                assertEquals(ref, k.state().get(0, i, 2), 1e-4 * ref, "state " + i + " at t = 40");
            }
        }
    }

    @Test
    void autoSolvesBigSystemsByKrylovAndSmallOnesByLu() {
        for (int n : new int[] {LinearSolver.KRYLOV_MIN_STATES - 1, LinearSolver.KRYLOV_MIN_STATES}) {
            OdeSystem sys = chain(n);
            try (SolveResult r = solve(sys, Algorithm.KVAERNO3, StepControl.builder().atol(1e-8).rtol(1e-6), Precision.FLOAT64, LinearSolver.AUTO,
                    sweep(sys, "k", 1, 2, 3), TimeSpec.finalState(0.1))) {
                assertEquals(n >= LinearSolver.KRYLOV_MIN_STATES, r.luFactorisations()[0] == 0, n + " states: " + r.luFactorisations()[0] + " factorisations");
            }
        }
    }

    @Test
    void theKernelStoresNoJacobian() {
        OdeSystem sys = chain(40);
        StepControl ctl = StepControl.builder().resolve(Algorithm.KVAERNO5, 40);
        java.util.function.Function<Boolean, String> code = k -> KernelGenerator.generate(new KernelSpec(sys, Algorithm.KVAERNO5.tableau(), ctl,
                Precision.FLOAT64, new int[] {0}, new int[0], new int[0], new int[0], List.of(), false, null, k), "cuda").code();
        String krylov = code.apply(true);
        String dense = code.apply(false);
        assertFalse(krylov.contains("W0_1") || krylov.contains("J0_1 ="), "no entries of W or J kept");
        assertTrue(dense.contains("W0_1"), "the LU kernel forms W");
        assertTrue(krylov.length() < dense.length(), "Krylov kernel " + krylov.length() + " chars, LU " + dense.length());
    }

    @Test
    void krylovIsRefusedForMethodsWithoutNewtonStages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Solver.builder(Problems.ROBERTSON)
                .algorithm(Algorithm.RADAU_IIA_5).linearSolver(LinearSolver.KRYLOV).memoryManager(memory).build());
        assertTrue(e.getMessage().contains("krylov serves the SDIRK and ESDIRK methods") && e.getMessage().contains("radau-iia-5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinearSolver.of("gmres"));
    }
}
