package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.system.OdeSystem;

/**
 * The vector kernel tests' fixture: skipped (reported as such) where the JVM has no {@code jdk.incubator.vector}, one
 * jvm memory manager per test class; the implicit methods' tests' solve (states and step counts, the kernel checked),
 * bit-for-bit comparison with counts, Robertson batches and count tolerances.
 */
abstract class VectorKernelCase {
    static MemoryManager memory;

    @BeforeAll
    static void start() {
        assumeTrue(Solver.vectorApi(), "the JVM was started without --add-modules jdk.incubator.vector");
        memory = Problems.memory();
    }

    @AfterAll
    static void stop() {
        if (memory != null) {
            memory.close();
            memory = null;
        }
    }

    /** x' = lam x beside y' = -y: W is exactly singular for a step of h where lam = 1 / (h gamma). */
    static final OdeSystem GROWTH = OdeSystem.parse("states: x = 1, y = 1\nparameters: lam = 1\ndx = lam * x\ndy = -y\n", "growth2");

    /** 19 runs of {@link #GROWTH}, every third with W singular for a step of {@code h} (lam = 1 / (h gamma)), the others decaying. */
    static Batch singularEveryThird(double h, double gamma) {
        double[] lam = new double[19];
        for (int i = 0; i < lam.length; i++) {
            lam[i] = i % 3 == 0 ? 1.0 / (h * gamma) : -1 - i;
        }
        return Batch.grid(GROWTH, Map.of("lam", lam), GridKind.COMBINATORIAL);
    }

    static final OutputSpec STATES_AND_COUNTS = OutputSpec.of(List.of("state", "step_counts"));

    /** A solve with the vector kernel or the scalar one ({@code vector}), checked to be the one asked for; {@code d} may be null. */
    static SolveResult solve(OdeSystem sys, Algorithm a, StepControl.Builder c, Precision p, Drivers d, Batch b, TimeSpec time, boolean vector) {
        Solver.Builder builder = Solver.builder(sys).algorithm(a).stepControl(c).precision(p).outputs(STATES_AND_COUNTS).memoryManager(memory)
                .vectorKernels(vector);
        try (Solver s = (d == null ? builder : builder.drivers(d)).build()) {
            SolveResult r = s.solve(b, time);
            assertEquals(vector, r.info().kernel().contains(".KV"), "vector kernel used: " + r.info().kernel());
            return r;
        }
    }

    /** Statuses, step and Newton counts and states equal to the last bit. */
    static void sameBits(SolveResult v, SolveResult s) {
        assertArrayEquals(s.status(), v.status());
        assertArrayEquals(s.acceptedSteps(), v.acceptedSteps());
        assertArrayEquals(s.rejectedSteps(), v.rejectedSteps());
        assertArrayEquals(s.newtonIterations(), v.newtonIterations());
        assertArrayEquals(s.jacobianEvaluations(), v.jacobianEvaluations());
        assertArrayEquals(s.luFactorisations(), v.luFactorisations());
        assertEquals(-1L, v.state().segment().mismatch(s.state().segment()), "states");
    }

    /** Robertson with k1 = linspace(0.02, 0.06, runs). */
    static Batch robertson(int runs) {
        double[] k1 = new double[runs];
        for (int i = 0; i < runs; i++) {
            k1[i] = 0.02 + 0.04 * i / (runs - 1);
        }
        return Batch.grid(Problems.ROBERTSON, Map.of("k1", k1), GridKind.COMBINATORIAL);
    }

    /** A count within 2% (at least 2) of the scalar kernel's. */
    static void close(int expected, int actual, String what) {
        assertEquals(expected, actual, Math.max(2, expected / 50.0), what);
    }

    /** x' = -k x^3 beside y' = x - y: from x = 1 with steps of 1, Newton diverges for large k and converges for small k. */
    static final OdeSystem CUBIC = OdeSystem.parse("states: x = 1, y = 0\nparameters: k = 1\ndx = -k * x^3\ndy = x - y\n", "cubic");

    /** 21 runs of {@link #CUBIC}, k small in even lanes and large in odd ones. */
    static Batch cubicLanes() {
        double[] k = new double[21];
        for (int i = 0; i < k.length; i++) {
            k[i] = i % 2 == 0 ? 0.1 + 0.01 * i : 1e4 * (1 + i);
        }
        return Batch.grid(CUBIC, Map.of("k", k), GridKind.COMBINATORIAL);
    }

