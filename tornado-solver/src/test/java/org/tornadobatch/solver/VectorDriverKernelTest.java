package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.system.OdeSystem;

/**
 * Driven systems' vector kernels (VectorDriverWriter) against the scalar kernel: shared and per-run drivers, linear and
 * cubic, clamped and wrapped, both precisions; bit for bit in fixed steps, within the tolerance in adaptive ones; and a
 * big driven system whose kernel is in parts.
 */
class VectorDriverKernelTest extends VectorKernelCase {
    /** A damped oscillator forced by a driver u, which an observable reads too. */
    private static final OdeSystem FORCED = OdeSystem.parse("""
            states: x = 0.0, v = 1.0
            parameters: w = 1.0
            drivers: u
            observables: e
            e = x * u + v
            dx = v
            dv = -w * w * x - 0.1 * v + 3 * u
            """, "forced");

    /** {@code runs} sets of 16 samples 0.125 apart from t = 0.1, each run's its own. */
    private static double[][] forcing(int runs) {
        double[][] s = new double[runs][16];
        for (int r = 0; r < runs; r++) {
            for (int i = 0; i < 16; i++) {
                s[r][i] = Math.sin(0.7 * i + 0.01 * r) * (1 + r % 5);
            }
        }
        return s;
    }

    static Stream<Arguments> drivers() {
        Drivers shared = Drivers.sampled(0.1, 0.125, Map.of("u", forcing(1)[0]));
        Drivers perRun = Drivers.perRun(0.1, 0.125, Map.of("u", forcing(1003)));
        return Stream.of(Precision.values()).flatMap(p -> Stream.of(
                Arguments.of("shared, linear, clamped", shared, p),
                Arguments.of("shared, cubic, wrapped", shared.cubic().wrap(), p),
                Arguments.of("per run, cubic, clamped", perRun.cubic(), p),
                Arguments.of("per run, linear, wrapped", perRun.wrap(), p)));
    }

    private static SolveResult solve(Drivers d, Algorithm a, StepControl.Builder c, Precision p, Batch b, TimeSpec time, boolean vector) {
        OutputSpec out = OutputSpec.of(java.util.List.of("state", "observables", "step_counts"));
        try (Solver s = Solver.builder(FORCED).algorithm(a)
                .stepControl(c).precision(p).outputs(out).drivers(d).memoryManager(memory).vectorKernels(vector).build()) {
            SolveResult r = s.solve(b, time);
            assertEquals(vector, r.info().kernel().contains(".KV"), "vector kernel used: " + r.info().kernel());
            return r;
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("drivers")
    void drivenSystemsAgreeBitForBitInFixedStepsAndWithinTheToleranceInAdaptiveOnes(String what, Drivers d, Precision p) {
        double[] w = new double[1003];
        for (int i = 0; i < w.length; i++) {
            w[i] = i % 2 == 0 ? 1 + 0.001 * i : 12 + 0.001 * i;
        }
        Batch b = Batch.grid(FORCED, Map.of("w", w), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.of(3.0).withSaveEvery(0.5);
        StepControl.Builder fixed = StepControl.builder().controller(Controller.FIXED).dt(0.003);
        try (SolveResult v = solve(d, Algorithm.CLASSICAL_RK4, fixed, p, b, time, true);
             SolveResult s = solve(d, Algorithm.CLASSICAL_RK4, fixed, p, b, time, false)) {
            assertEquals(-1L, v.state().segment().mismatch(s.state().segment()), "fixed-step states, " + what);
            assertEquals(-1L, v.observables().segment().mismatch(s.observables().segment()), "fixed-step observables, " + what);
            assertArrayEquals(s.status(), v.status());
        }
        double tol = p == Precision.FLOAT32 ? 1e-5 : 1e-8;
        StepControl.Builder pi = StepControl.builder().controller(Controller.PI).atol(tol).rtol(tol);
        try (SolveResult v = solve(d, Algorithm.DORMAND_PRINCE_54, pi, p, b, time, true);
             SolveResult s = solve(d, Algorithm.DORMAND_PRINCE_54, pi, p, b, time, false)) {
            assertArrayEquals(s.status(), v.status());
            for (int r = 0; r < b.runs(); r++) {
                int acc = s.acceptedSteps()[r];
                assertEquals(acc, v.acceptedSteps()[r], Math.max(2, acc / 50.0), "accepted steps of run " + r + ", " + what);
                for (int k = 0; k < s.time().length; k++) {
                    double ref = s.observables().get(k, 0, r);
                    assertEquals(ref, v.observables().get(k, 0, r), 1000 * tol * (1 + Math.abs(ref)), "run " + r + " save " + k + ", " + what);
                }
            }
        }
    }

    @Test
    void aBigDrivenSystemInPartsAgrees() {
        // Lorenz-96 of 24 states forced by F + u(t), dop853: the kernel in parts (VectorPartsWriter), each part's
        // right-hand side reading the driver's lanes.
        StringBuilder src = new StringBuilder("states: ");
        for (int i = 0; i < 24; i++) {
            src.append(i > 0 ? ", " : "").append("x").append(i).append(" = ").append(i == 0 ? "8.01" : "8");
        }
        src.append("\nparameters: F = 8\ndrivers: u\n");
        for (int i = 0; i < 24; i++) {
            src.append("dx").append(i).append(" = (x").append((i + 1) % 24).append(" - x").append((i + 22) % 24).append(") * x")
                    .append((i + 23) % 24).append(" - x").append(i).append(" + F + u\n");
        }
        OdeSystem sys = OdeSystem.parse(src.toString(), "forced-lorenz96");
        double[] f = java.util.stream.DoubleStream.iterate(6, x -> x + 0.1).limit(19).toArray();
        Batch b = Batch.grid(sys, Map.of("F", f), GridKind.COMBINATORIAL);
        Drivers d = Drivers.perRun(0, 0.05, Map.of("u", forcing(19))).cubic();
        for (boolean adaptive : new boolean[] {false, true}) {
            StepControl.Builder c = adaptive ? StepControl.builder().atol(1e-9).rtol(1e-9) : StepControl.builder().controller(Controller.FIXED).dt(0.01);
            SolveResult[] r = new SolveResult[2];
            for (int k = 0; k < 2; k++) {
                try (Solver s = Solver.builder(sys).algorithm(Algorithm.DORMAND_PRINCE_853).stepControl(c).drivers(d).memoryManager(memory)
                        .vectorKernels(k == 0).build()) {
                    r[k] = s.solve(b, TimeSpec.finalState(0.5));
                    assertEquals(k == 0, r[k].info().kernel().contains(".KV"), "vector kernel used: " + r[k].info().kernel());
                }
            }
            try (SolveResult v = r[0]; SolveResult s = r[1]) {
                assertArrayEquals(s.status(), v.status());
                if (!adaptive) {
                    assertEquals(-1L, v.state().segment().mismatch(s.state().segment()), "fixed steps bit for bit");
                }
                for (int run = 0; run < b.runs(); run++) {
                    for (int i = 0; i < 24; i++) {
                        double ref = s.state().get(0, i, run);
                        assertEquals(ref, v.state().get(0, i, run), 1e-6 * (1 + Math.abs(ref)), "run " + run + " state " + i);
                    }
                }
            }
        }
    }
}
