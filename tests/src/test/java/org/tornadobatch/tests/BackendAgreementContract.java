package org.tornadobatch.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tornadobatch.tests.Backends.LORENZ;
import static org.tornadobatch.tests.Backends.PENDULUM;
import static org.tornadobatch.tests.Backends.assertChunkedEqualsWhole;
import static org.tornadobatch.tests.Backends.lorenzBatch;
import static org.tornadobatch.tests.Backends.meanSteps;
import static org.tornadobatch.tests.Backends.pendulumBatch;
import static org.tornadobatch.tests.Backends.sameStepCounts;
import static org.tornadobatch.tests.Backends.solve;
import static org.tornadobatch.tests.Backends.worst;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tornadobatch.cli.TornadoBatch;
import org.tornadobatch.device.Availability;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;

/**
 * What every accelerator backend (cuda, tornadovm) must agree on with the jvm backend, the reference: every
 * algorithm with fixed steps to 1e-10, adaptive methods within their tolerance, observables and summaries, final
 * states only, float32 to single precision, chunked against unchunked solves bit for bit, and the command line.
 * A backend's test extends this with its runtime and its batch sizes; each test is skipped (not passed) where the
 * runtime is unavailable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendAgreementContract {
    /** Runs per batch of each test (smaller where the device is a CPU, e.g. PoCL). */
    public record Sizes(int fixed, int adaptive, int summaries, int float32, int chunkedRuns, double chunkedBytes, int cli) {
    }

    protected DeviceRuntime backend;
    protected MemoryManager memory;
    private MemoryManager jvm;

    /** The runtime's name: what {@link DeviceRuntimes#open} and {@code --backend} take. */
    protected abstract String backendName();

    protected abstract Sizes sizes();

    /** The controllers each adaptive method is tested with (default: all four). */
    protected List<Controller> adaptiveControllers(Algorithm a) {
        return List.of(Controller.I, Controller.PI, Controller.PID, Controller.GUSTAFSSON);
    }

    protected Availability availability() {
        return availability(backendName());
    }

    /** The methods whose Lorenz kernel is past this backend's limits: it must refuse them with a KernelTooLargeException. */
    protected java.util.Set<Algorithm> tooLargeForLorenz() {
        return java.util.Set.of();
    }

    /** Whether {@code c} is one of {@link #tooLargeForLorenz()}; if so, checks that the backend refuses it by name. */
    private boolean refusedAsTooLarge(Case c) {
        if (!tooLargeForLorenz().contains(c.algorithm)) {
            return false;
        }
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.tornadobatch.device.KernelTooLargeException.class, () -> run(memory, c).close());
        System.out.printf("%s refuses %s on lorenz: %s%n", backendName(), c.algorithm, e.getMessage());
        return true;
    }

    /** Whether runtime {@code name} can open here, and why not. */
    public static Availability availability(String name) {
        return DeviceRuntimes.discover().stream().filter(f -> f.name().equals(name)).findFirst().map(DeviceRuntimes.Found::availability)
                .orElse(Availability.no("the " + name + " runtime is not on the class path"));
    }

    @BeforeAll
    void openBackends() {
        if (availability().available()) {
            backend = DeviceRuntimes.open(backendName(), 0);
            memory = MemoryManager.builder(backend).build();
            jvm = MemoryManager.builder(DeviceRuntimes.open("jvm", 0)).build();
            System.out.println(backendName() + " device: " + backend.deviceName());
        }
    }

    /** Per test, so that each is reported as skipped where the runtime is unavailable. */
    @BeforeEach
    void needsTheBackend() {
        Availability a = availability();
        org.junit.jupiter.api.Assumptions.assumeTrue(a.available(), () -> backendName() + " runtime unavailable: " + a.reason());
    }

    @AfterAll
    void closeBackends() {
        if (memory != null) {
            memory.close();
            backend.close();
            jvm.close();
            jvm.runtime().close();
        }
    }

    private static SolveResult run(MemoryManager m, Case c) {
        return solve(m, c.system, c.algorithm, c.control, c.precision, c.out, c.batch, c.time);
    }

    private record Case(org.tornadobatch.system.OdeSystem system, Algorithm algorithm, StepControl.Builder control,
                                 Precision precision, OutputSpec out, Batch batch, TimeSpec time) {
    }

    /** The worst difference of a solve on the backend from the jvm's, relative to {@code rel |jvm| + abs}; checks the step counts if asked. */
    private double compare(Case c, double rel, double abs, boolean sameSteps, String what) {
        try (SolveResult g = run(memory, c); SolveResult j = run(jvm, c)) {
            assertEquals(backendName(), g.info().backend());
            double w = worst(g, j, rel, abs);
            System.out.printf("%s vs jvm, %s: worst %.3g; %.1f accepted steps per run; same step count in %d of %d runs%n", backendName(),
                    what, w, meanSteps(g), sameStepCounts(g, j), g.runs());
            assertTrue(w <= 1, what + ": " + w);
            if (sameSteps) {
                assertArrayEquals(j.acceptedSteps(), g.acceptedSteps(), what);
                // The implicit methods' statistics, written by the backend's kernel into the same rows. Fixed steps evaluate
                // J and factorise once per step on every backend; a Newton iteration more or less where rounding differs.
                int[] jn = j.newtonIterations();
                int[] gn = g.newtonIterations();
                for (int r = 0; r < g.runs(); r++) {
                    assertTrue(Math.abs(jn[r] - gn[r]) <= 0.01 * jn[r], what + ": Newton iterations of run " + r + ": " + gn[r]
                            + " against the jvm's " + jn[r]);
                }
                assertArrayEquals(j.jacobianEvaluations(), g.jacobianEvaluations(), what + ": Jacobian evaluations");
                assertArrayEquals(j.luFactorisations(), g.luFactorisations(), what + ": factorisations");
            }
            return w;
        }
    }

    @Test
    void fixedStepMethodsAgreeWithTheJvmBackendTo1e10() {
        Batch lorenz = lorenzBatch(sizes().fixed());
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.25);
        for (Algorithm a : Algorithm.values()) {
            // 249 or 624 whole steps per save (then a shorter one): an odd and an even count for two-step loops
            double dt = a.ordinal() % 2 == 0 ? 1e-3 : 4e-4;
            StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(dt);
            Case k = new Case(LORENZ, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t);
            if (!refusedAsTooLarge(k)) {
                compare(k, 1e-10, 1e-300, true, a + " fixed dt " + dt + ", lorenz, |diff| / (1e-10 |jvm|)");
            }
        }
    }

    /** The benchmark's schedule: one event, at the end (a failure path once wrote saves at stray indices here). */
    @Test
    void finalStateOnlySolvesAgreeWithTheJvmBackend() {
        Batch lorenz = lorenzBatch(sizes().fixed());
        for (var m : List.of(Map.entry(Algorithm.CLASSICAL_RK4, StepControl.builder().controller(Controller.FIXED).dt(1e-3)),
                Map.entry(Algorithm.DORMAND_PRINCE_54, StepControl.builder().controller(Controller.PI).atol(1e-8).rtol(1e-8)))) {
            Case c = new Case(LORENZ, m.getKey(), m.getValue(), Precision.FLOAT64, OutputSpec.stateOnly(), lorenz,
                    TimeSpec.finalState(1.0));
            try (SolveResult g = run(memory, c)) {
                assertEquals(1, g.state().shape()[0]);
            }
            compare(c, 1e-10, 1e-300, true, m.getKey() + ", state at t = 1 only, |diff| / (1e-10 |jvm|)");
        }
    }

    @Test
    void adaptiveMethodsAgreeWithinTolerance() {
        Batch lorenz = lorenzBatch(sizes().adaptive());
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.5);
        double tol = 1e-8;
        for (Algorithm a : Algorithm.values()) {
            if (!a.tableau().hasErrorEstimate()) {
                continue;
            }
            // A Rosenbrock method takes some 1300 steps of order 3 here (Lorenz is not stiff), each with an LU whose
            // rounding differs between compilers (contractions); the chaos grows that to a few tol: allowed 10 tol.
            double allowed = a.tableau().isRosenbrock() ? 10 * tol : tol;
            for (Controller ctl : adaptiveControllers(a)) {
                StepControl.Builder c = StepControl.builder().controller(ctl).atol(tol).rtol(tol);
                compare(new Case(LORENZ, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t), allowed, allowed, false,
                        a + " " + ctl + " tol 1e-8, lorenz, |diff| / (" + (allowed / tol) + " tol (1 + |jvm|))");
            }
        }
    }

    @Test
    void observablesAndSummariesAgreeWithTheJvmBackend() {
        OutputSpec out = OutputSpec.of(List.of("state", "observables", "mean", "std", "extrema", "rms", "max_magnitude", "peaks[2]"));
        TimeSpec t = TimeSpec.of(20.0).withSaveEvery(0.5).withSummariseEvery(5.0).withSampleEvery(0.05);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(1e-3);
        compare(new Case(PENDULUM, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT64, out, pendulumBatch(sizes().summaries()), t),
                1e-10, 1e-12, false, "rk4 pendulum with observables and 7 metrics, |diff| / (1e-10 |jvm| + 1e-12)");
    }

    @Test
    void cubiesFurtherMetricsAgreeWithTheJvmBackend() {
        OutputSpec out = OutputSpec.of(List.of("mean_std_rms", "negative_peaks[2]", "peak_indices[2]", "negative_peak_indices[1]", "dxdt_extrema",
                "d2xdt2_extrema"));
        TimeSpec t = TimeSpec.of(20.0).withSaveEvery(0.5).withSummariseEvery(5.0).withSampleEvery(0.05);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(1e-3);
        compare(new Case(PENDULUM, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT64, out, pendulumBatch(sizes().summaries()), t),
                1e-9, 1e-9, false, "rk4 pendulum with derivative and peak metrics, |diff| / (1e-9 |jvm| + 1e-9)");
    }

    /**
     * A product added to itself, written so ({@code a * x + a * x}), through an auxiliary ({@code w + y * a} with
     * {@code w = a * y}) and in a Jacobian (Robertson's {@code k2 * y2 * y2}, whose derivative is
     * {@code k2 * y2 + k2 * y2}): TornadoVM 5.2's fused multiply-add phases failed to compile such kernels. Against
     * exp(2 a t) and, for Robertson with rodas4, the jvm backend.
     */
    @Test
    void productsAddedToThemselvesAgreeWithTheExactSolutionAndTheJvmBackend() {
        org.tornadobatch.system.OdeSystem doubled = org.tornadobatch.system.OdeSystem.parse(
                "states: x = 1, y = 1\nparameters: a = 0.5\nw = a * y\ndx = a * x + a * x\ndy = w + y * a\n", "doubled");
        int runs = sizes().fixed();
        double[] as = new double[runs];
        for (int r = 0; r < runs; r++) {
            as[r] = 0.1 + r / (double) runs;
        }
        Batch batch = Batch.grid(doubled, Map.of("a", as), org.tornadobatch.solver.GridKind.COMBINATORIAL);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(1e-3);
        try (SolveResult g = solve(memory, doubled, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT64, OutputSpec.stateOnly(), batch, TimeSpec.of(1.0))) {
            double[] x = g.finalState("x");
            double[] y = g.finalState("y");
            for (int r = 0; r < runs; r++) {
                double exact = Math.exp(2 * as[r]);
                assertEquals(exact, x[r], 1e-10 * exact, "x, run " + r);
                assertEquals(exact, y[r], 1e-10 * exact, "y, run " + r);
            }
        }
        org.tornadobatch.system.OdeSystem robertson = org.tornadobatch.system.OdeSystem.parse("""
                states: y1 = 1, y2 = 0, y3 = 0
                parameters: k1 = 0.04, k2 = 3e7, k3 = 1e4
                dy1 = -k1 * y1 + k3 * y2 * y3
                dy2 = k1 * y1 - k3 * y2 * y3 - k2 * y2 * y2
                dy3 = k2 * y2 * y2
                """, "robertson");
        double[] k1 = new double[runs];
        for (int r = 0; r < runs; r++) {
            k1[r] = 0.02 + 0.04 * r / runs;
        }
        Batch rb = Batch.grid(robertson, Map.of("k1", k1), org.tornadobatch.solver.GridKind.COMBINATORIAL);
        compare(new Case(robertson, Algorithm.RODAS4, c, Precision.FLOAT64, OutputSpec.stateOnly(), rb, TimeSpec.of(1.0)), 1e-10, 1e-14, false,
                "rodas4 robertson (k2 * y2 * y2), fixed steps of 1e-3, |diff| / (1e-10 |jvm| + 1e-14)");
    }

    /**
     * Newton-Krylov SDIRK steps on the device ({@code LinearSolver.KRYLOV}: BiCGStab without W or J in memory): a stiff
     * chain of 6 cells (small enough for TornadoVM's kernels, each implicit stage writing its own
     * solve), fixed and adaptive steps, against the jvm backend's; nothing factorised on either.
     */
    @Test
    void krylovSolvesAgreeWithTheJvmBackend() {
        int n = 6;
        StringBuilder src = new StringBuilder("states: ");
        for (int i = 0; i < n; i++) {
            src.append(i > 0 ? ", " : "").append("u").append(i).append(" = ").append(0.5 + 0.01 * i);
        }
        src.append("\nparameters: D = 300, k = 1\n");
        for (int i = 0; i < n; i++) {
            src.append("du").append(i).append(" = D * (").append(i == 0 ? "0" : "u" + (i - 1)).append(" - 2 * u").append(i).append(" + ")
                    .append(i == n - 1 ? "0" : "u" + (i + 1)).append(") - k * u").append(i).append(" * u").append(i).append(" + 1\n");
        }
        org.tornadobatch.system.OdeSystem chain = org.tornadobatch.system.OdeSystem.parse(src.toString(), "chain");
        int runs = sizes().adaptive();
        double[] k = new double[runs];
        for (int r = 0; r < runs; r++) {
            k[r] = 0.5 + 3.0 * r / runs;
        }
        Batch b = Batch.grid(chain, Map.of("k", k), org.tornadobatch.solver.GridKind.COMBINATORIAL);
        record Krylov(Algorithm a, StepControl.Builder c, double rel) {
        }
        for (Krylov m : List.of(new Krylov(Algorithm.KVAERNO3, StepControl.builder().controller(Controller.FIXED).dt(0.01), 1e-9),
                new Krylov(Algorithm.KVAERNO5, StepControl.builder().atol(1e-9).rtol(1e-7), 1e-5))) {
            SolveResult[] r = new SolveResult[2];
            for (int d = 0; d < 2; d++) {
                try (org.tornadobatch.solver.Solver s = org.tornadobatch.solver.Solver.builder(chain).algorithm(m.a()).stepControl(m.c())
                        .linearSolver(org.tornadobatch.solver.method.LinearSolver.KRYLOV).memoryManager(d == 0 ? memory : jvm).build()) {
                    r[d] = s.solve(b, TimeSpec.of(0.2).withSaveEvery(0.1));
                }
            }
            try (SolveResult g = r[0]; SolveResult j = r[1]) {
                double w = worst(g, j, m.rel(), 1e-9);
                System.out.printf("%s vs jvm, krylov %s: worst %.3g; %.1f accepted steps per run%n", backendName(), m.a(), w, meanSteps(g));
                assertTrue(w <= 1, m.a() + " krylov: " + w);
                for (int i = 0; i < runs; i++) {
                    assertEquals(0, g.luFactorisations()[i], "nothing factorised, run " + i);
                    assertEquals(org.tornadobatch.solver.RunStatus.SUCCESS, g.status()[i], "run " + i);
                }
            }
        }
    }

    /**
     * Drivers on the device: dx = u with samples of u, so x(T) is the interpolant's integral (trapezoids for linear
     * clamped samples, computed here), and a driven oscillator with a cubic wrapped driver against the jvm backend.
     */
    @Test
    void driversAgreeWithTheirIntegralAndWithTheJvmBackend() {
        double[] u = {0, 1, 4, 2, 3};
        org.tornadobatch.system.OdeSystem integral = org.tornadobatch.system.OdeSystem.parse(
                "states: x = 0\nparameters: k = 1\ndrivers: u\ndx = k * u\n", "integral");
        org.tornadobatch.solver.Drivers d = org.tornadobatch.solver.Drivers.sampled(0.5, 0.25, Map.of("u", u));
        int runs = sizes().summaries();
        double[] ks = new double[runs];
        for (int r = 0; r < runs; r++) {
            ks[r] = 0.5 + r / (double) runs;
        }
        Batch batch = Batch.grid(integral, Map.of("k", ks), org.tornadobatch.solver.GridKind.COMBINATORIAL);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(0.0625);
        double trapezoids = 0;
        for (int i = 1; i < u.length; i++) {
            trapezoids += 0.25 * (u[i - 1] + u[i]) / 2;
        }
        double area = 0.5 * u[0] + trapezoids + 0.5 * u[u.length - 1]; // held at u[0] before 0.5 and at u[4] after 1.5
        try (org.tornadobatch.solver.Solver s = org.tornadobatch.solver.Solver.builder(integral).algorithm(Algorithm.CLASSICAL_RK4)
                .stepControl(c).drivers(d).memoryManager(memory).build();
             SolveResult g = s.solve(batch, TimeSpec.of(2.0))) {
            double[] x = g.finalState("x");
            for (int r = 0; r < runs; r++) {
                assertEquals(ks[r] * area, x[r], 1e-12 * ks[r] * area, "run " + r);
            }
        }
        org.tornadobatch.system.OdeSystem driven = org.tornadobatch.system.OdeSystem.parse("""
                states: x = 1, v = 0
                parameters: w = 1
                drivers: f
                dx = v
                dv = -w * w * x - 0.1 * v + f
                """, "driven");
        double[] f = new double[16];
        for (int i = 0; i < f.length; i++) {
            f[i] = Math.sin(2 * Math.PI * i / f.length) + 0.3 * Math.cos(6 * Math.PI * i / f.length);
        }
        org.tornadobatch.solver.Drivers cubic = org.tornadobatch.solver.Drivers.sampled(0, 0.4, Map.of("f", f)).cubic().wrap();
        double[] ws = new double[runs];
        for (int r = 0; r < runs; r++) {
            ws[r] = 0.5 + 2.0 * r / runs;
        }
        drivenAgreesWithTheJvmBackend(driven, cubic, Batch.grid(driven, Map.of("w", ws), org.tornadobatch.solver.GridKind.COMBINATORIAL),
                "cubic wrapped driver");
    }

    /** The driven oscillator with {@code drivers}, sampled every 1 to t = 20, within 1e-10 of the jvm backend. */
    private void drivenAgreesWithTheJvmBackend(org.tornadobatch.system.OdeSystem driven, org.tornadobatch.solver.Drivers drivers, Batch batch,
            String what) {
        TimeSpec t = TimeSpec.of(20.0).withSaveEvery(1.0);
        try (SolveResult g = driven(memory, driven, drivers, batch, t); SolveResult j = driven(jvm, driven, drivers, batch, t)) {
            double w = worst(g, j, 1e-10, 1e-12);
            System.out.printf("%s vs jvm, %s: worst %.3g%n", backendName(), what, w);
            assertTrue(w <= 1, what + ": " + w);
        }
    }

    /**
     * Drivers per run (read with the parameters, in chunks): each run's integral of its own linear clamped samples
     * (computed here), and the driven oscillator with a cubic wrapped driver of its own per run against the jvm backend.
     */
    @Test
    void perRunDriversAgreeWithTheirIntegralsAndWithTheJvmBackend() {
        int runs = sizes().summaries();
        double[] u = {0, 1, 4, 2, 3};
        double[][] samples = new double[runs][u.length];
        double[] areas = new double[runs];
        double[] ones = new double[runs];
        for (int r = 0; r < runs; r++) {
            ones[r] = 1;
            double scale = 1 + r / (double) runs;
            for (int i = 0; i < u.length; i++) {
                samples[r][i] = scale * u[i] - (i * r) % 3;
            }
            for (int i = 1; i < u.length; i++) {
                areas[r] += 0.25 * (samples[r][i - 1] + samples[r][i]) / 2;
            }
            areas[r] += 0.5 * samples[r][0] + 0.5 * samples[r][u.length - 1]; // held before 0.5 and after 1.5
        }
        org.tornadobatch.system.OdeSystem integral = org.tornadobatch.system.OdeSystem.parse(
                "states: x = 0\nparameters: k = 1\ndrivers: u\ndx = k * u\n", "integral");
        Batch batch = Batch.grid(integral, Map.of("k", ones), org.tornadobatch.solver.GridKind.COMBINATORIAL);
        org.tornadobatch.solver.Drivers d = org.tornadobatch.solver.Drivers.perRun(0.5, 0.25, Map.of("u", samples));
        try (org.tornadobatch.solver.Solver s = org.tornadobatch.solver.Solver.builder(integral).algorithm(Algorithm.CLASSICAL_RK4)
                .stepControl(StepControl.builder().controller(Controller.FIXED).dt(0.0625)).drivers(d).memoryManager(memory).build();
             SolveResult g = s.solve(batch, TimeSpec.of(2.0))) {
            double[] x = g.finalState("x");
            for (int r = 0; r < runs; r++) {
                assertEquals(areas[r], x[r], 1e-12 * Math.max(1, Math.abs(areas[r])), "run " + r);
            }
        }
        org.tornadobatch.system.OdeSystem driven = org.tornadobatch.system.OdeSystem.parse(
                "states: x = 1, v = 0\nparameters: w = 1\ndrivers: f\ndx = v\ndv = -w * w * x - 0.1 * v + f\n", "driven");
        double[][] f = new double[runs][16];
        double[] ws = new double[runs];
        for (int r = 0; r < runs; r++) {
            ws[r] = 0.5 + 2.0 * r / runs;
            for (int i = 0; i < 16; i++) {
                f[r][i] = Math.sin(2 * Math.PI * i / 16 + r) + 0.3 * Math.cos(6 * Math.PI * i / 16);
            }
        }
        org.tornadobatch.solver.Drivers cubic = org.tornadobatch.solver.Drivers.perRun(0, 0.4, Map.of("f", f)).cubic().wrap();
        drivenAgreesWithTheJvmBackend(driven, cubic, Batch.grid(driven, Map.of("w", ws), org.tornadobatch.solver.GridKind.COMBINATORIAL),
                "cubic wrapped drivers per run");
    }

    private static SolveResult driven(MemoryManager m, org.tornadobatch.system.OdeSystem sys, org.tornadobatch.solver.Drivers d, Batch b,
                                      TimeSpec t) {
        try (org.tornadobatch.solver.Solver s = org.tornadobatch.solver.Solver.builder(sys).algorithm(Algorithm.CLASSICAL_RK4)
                .stepControl(StepControl.builder().controller(Controller.FIXED).dt(1e-3)).drivers(d).memoryManager(m).build()) {
            return s.solve(b, t);
        }
    }

    @Test
    void float32AgreesWithTheJvmBackendInSinglePrecision() {
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(1e-3);
        compare(new Case(LORENZ, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT32, OutputSpec.stateOnly(), lorenzBatch(sizes().float32()),
                TimeSpec.of(1.0).withSaveEvery(0.5)), 1e-4, 1e-5, false, "rk4 float32 lorenz, |diff| / (1e-4 |jvm| + 1e-5)");
    }

    /** Per-save step counts: the fixed steps of each interval exactly, and adaptive ones adding up to each run's totals. */
    @Test
    void stepCountsPerSaveIntervalAgreeWithTheSteps() {
        OutputSpec out = OutputSpec.of(List.of("state", "step_counts"));
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.25);
        Batch lorenz = lorenzBatch(sizes().adaptive());
        try (SolveResult r = solve(memory, LORENZ, Algorithm.CLASSICAL_RK4, StepControl.builder().controller(Controller.FIXED).dt(1e-3),
                Precision.FLOAT64, out, lorenz, t)) {
            for (int run = 0; run < r.runs(); run++) {
                assertEquals(0, r.stepCounts().get(0, 0, run));
                for (int k = 1; k < 5; k++) {
                    assertEquals(250, r.stepCounts().get(k, 0, run), "0.25 / 1e-3 fixed steps, run " + run);
                }
            }
        }
        try (SolveResult r = solve(memory, LORENZ, Algorithm.DORMAND_PRINCE_54, StepControl.builder().atol(1e-8).rtol(1e-8), Precision.FLOAT32,
                out, lorenz, t)) {
            for (int run = 0; run < r.runs(); run++) {
                double acc = 0;
                double rej = 0;
                for (int k = 0; k < 5; k++) {
                    acc += r.stepCounts().get(k, 0, run);
                    rej += r.stepCounts().get(k, 1, run);
                }
                assertEquals(r.acceptedSteps()[run], acc, "run " + run);
                assertEquals(r.rejectedSteps()[run], rej, "run " + run);
            }
        }
    }

    @Test
    void aChunkedSolveEqualsTheUnchunkedOneBitForBit() {
        // About 21 saves x 3 states x 8 bytes plus inputs per run (~0.6 KB); a fifth of the whole forces >= 5 chunks.
        assertChunkedEqualsWhole(memory, sizes().chunkedRuns(), sizes().chunkedBytes());
    }

    /**
     * Stops ({@code TimeSpec.withStops}): x' = max(t - a, 0) with a = 1 or 1.3 and stops at both, so that no step
     * straddles a kink and every method integrates the pieces (polynomials in t) exactly: x = (t - a)^2 / 2 after a,
     * computed here, at every save, by rk4 in fixed steps of 0.4 (whole steps, then one that lands on the next save or
     * stop) and by dormand-prince-54.
     */
    @Test
    void stepsLandOnTheStops() {
        org.tornadobatch.system.OdeSystem kink = org.tornadobatch.system.OdeSystem.parse("states: x = 0\nparameters: a = 1\ndx = max(t - a, 0)\n", "kink");
        double[] a = new double[sizes().fixed()];
        for (int i = 0; i < a.length; i++) {
            a[i] = i % 2 == 0 ? 1.0 : 1.3;
        }
        Batch batch = Batch.grid(kink, Map.of("a", a), org.tornadobatch.solver.GridKind.COMBINATORIAL);
        TimeSpec t = TimeSpec.of(2).withSaveEvery(0.5).withStops(1.3, 1.0);
        OutputSpec out = OutputSpec.of(List.of("state", "step_counts"));
        for (var m : List.of(Map.entry(Algorithm.CLASSICAL_RK4, StepControl.builder().controller(Controller.FIXED).dt(0.4)),
                Map.entry(Algorithm.DORMAND_PRINCE_54, StepControl.builder().atol(1e-6).rtol(1e-6)))) {
            try (SolveResult r = solve(memory, kink, m.getKey(), m.getValue(), Precision.FLOAT64, out, batch, t)) {
                assertArrayEquals(new double[] {0, 0.5, 1, 1.5, 2}, r.time(), "stops record nothing");
                for (int run = 0; run < r.runs(); run++) {
                    assertEquals(0, r.status()[run]);
                    for (int k = 0; k < 5; k++) {
                        double tk = 0.5 * k;
                        double exact = tk > a[run] ? (tk - a[run]) * (tk - a[run]) / 2 : 0;
                        assertEquals(exact, r.state().get(k, 0, run), 1e-13, m.getKey() + ", run " + run + ", t = " + tk);
                    }
                    if (m.getKey() == Algorithm.CLASSICAL_RK4) {
                        // saves at 0.5 and 1.5 cut the steps too: 0.4, 0.1 | 0.4, 0.1 | 0.3 | 0.2 | 0.4, 0.1 = 8
                        assertEquals(8, r.acceptedSteps()[run], "run " + run);
                    }
                }
            }
        }
    }

    /**
     * One solve spread over two devices ({@code Solver.Builder.devices}): the backend's device beside the jvm, and two
     * runtimes (two contexts) on the backend's one device. Each run equals, bit for bit, the same run solved by its
     * device alone (the same kernel on the same values), and the runs split at the shares' boundary.
     */
    @Test
    void aSolveSpreadOverTwoDevicesEqualsEachDevicesOwnRuns() {
        Batch lorenz = lorenzBatch(sizes().fixed());
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.25);
        for (var m : List.of(Map.entry(Algorithm.CLASSICAL_RK4, StepControl.builder().controller(Controller.FIXED).dt(1e-3)),
                Map.entry(Algorithm.DORMAND_PRINCE_54, StepControl.builder().atol(1e-8).rtol(1e-8)))) {
            Case c = new Case(LORENZ, m.getKey(), m.getValue(), Precision.FLOAT64, OutputSpec.of(List.of("state", "step_counts")), lorenz, t);
            long half = org.tornadobatch.solver.run.SplitRun.ranges(lorenz.runs(), new double[] {1, 1})[1];
            try (DeviceRuntime second = DeviceRuntimes.open(backendName(), 0);
                 MemoryManager secondMemory = MemoryManager.builder(second).build();
                 SolveResult g = run(memory, c);
                 SolveResult j = run(jvm, c)) {
                for (MemoryManager other : List.of(jvm, secondMemory)) {
                    try (org.tornadobatch.solver.Solver s = org.tornadobatch.solver.Solver.builder(LORENZ).algorithm(m.getKey()).stepControl(m.getValue())
                            .outputs(c.out).devices(memory, other).deviceShares(1, 1).build();
                         SolveResult spread = s.solve(lorenz, t)) {
                        String what = m.getKey() + " on " + backendName() + " + " + other.runtime().name();
                        assertTrue(spread.info().device().contains(" + "), spread.info().device());
                        for (int run = 0; run < lorenz.runs(); run++) {
                            SolveResult own = run < half || other == secondMemory ? g : j;
                            assertEquals(own.acceptedSteps()[run], spread.acceptedSteps()[run], what + ", run " + run);
                            for (int k = 0; k < 5; k++) {
                                for (int v = 0; v < 3; v++) {
                                    assertEquals(Double.doubleToRawLongBits(own.state().get(k, v, run)), Double.doubleToRawLongBits(spread.state().get(k, v, run)),
                                            what + ", run " + run + ", save " + k + ", state " + v);
                                }
                            }
                        }
                        System.out.printf("%s: %d runs, bit for bit each device's own; next shares %s%n", what, lorenz.runs(),
                                java.util.Arrays.toString(s.deviceShares()));
                    }
                }
            }
        }
    }

    @Test
    void theCommandLineSolvesOnTheBackend(@TempDir Path dir) throws Exception {
        Path sys = dir.resolve("lorenz.ode");
        Files.writeString(sys, LORENZ.sourceText());
        Path out = dir.resolve("out");
        int n = sizes().cli();
        int code = TornadoBatch.newCommandLine().execute("solve", sys.toString(), "--sweep", "rho=0:21:" + n, "--backend", backendName(),
                "--algorithm", "rk4", "--dt", "0.001", "--out", out.toString(), "--quiet");
        assertEquals(0, code);
        assertTrue(Files.size(out.resolve("state.npy")) > (long) n * 3 * 8);
        String run = Files.readString(out.resolve("run.json"));
        assertTrue(run.contains("\"backend\" : \"" + backendName() + "\""), run);
        // --device 0,0: the same solve spread over two contexts on the one device, the same bytes
        Path two = dir.resolve("two");
        assertEquals(0, TornadoBatch.newCommandLine().execute("solve", sys.toString(), "--sweep", "rho=0:21:" + n, "--backend", backendName(),
                "--algorithm", "rk4", "--dt", "0.001", "--device", "0,0", "--out", two.toString(), "--quiet"));
        assertEquals(-1L, Files.mismatch(out.resolve("state.npy"), two.resolve("state.npy")), "state.npy of --device 0,0");
        String twoRun = Files.readString(two.resolve("run.json"));
        assertTrue(twoRun.contains(" + "), "run.json names both devices: " + twoRun);
    }
}