    /**
     * {@code a} on {@link #singularEveryThird} (W singular for a step of h where lam = 1 / (h gamma)) against the scalar
     * kernel: fixed steps bit for bit, the singular lanes ending SINGULAR_MATRIX and the others succeeding; adaptive
     * ones (which shrink the step) per run within the tolerance, the same statuses.
     */
    static void singularLanesAgree(Algorithm a, double gamma) {
        double h = 0.1;
        Batch b = singularEveryThird(h, gamma);
        TimeSpec time = TimeSpec.of(0.5).withSaveEvery(0.1);
        StepControl.Builder fixed = StepControl.builder().controller(Controller.FIXED).dt(h);
        try (SolveResult v = solve(GROWTH, a, fixed, Precision.FLOAT64, null, b, time, true);
             SolveResult s = solve(GROWTH, a, fixed, Precision.FLOAT64, null, b, time, false)) {
            sameBits(v, s);
            assertTrue(RunStatus.decode(v.status()[0]).contains(RunStatus.SINGULAR_MATRIX), RunStatus.decode(v.status()[0]).toString());
            assertEquals(RunStatus.SUCCESS, v.status()[1]);
        }
        StepControl.Builder adaptive = StepControl.builder().dt(h).atol(1e-10).rtol(1e-8).dtMin(1e-9);
        try (SolveResult v = solve(GROWTH, a, adaptive, Precision.FLOAT64, null, b, time, true);
             SolveResult s = solve(GROWTH, a, adaptive, Precision.FLOAT64, null, b, time, false)) {
            assertArrayEquals(s.status(), v.status());
            for (int r = 0; r < b.runs(); r++) {
                close(s.acceptedSteps()[r], v.acceptedSteps()[r], "accepted steps of run " + r);
                double ref = s.state().get(5, 0, r);
                assertEquals(ref, v.state().get(5, 0, r), 1e-6 * Math.abs(ref), "x of run " + r);
            }
        }
    }

    /**
     * {@code a} on {@link #cubicLanes} in fixed steps of 1 against the scalar kernel, bit for bit: Newton's iteration from
     * the explicit Euler predictor diverges in the odd lanes (NEWTON_FAILED) and converges in the even ones, side by side.
     */
    static void newtonFailuresAgree(Algorithm a) {
        Batch b = cubicLanes();
        TimeSpec time = TimeSpec.of(3.0).withSaveEvery(1.0);
        StepControl.Builder fixed = StepControl.builder().controller(Controller.FIXED).dt(1.0);
        try (SolveResult v = solve(CUBIC, a, fixed, Precision.FLOAT64, null, b, time, true);
             SolveResult s = solve(CUBIC, a, fixed, Precision.FLOAT64, null, b, time, false)) {
            sameBits(v, s);
            assertEquals(RunStatus.SUCCESS, v.status()[0], a.toString());
            assertTrue(RunStatus.decode(v.status()[1]).contains(RunStatus.NEWTON_FAILED), a + ": " + RunStatus.decode(v.status()[1]));
        }
    }

    /**
     * {@code a} on Robertson with {@code -Dtornadobatch.jacobianReuse=false}: one J and {@code factorisations} matrices
     * factorised per attempted step in every lane, the steps within 2% of the scalar kernel's.
     */
    static void withoutReuseEveryAttemptEvaluatesJ(Algorithm a, int factorisations) {
        Batch b = robertson(19);
        TimeSpec time = TimeSpec.finalState(10.0);
        StepControl.Builder c = StepControl.builder().atol(1e-10).rtol(1e-6).dtMin(1e-14);
        org.tornadobatch.testing.SystemProperties.with("tornadobatch.jacobianReuse", "false", () -> {
            try (SolveResult v = solve(Problems.ROBERTSON, a, c, Precision.FLOAT64, null, b, time, true);
                 SolveResult s = solve(Problems.ROBERTSON, a, c, Precision.FLOAT64, null, b, time, false)) {
                assertArrayEquals(s.status(), v.status());
                for (int r = 0; r < b.runs(); r++) {
                    int attempts = v.acceptedSteps()[r] + v.rejectedSteps()[r];
                    assertEquals(attempts, v.jacobianEvaluations()[r], "one J per attempt, run " + r);
                    assertEquals(factorisations * attempts, v.luFactorisations()[r], factorisations + " factorisations per attempt, run " + r);
                    close(s.acceptedSteps()[r], v.acceptedSteps()[r], "accepted steps of run " + r);
                }
            }
            return null;
        });
    }
}
