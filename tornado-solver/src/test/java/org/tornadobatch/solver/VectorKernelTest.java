package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The jvm backend's vector kernels against its scalar kernels, solve for solve: every method with fixed
 * steps and with each controller, both precisions, batches that are not a multiple of the lane count, lanes of one
 * vector whose step counts differ tenfold, and lanes that fail. Fixed steps agree bit for bit (the same operations
 * in the same order); adaptive ones per run within the solve's tolerance (the controller's log and exp are the
 * Vector API's), with the same statuses.
 */
class VectorKernelTest extends VectorKernelCase {
    /** {@code n} runs of Lorenz, rho from 0 to 40. */
    private static Batch lorenz(int n) {
        double[] rho = new double[n];
        for (int i = 0; i < n; i++) {
            rho[i] = 40.0 * i / n;
        }
        return Batch.grid(Problems.LORENZ, Map.of("rho", rho), GridKind.COMBINATORIAL);
    }

    /** {@code n} oscillators whose frequencies alternate between about 1 and about 30: neighbouring lanes take 10x the steps. */
    private static Batch oscillators(int n) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = i % 2 == 0 ? 1 + 0.001 * i : 30 + 0.001 * i;
        }
        return Batch.grid(Problems.OSCILLATOR, Map.of("w", w), GridKind.COMBINATORIAL);
    }

    private static SolveResult solve(OdeSystem sys, Algorithm a, StepControl.Builder c, Precision p, OutputSpec out, Batch b, TimeSpec time,
                                     boolean vector) {
        try (Solver s = Solver.builder(sys).algorithm(a).stepControl(c).precision(p).outputs(out).memoryManager(memory).vectorKernels(vector)
                .build()) {
            SolveResult r = s.solve(b, time);
            assertEquals(vector, r.info().kernel().contains(".KV"), "vector kernel used: " + r.info().kernel());
            return r;
        }
    }

    static Stream<Arguments> fixed() {
        return Stream.of(Algorithm.values())
                .flatMap(a -> Stream.of(Precision.values()).map(p -> Arguments.of(a, p)));
    }

    @ParameterizedTest
    @MethodSource("fixed")
    void fixedStepsAgreeBitForBit(Algorithm a, Precision p) {
        Batch b = lorenz(1003);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(0.003);
        OutputSpec out = OutputSpec.of(java.util.List.of("state", "step_counts"));
        TimeSpec time = TimeSpec.of(1.0).withSaveEvery(0.25);
        try (SolveResult v = solve(Problems.LORENZ, a, c, p, out, b, time, true); SolveResult s = solve(Problems.LORENZ, a, c, p, out, b, time, false)) {
            assertEquals(-1L, v.state().segment().mismatch(s.state().segment()), "states of " + a + " " + p);
            assertEquals(-1L, v.stepCounts().segment().mismatch(s.stepCounts().segment()), "step counts");
            assertArrayEquals(s.status(), v.status());
            assertArrayEquals(s.acceptedSteps(), v.acceptedSteps());
        }
    }

    static Stream<Arguments> adaptive() {
        Stream<Arguments> methods = Stream.of(Algorithm.values()).filter(a -> a.tableau().hasErrorEstimate())
                .map(a -> Arguments.of(a, Controller.PI, Precision.FLOAT64));
        Stream<Arguments> controllers = Stream.of(Controller.values()).filter(Controller::isAdaptive)
                .flatMap(c -> Stream.of(Precision.values()).map(p -> Arguments.of(Algorithm.DORMAND_PRINCE_54, c, p)));
        return Stream.concat(methods, controllers);
    }

    @ParameterizedTest
    @MethodSource("adaptive")
    void adaptiveStepsAgreeWithinTheTolerance(Algorithm a, Controller ctl, Precision p) {
        double tol = p == Precision.FLOAT32 ? 1e-5 : 1e-8;
        Batch b = oscillators(1003);
        StepControl.Builder c = StepControl.builder().controller(ctl).atol(tol).rtol(tol);
        OutputSpec out = OutputSpec.of(java.util.List.of("state", "step_counts"));
        TimeSpec time = TimeSpec.of(2.0).withSaveEvery(0.5);
        try (SolveResult v = solve(Problems.OSCILLATOR, a, c, p, out, b, time, true);
             SolveResult s = solve(Problems.OSCILLATOR, a, c, p, out, b, time, false)) {
            assertArrayEquals(s.status(), v.status());
            int[] acc = s.acceptedSteps();
            int minSteps = Integer.MAX_VALUE;
            int maxSteps = 0;
            for (int r = 0; r < b.runs(); r++) {
                assertEquals(acc[r], v.acceptedSteps()[r], Math.max(2, acc[r] / 50.0), "accepted steps of run " + r);
                minSteps = Math.min(minSteps, acc[r]);
                maxSteps = Math.max(maxSteps, acc[r]);
                for (int k = 0; k < s.time().length; k++) {
                    for (int i = 0; i < 2; i++) {
                        double ref = s.state().get(k, i, r);
                        assertEquals(ref, v.state().get(k, i, r), 1000 * tol * (1 + Math.abs(ref)), "run " + r + " save " + k + " state " + i);
                    }
                }
            }
            if (!a.tableau().isRosenbrock()) { // a Rosenbrock method's W solves the linear oscillator almost exactly, at any w
                assertTrue(maxSteps >= 10 * minSteps, "the lanes' step counts differ tenfold: " + minSteps + " to " + maxSteps);
            }
        }
    }

    /** Lorenz-96 with {@code n} states and forcing F as the parameter. */
    static OdeSystem lorenz96(int n) {
        return lorenz96(n, "");
    }

    /** Lorenz-96 with {@code n} states, {@code extra} (declarations and their equations) after the parameters. */
    static OdeSystem lorenz96(int n, String extra) {
        StringBuilder src = new StringBuilder("states: ");
        for (int i = 0; i < n; i++) {
            src.append(i > 0 ? ", " : "").append("x").append(i).append(" = ").append(i == 0 ? "8.01" : "8");
        }
        src.append("\nparameters: F = 8\n").append(extra);
        for (int i = 0; i < n; i++) {
            src.append("dx").append(i).append(" = (x").append((i + 1) % n).append(" - x").append((i + n - 2) % n).append(") * x")
                    .append((i + n - 1) % n).append(" - x").append(i).append(" + F\n");
        }
        return OdeSystem.parse(src.toString(), "lorenz96");
    }

    @Test
    void aBigSystemWritesOneMethodPerStageAndAgrees() {
        // 24 states, dop853: the kernel is written in parts (VectorPartsWriter: the right-hand side once, loops over the
        // states per stage), each small enough to JIT.
        OdeSystem sys = lorenz96(24);
        Batch b = Batch.grid(sys, Map.of("F", java.util.stream.DoubleStream.iterate(6, x -> x + 0.1).limit(19).toArray()), GridKind.COMBINATORIAL);
        OutputSpec out = OutputSpec.stateOnly();
        TimeSpec time = TimeSpec.finalState(0.5);
        record Case(Algorithm a, Precision p, StepControl.Builder c, double tol) {
        }
        java.util.List<Case> cases = new java.util.ArrayList<>();
        for (Algorithm a : new Algorithm[] {Algorithm.DORMAND_PRINCE_853, Algorithm.DORMAND_PRINCE_54}) { // not FSAL, FSAL
            cases.add(new Case(a, Precision.FLOAT64, StepControl.builder().controller(Controller.FIXED).dt(0.01), 0));
            cases.add(new Case(a, Precision.FLOAT64, StepControl.builder().atol(1e-9).rtol(1e-9), 1e-6));
        }
        cases.add(new Case(Algorithm.DORMAND_PRINCE_54, Precision.FLOAT32, StepControl.builder().atol(1e-5).rtol(1e-5), 1e-3));
        cases.add(new Case(Algorithm.DORMAND_PRINCE_853, Precision.FLOAT32, StepControl.builder().controller(Controller.FIXED).dt(0.01), 0));
        for (Case k : cases) {
            try (SolveResult v = solve(sys, k.a(), k.c(), k.p(), out, b, time, true); SolveResult s = solve(sys, k.a(), k.c(), k.p(), out, b, time, false)) {
                assertArrayEquals(s.status(), v.status());
                if (k.tol() == 0) {
                    assertEquals(-1L, v.state().segment().mismatch(s.state().segment()), "fixed steps bit for bit: " + k);
                }
                for (int r = 0; r < b.runs(); r++) {
                    for (int i = 0; i < 24; i++) {
                        double ref = s.state().get(0, i, r);
                        assertEquals(ref, v.state().get(0, i, r), k.tol() * (1 + Math.abs(ref)), k + ": run " + r + " state " + i);
                    }
                }
            }
        }
    }

    @Test
    void aBigSystemSavesSummarisesAndCountsAsTheScalarKernel() {
        // The parts kernel's loops over the states in load, event and save; an observable and summaries make the
        // event name every state. Fixed steps: bit for bit; adaptive: within the tolerance, the same statuses.
        OdeSystem sys = lorenz96(24, "observables: e\ne = x0 * x1 + F\n");
        Batch b = Batch.grid(sys, Map.of("F", java.util.stream.DoubleStream.iterate(6, x -> x + 0.1).limit(19).toArray()), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.of(0.5).withSaveEvery(0.1).withSummariseEvery(0.25).withSampleEvery(0.01);
        for (java.util.List<String> names : java.util.List.of(java.util.List.of("state", "observables", "step_counts"),
                java.util.List.of("state", "observables", "mean", "extrema"))) {
            OutputSpec out = OutputSpec.of(names);
            for (Algorithm a : new Algorithm[] {Algorithm.DORMAND_PRINCE_853, Algorithm.DORMAND_PRINCE_54}) {
                try (SolveResult v = solve(sys, a, StepControl.builder().controller(Controller.FIXED).dt(0.01), Precision.FLOAT64, out, b, time, true);
                     SolveResult s = solve(sys, a, StepControl.builder().controller(Controller.FIXED).dt(0.01), Precision.FLOAT64, out, b, time, false)) {
                    assertArrayEquals(s.status(), v.status());
                    assertTrue(v.info().kernel().contains(".KV"), "the vector kernel ran: " + v.info().kernel());
                    if (names.contains("step_counts")) {
                        assertEquals(-1L, v.state().segment().mismatch(s.state().segment()), a + ": saved states bit for bit");
                        assertEquals(-1L, v.observables().segment().mismatch(s.observables().segment()), a + ": observables");
                        assertEquals(-1L, v.stepCounts().segment().mismatch(s.stepCounts().segment()), a + ": step counts");
                    } else {
                        assertEquals(-1L, v.stateSummaries().segment().mismatch(s.stateSummaries().segment()), a + ": state summaries");
                        assertEquals(-1L, v.observableSummaries().segment().mismatch(s.observableSummaries().segment()), a + ": observable summaries");
                    }
                }
            }
        }
    }

    /** {@code rings} uncoupled Lorenz-96 rings of {@code n} states each, every ring as {@link #lorenz96(int)}. */
    static OdeSystem lorenz96Rings(int rings, int n) {
        StringBuilder src = new StringBuilder("states: ");
        for (int i = 0; i < rings * n; i++) {
            src.append(i > 0 ? ", " : "").append("x").append(i).append(" = ").append(i % n == 0 ? "8.01" : "8");
        }
        src.append("\nparameters: F = 8\n");
        for (int k = 0; k < rings; k++) {
            for (int i = 0; i < n; i++) {
                int o = k * n;
                src.append("dx").append(o + i).append(" = (x").append(o + (i + 1) % n).append(" - x").append(o + (i + n - 2) % n).append(") * x")
                        .append(o + (i + n - 1) % n).append(" - x").append(o + i).append(" + F\n");
            }
        }
        return OdeSystem.parse(src.toString(), "lorenz96-rings");
    }

    @Test
    void aSystemOfManyStatesHasAVectorKernelThatAgrees() {
        // 5 uncoupled rings of 26 states: 130 states, past the 100 that observables or summaries allow, where the
        // scalar kernel's step passes the JVM's 64 KB a method. Each ring, saved, equals one ring of 26 on the scalar
        // kernel bit for bit (the same operations in the same order), with rk4 and dop853.
        OdeSystem big = lorenz96Rings(5, 26);
        OdeSystem ring = lorenz96(26);
        double[] f = {6, 7, 8, 9, 10, 11, 12, 13, 14};
        TimeSpec time = TimeSpec.of(0.1).withSaveEvery(0.05);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(0.01);
        for (Algorithm a : new Algorithm[] {Algorithm.CLASSICAL_RK4, Algorithm.DORMAND_PRINCE_853}) {
            try (SolveResult v = solve(big, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), Batch.grid(big, Map.of("F", f), GridKind.COMBINATORIAL), time, true);
                 SolveResult s = solve(ring, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), Batch.grid(ring, Map.of("F", f), GridKind.COMBINATORIAL), time,
                         false)) {
                assertTrue(v.info().kernel().contains(".KV"), "the vector kernel ran: " + v.info().kernel());
                assertArrayEquals(s.status(), v.status());
                for (int save = 0; save < 2; save++) {
                    for (int r = 0; r < f.length; r++) {
                        for (int k = 0; k < 5; k++) {
                            for (int i = 0; i < 26; i++) {
                                assertEquals(Double.doubleToRawLongBits(s.state().get(save, i, r)), Double.doubleToRawLongBits(v.state().get(save, 26 * k + i, r)),
                                        a + ": save " + save + " run " + r + " ring " + k + " state " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void failingLanesStopWhileTheOthersGoOn() {
        // Every fourth run blows up (k = 40: y' = k y^2 from y = 1 leaves float64's range before t = 0.05); its
        // neighbours decay. Fixed and adaptive, the statuses, steps and NaN fills equal the scalar kernel's.
        OdeSystem sys = OdeSystem.parse("""
                states: y = 1
                parameters: k = 1
                dy = k * y * y - y
                """, "blowup");
        int n = 37;
        double[] k = new double[n];
        for (int i = 0; i < n; i++) {
            k[i] = i % 4 == 1 ? 40 : -1;
        }
        Batch b = Batch.grid(sys, Map.of("k", k), GridKind.COMBINATORIAL);
        OutputSpec out = OutputSpec.of(java.util.List.of("state", "step_counts"));
        TimeSpec time = TimeSpec.of(0.1).withSaveEvery(0.01);
        for (StepControl.Builder c : java.util.List.of(StepControl.builder().controller(Controller.FIXED).dt(1e-3),
                StepControl.builder().controller(Controller.PI).atol(1e-8).rtol(1e-8))) {
            try (SolveResult v = solve(sys, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64, out, b, time, true);
                 SolveResult s = solve(sys, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64, out, b, time, false)) {
                assertArrayEquals(s.status(), v.status());
                assertTrue(s.status()[1] != 0 && s.status()[0] == 0, "run 1 fails, run 0 succeeds");
                assertArrayEquals(s.acceptedSteps(), v.acceptedSteps());
                assertArrayEquals(s.rejectedSteps(), v.rejectedSteps());
                assertEquals(-1L, v.state().segment().mismatch(s.state().segment()), "states, NaN where a run did not reach");
                assertEquals(-1L, v.stepCounts().segment().mismatch(s.stepCounts().segment()), "step counts, -1 where a run did not reach");
            }
        }
    }

    /** Every metric, states and an observable summarised. */
    private static final java.util.List<String> SUMMARIES = java.util.List.of("state", "observables", "mean", "std", "extrema", "peaks[2]", "rms",
            "max_magnitude", "negative_peaks[2]", "peak_indices[1]", "negative_peak_indices[1]", "dxdt_extrema", "d2xdt2_extrema");

    @ParameterizedTest
    @MethodSource("summaryCases")
    void summariesAgree(Controller ctl, Precision p) {
        // Lorenz with an observable of arithmetic only: fixed steps agree bit for bit, summaries included.
        OdeSystem sys = OdeSystem.parse("""
                states: x = 1.0, y = 0.0, z = 0.0
                parameters: sigma = 10.0, rho = 28.0
                constants: beta = 8/3
                observables: e
                e = x * x + y * y
                dx = sigma * (y - x)
                dy = x * (rho - z) - y
                dz = x * y - beta * z
                """, "lorenz-e");
        Batch b = Batch.grid(sys, Map.of("rho", java.util.stream.DoubleStream.iterate(0, x -> x + 0.37).limit(45).toArray()), GridKind.COMBINATORIAL);
        OutputSpec out = OutputSpec.of(SUMMARIES);
        TimeSpec time = TimeSpec.of(2.0).withSaveEvery(0.5).withSummariseEvery(0.5).withSampleEvery(0.01);
        StepControl.Builder c = ctl == Controller.FIXED ? StepControl.builder().controller(ctl).dt(0.002)
                : StepControl.builder().controller(ctl).atol(1e-5).rtol(1e-5);
        try (SolveResult v = solve(sys, Algorithm.DORMAND_PRINCE_54, c, p, out, b, time, true);
             SolveResult s = solve(sys, Algorithm.DORMAND_PRINCE_54, c, p, out, b, time, false)) {
            assertArrayEquals(s.status(), v.status());
            if (ctl == Controller.FIXED) {
                assertEquals(-1L, v.stateSummaries().segment().mismatch(s.stateSummaries().segment()), "state summaries, bit for bit");
                assertEquals(-1L, v.observableSummaries().segment().mismatch(s.observableSummaries().segment()), "observable summaries");
                return;
            }
            long[] shape = s.stateSummaries().shape();
            int compared = 0;
            for (int w = 0; w < shape[0]; w++) {
                for (int k = 0; k < shape[1]; k++) {
                    for (int r = 0; r < shape[2]; r++) {
                        double ref = s.stateSummaries().get(w, k, r);
                        double got = v.stateSummaries().get(w, k, r);
                        if (Double.isNaN(ref)) {
                            assertTrue(Double.isNaN(got), "window " + w + " slot " + k + " run " + r + ": NaN in both");
                            continue;
                        }
                        // Derivative metrics amplify step differences; the others follow the states.
                        assertEquals(ref, got, 1e-2 * (1 + Math.abs(ref)), "window " + w + " slot " + k + " run " + r);
                        compared++;
                    }
                }
            }
            assertTrue(compared > 1000, "compared " + compared);
        }
    }

    static Stream<Arguments> summaryCases() {
        return Stream.of(Arguments.of(Controller.FIXED, Precision.FLOAT64), Arguments.of(Controller.FIXED, Precision.FLOAT32),
                Arguments.of(Controller.PI, Precision.FLOAT64));
    }

    @Test
    void failedRunsFillTheirSummaryWindowsWithNaN() {
        OdeSystem sys = OdeSystem.parse("""
                states: y = 1
                parameters: k = 1
                dy = k * y * y - y
                """, "blowup");
        double[] k = new double[21];
        for (int i = 0; i < k.length; i++) {
            k[i] = i % 3 == 1 ? 40 : -1;
        }
        Batch b = Batch.grid(sys, Map.of("k", k), GridKind.COMBINATORIAL);
        OutputSpec out = OutputSpec.of(java.util.List.of("state", "mean", "peaks[1]"));
        TimeSpec time = TimeSpec.of(0.1).withSaveEvery(0.02).withSummariseEvery(0.02).withSampleEvery(0.005);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(1e-3);
        try (SolveResult v = solve(sys, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT64, out, b, time, true);
             SolveResult s = solve(sys, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT64, out, b, time, false)) {
            assertTrue(s.status()[1] != 0, "run 1 fails");
            assertArrayEquals(s.status(), v.status());
            assertEquals(-1L, v.stateSummaries().segment().mismatch(s.stateSummaries().segment()), "summaries, NaN after a failure");
        }
    }

    @Test
    void byDefaultOnlyBatchesWorthTheJitWarmUpRunVectorKernels() {
        // KernelChoice.VECTOR_MIN_WORK: runs x steps x states; Lorenz has 3 states, RK4 at dt 1e-3 over 10 takes 10^4 steps.
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(1e-3);
        int big = (int) Math.ceil(KernelChoice.VECTOR_MIN_WORK / (1e4 * 3));
        for (int runs : new int[] {big / 10, big}) {
            try (Solver s = Solver.builder(Problems.LORENZ).algorithm(Algorithm.CLASSICAL_RK4).stepControl(c).memoryManager(memory).build();
                 SolveResult r = s.solve(lorenz(runs), TimeSpec.finalState(10))) {
                assertEquals(runs == big, r.info().kernel().contains(".KV"), runs + " runs: " + r.info().kernel());
            }
        }
    }

    @Test
    void singularMatricesFailOrShrinkPerLane() {
        // x' = lam x with lam = 1 / (h gamma) makes W exactly singular for a step of h (RosenbrockTest): every third lane.
        OdeSystem growth = OdeSystem.parse("states: x = 1\nparameters: lam = 1\ndx = lam * x\n", "growth");
        double h = 0.1;
        double singular = 1.0 / (h * Algorithm.RODAS4.tableau().rosenbrock().gamma());
        double[] lam = new double[19];
        for (int i = 0; i < lam.length; i++) {
            lam[i] = i % 3 == 0 ? singular : -1 - i;
        }
        Batch b = Batch.grid(growth, Map.of("lam", lam), GridKind.COMBINATORIAL);
        OutputSpec out = OutputSpec.of(java.util.List.of("state", "step_counts"));
        TimeSpec time = TimeSpec.of(0.5).withSaveEvery(0.1);
        for (StepControl.Builder c : java.util.List.of(StepControl.builder().controller(Controller.FIXED).dt(h),
                StepControl.builder().dt(h).atol(1e-10).rtol(1e-8).dtMin(1e-9))) {
            try (SolveResult v = solve(growth, Algorithm.RODAS4, c, Precision.FLOAT64, out, b, time, true);
                 SolveResult s = solve(growth, Algorithm.RODAS4, c, Precision.FLOAT64, out, b, time, false)) {
                assertArrayEquals(s.status(), v.status());
                assertArrayEquals(s.rejectedSteps(), v.rejectedSteps());
                assertEquals(-1L, v.state().segment().mismatch(s.state().segment()), "states, NaN after a singular fixed step");
            }
        }
        try (SolveResult v = solve(growth, Algorithm.RODAS4, StepControl.builder().controller(Controller.FIXED).dt(h), Precision.FLOAT64, out, b,
                time, true)) {
            assertEquals(java.util.List.of(RunStatus.NON_FINITE_STATE, RunStatus.SINGULAR_MATRIX), RunStatus.decode(v.status()[0]));
            assertEquals(RunStatus.SUCCESS, v.status()[1]);
        }
    }

    @Test
    void observablesAndTheEstimatedFirstStepAgree() {
        Batch b = Batch.grid(Problems.PENDULUM, Map.of("drive", java.util.stream.DoubleStream.iterate(0, x -> x + 0.01).limit(21).toArray()),
                GridKind.COMBINATORIAL);
        OutputSpec out = OutputSpec.of(java.util.List.of("state", "observables"));
        TimeSpec time = TimeSpec.of(2.0).withSaveEvery(0.5);
        StepControl.Builder c = StepControl.builder().controller(Controller.PI).atol(1e-9).rtol(1e-9);
        try (SolveResult v = solve(Problems.PENDULUM, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64, out, b, time, true);
             SolveResult s = solve(Problems.PENDULUM, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64, out, b, time, false)) {
            for (int r = 0; r < b.runs(); r++) {
                for (int k = 0; k < s.time().length; k++) {
                    for (int o = 0; o < 2; o++) {
                        double ref = s.observables().get(k, o, r);
                        assertEquals(ref, v.observables().get(k, o, r), 1e-6 * (1 + Math.abs(ref)), "run " + r + " save " + k + " observable " + o);
                    }
                }
            }
        }
    }

    /** An oscillator nudged by floor and ceil of its states and of a parameter p. */
    private static final OdeSystem STEPPED = OdeSystem.parse("""
            states: x = 0.3, y = -0.7, u = 0.0, v = 0.0
            parameters: a = 1.0, p = 0.0
            dx = y + 0.1 * floor(3 * x)
            dy = -a * x - 0.05 * ceil(4 * y)
            du = floor(p)
            dv = ceil(p)
            """, "stepped");

    @ParameterizedTest
    @MethodSource("precisions")
    void floorAndCeilAgreeBitForBit(Precision p) {
        // p across signs, zeros, halves, integers, tiny and huge values, past 2^52 and 2^23 (batches take finite values only).
        double[] special = {-0.0, 0.0, 0.5, -0.5, 1, -1, 2.5, -2.5, 1e-300, -1e-300, 0.99999999, -0.99999999, 8388608.5, -8388609.5,
                4503599627370497.0, -4503599627370497.0, 1e300, -1e300, 3e38, -3.4e38};
        int n = 1003;
        double[] a = new double[n];
        double[] ps = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = 0.5 + 0.01 * i;
            ps[i] = i < special.length ? special[i] : (i - 500) * 0.37;
        }
        Batch b = Batch.grid(STEPPED, Map.of("a", a, "p", ps), GridKind.VERBATIM);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(0.01);
        OutputSpec out = OutputSpec.of(java.util.List.of("state"));
        TimeSpec time = TimeSpec.of(4.0).withSaveEvery(1.0);
        try (SolveResult v = solve(STEPPED, Algorithm.CLASSICAL_RK4, c, p, out, b, time, true);
             SolveResult s = solve(STEPPED, Algorithm.CLASSICAL_RK4, c, p, out, b, time, false)) {
            assertEquals(-1L, v.state().segment().mismatch(s.state().segment()), "states, " + p);
            assertArrayEquals(s.status(), v.status());
            // Against Math.floor and Math.ceil directly: u(t) and v(t) are t floor(p) and t ceil(p) (in the working type).
            for (int r = 1; r < 14; r++) {
                double fl = p == Precision.FLOAT32 ? (float) Math.floor((float) ps[r]) : Math.floor(ps[r]);
                double expected = p == Precision.FLOAT32 ? (float) (4 * fl) : 4 * fl;
                assertEquals(expected, v.state().get(4, 2, r), Math.abs(expected) * (p == Precision.FLOAT32 ? 1e-4 : 1e-10), "u of run " + r + ", p = " + ps[r]);
            }
        }
    }

    static Stream<Precision> precisions() {
        return Stream.of(Precision.values());
    }

    @Test
    void vectorKernelsAskedForByNameSayWhyTheScalarKernelRuns() {
        // An equation past the vector kernels' length; asked for them (--simd), the solver said why it ran the scalar
        // kernel only at debug level.
        StringBuilder sum = new StringBuilder("dx = -x");
        for (int i = 0; i < 120; i++) {
            sum.append(" + 0.001 * x * k");
        }
        OdeSystem longEq = OdeSystem.parse("states: x = 1\nparameters: k = 1\n" + sum + "\n", "long-equation");
        Batch b = Batch.grid(longEq, Map.of("k", new double[] {1, 2, 3}), GridKind.COMBINATORIAL);
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Solver.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen = new ch.qos.logback.core.read.ListAppender<>();
        seen.start();
        log.addAppender(seen);
        try {
            for (boolean asked : new boolean[] {false, true}) {
                Solver.Builder builder = Solver.builder(longEq).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder()
                        .controller(Controller.FIXED).dt(0.01)).memoryManager(memory);
                try (Solver s = (asked ? builder.vectorKernels(true) : builder).build(); SolveResult r = s.solve(b, TimeSpec.finalState(0.1))) {
                    org.junit.jupiter.api.Assertions.assertFalse(r.info().kernel().contains(".KV"), r.info().kernel());
                }
                boolean warned = seen.list.stream().anyMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN
                        && e.getFormattedMessage().contains("do not cover an equation this long"));
                assertEquals(asked, warned, (asked ? "asked for: a warning" : "not asked for: none") + ": " + seen.list);
            }
        } finally {
            log.detachAppender(seen);
        }
    }
}
