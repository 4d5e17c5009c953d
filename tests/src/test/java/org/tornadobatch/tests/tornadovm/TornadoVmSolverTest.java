package org.tornadobatch.tests.tornadovm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
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

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tornadobatch.cli.TornadoBatch;
import org.tornadobatch.device.Availability;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.testing.SystemProperties;

/**
 * The solver on the tornadovm runtime (kernels compiled by TornadoVM, on whichever backend it was started with:
 * OpenCL on PoCL here, PTX on the GPU machine) against the jvm backend. Runs only in a JVM started with
 * TornadoVM's flags (the tests module's {@code tornadovm} execution, where an SDK is installed); skipped elsewhere.
 */
@Tag("tornadovm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TornadoVmSolverTest {
    private DeviceRuntime tornado;
    private MemoryManager tornadoMemory;
    private MemoryManager jvmMemory;

    static Availability availability() {
        return DeviceRuntimes.discover().stream().filter(f -> f.name().equals("tornadovm")).findFirst().map(DeviceRuntimes.Found::availability)
                .orElse(Availability.no("the tornadovm runtime is not on the class path (no TornadoVM SDK at build time)"));
    }

    static void assumeTornadoVm() {
        Availability a = availability();
        assumeTrue(a.available(), () -> "tornadovm runtime unavailable: " + a.reason());
    }

    @BeforeAll
    void open() {
        if (availability().available()) {
            tornado = DeviceRuntimes.open("tornadovm", 0);
            tornadoMemory = MemoryManager.builder(tornado).build();
            jvmMemory = MemoryManager.builder(new JvmRuntime(4L << 30)).build();
            System.out.println("tornadovm device: " + tornado.deviceName());
        }
    }

    /** Per test, so that each is reported as skipped where TornadoVM is absent. */
    @BeforeEach
    void needsTornadoVm() {
        assumeTornadoVm();
    }

    @AfterAll
    void close() {
        if (tornadoMemory != null) {
            tornadoMemory.close();
            tornado.close();
            jvmMemory.close();
            jvmMemory.runtime().close();
        }
    }

    @Test
    void fixedStepMethodsAgreeWithTheJvmBackendTo1e10() {
        Batch lorenz = lorenzBatch(256);
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.25);
        for (Algorithm a : Algorithm.values()) {
            // 249 or 624 whole steps per save (then a shorter one): an odd and an even count for the kernel's two-step loop
            double dt = a.ordinal() % 2 == 0 ? 1e-3 : 4e-4;
            StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(dt);
            try (SolveResult g = solve(tornadoMemory, LORENZ, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t);
                 SolveResult j = solve(jvmMemory, LORENZ, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t)) {
                assertEquals("tornadovm", g.info().backend());
                double w = worst(g, j, 1e-10, 1e-300);
                System.out.printf("tornadovm vs jvm, %s fixed dt %s, lorenz: max |diff| / (1e-10 |jvm|) = %.3g%n", a, dt, w);
                assertTrue(w <= 1, a + ": " + w);
                assertArrayEquals(j.acceptedSteps(), g.acceptedSteps());
            }
        }
    }

    /** The benchmark's schedule: one event, at the end (a failure path once wrote saves at stray indices here). */
    @Test
    void finalStateOnlySolvesAgreeWithTheJvmBackend() {
        Batch lorenz = lorenzBatch(300);
        TimeSpec t = TimeSpec.finalState(1.0);
        for (var m : List.of(java.util.Map.entry(Algorithm.CLASSICAL_RK4, StepControl.builder().controller(Controller.FIXED).dt(1e-3)),
                java.util.Map.entry(Algorithm.DORMAND_PRINCE_54, StepControl.builder().controller(Controller.PI).atol(1e-8).rtol(1e-8)))) {
            Algorithm a = m.getKey();
            StepControl.Builder c = m.getValue();
            try (SolveResult g = solve(tornadoMemory, LORENZ, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t);
                 SolveResult j = solve(jvmMemory, LORENZ, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t)) {
                assertEquals(1, g.state().shape()[0]);
                double w = worst(g, j, 1e-10, 1e-300);
                System.out.printf("tornadovm vs jvm, %s, state at t = 1 only: max |diff| / (1e-10 |jvm|) = %.3g%n", a, w);
                assertTrue(w <= 1, a + ": " + w);
                assertArrayEquals(j.acceptedSteps(), g.acceptedSteps());
            }
        }
    }

    @Test
    void adaptiveMethodsAgreeWithinTolerance() {
        Batch lorenz = lorenzBatch(200);
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.5);
        double tol = 1e-8;
        for (Algorithm a : Algorithm.values()) {
            if (!a.tableau().hasErrorEstimate()) {
                continue;
            }
            // Every adaptive method with PI, and every controller with Dormand-Prince.
            List<Controller> controllers = a == Algorithm.DORMAND_PRINCE_54
                    ? List.of(Controller.I, Controller.PI, Controller.PID, Controller.GUSTAFSSON) : List.of(Controller.PI);
            for (Controller ctl : controllers) {
                StepControl.Builder c = StepControl.builder().controller(ctl).atol(tol).rtol(tol);
                try (SolveResult g = solve(tornadoMemory, LORENZ, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t);
                     SolveResult j = solve(jvmMemory, LORENZ, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t)) {
                    double w = worst(g, j, tol, tol);
                    System.out.printf("tornadovm vs jvm, %s %s tol 1e-8, lorenz: max |diff| / (tol (1 + |jvm|)) = %.3g; %.1f accepted"
                            + " steps per run; same step count in %d of %d runs%n", a, ctl, w, meanSteps(g), sameStepCounts(g, j), g.runs());
                    assertTrue(w <= 1, a + " " + ctl + ": " + w);
                }
            }
        }
    }

    @Test
    void observablesAndSummariesAgreeWithTheJvmBackend() {
        OutputSpec out = OutputSpec.of(List.of("state", "observables", "mean", "std", "extrema", "rms", "max_magnitude", "peaks[2]"));
        TimeSpec t = TimeSpec.of(20.0).withSaveEvery(0.5).withSummariseEvery(5.0).withSampleEvery(0.05);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(1e-3);
        Batch b = pendulumBatch(100);
        try (SolveResult g = solve(tornadoMemory, PENDULUM, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT64, out, b, t);
             SolveResult j = solve(jvmMemory, PENDULUM, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT64, out, b, t)) {
            double w = worst(g, j, 1e-10, 1e-12);
            System.out.printf("tornadovm vs jvm, rk4 pendulum with observables and 7 metrics: max |diff| / (1e-10 |jvm| + 1e-12) = %.3g%n", w);
            assertTrue(w <= 1, "worst " + w);
        }
    }

    @Test
    void float32AgreesWithTheJvmBackendInSinglePrecision() {
        Batch lorenz = lorenzBatch(500);
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.5);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(1e-3);
        try (SolveResult g = solve(tornadoMemory, LORENZ, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT32, OutputSpec.stateOnly(), lorenz, t);
             SolveResult j = solve(jvmMemory, LORENZ, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT32, OutputSpec.stateOnly(), lorenz, t)) {
            double w = worst(g, j, 1e-4, 1e-5);
            System.out.printf("tornadovm vs jvm, rk4 float32 lorenz: max |diff| / (1e-4 |jvm| + 1e-5) = %.3g%n", w);
            assertTrue(w <= 1, "worst " + w);
        }
    }

    @Test
    void repeatedSolvesReuseTheirBuffersAndSoTheirExecutionPlan() {
        // tornadovm keeps an execution plan per set of buffers: its memory managers pool buffers unless told otherwise.
        assertEquals(org.tornadobatch.memory.AllocatorKind.POOLED, tornadoMemory.allocator());
        Batch b = lorenzBatch(1000);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(1e-3);
        try (SolveResult first = solve(tornadoMemory, LORENZ, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT64, OutputSpec.stateOnly(), b,
                TimeSpec.finalState(1.0))) {
            long hits = tornadoMemory.poolStats().hits();
            try (SolveResult second = solve(tornadoMemory, LORENZ, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT64, OutputSpec.stateOnly(), b,
                    TimeSpec.finalState(1.0))) {
                // init, params, the two event arrays, state, status, steps
                assertEquals(7, tornadoMemory.poolStats().hits() - hits, "the second solve's arrays come from the pool: " + tornadoMemory.poolStats());
                org.tornadobatch.tests.Backends.assertBitForBit(first, second);
            }
        }
    }

    @Test
    void aSolveSplitIntoPartsRunAtOnceEqualsTheWholeOneBitForBit() {
        // Large solves on tornadovm are split into parts whose execution plans run at once, from threads of their own.
        Batch b = lorenzBatch(30_000);
        StepControl.Builder c = StepControl.builder().controller(Controller.PI).atol(1e-8).rtol(1e-8);
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.25);
        try (SolveResult whole = SystemProperties.with("tornadobatch.parts", "1",
                () -> solve(tornadoMemory, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64, OutputSpec.stateOnly(), b, t));
             SolveResult split = SystemProperties.with("tornadobatch.parts", "3",
                     () -> solve(tornadoMemory, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64, OutputSpec.stateOnly(), b, t))) {
            assertEquals(1, whole.info().chunks());
            assertEquals(3, split.info().chunks(), "one chunk per part");
            org.tornadobatch.tests.Backends.assertBitForBit(whole, split);
        }
    }

    @Test
    void aChunkedSolveEqualsTheUnchunkedOneBitForBit() {
        // About 21 saves x 3 states x 8 bytes plus inputs per run: ~0.6 KB, ~12 MB in all; 2.4 MB forces >= 5 chunks.
        assertChunkedEqualsWhole(tornadoMemory, 20_000, 2.4e6);
    }

    @Test
    void theCommandLineSolvesOnTornadoVm(@TempDir Path dir) throws Exception {
        Path sys = dir.resolve("lorenz.ode");
        Files.writeString(sys, LORENZ.sourceText());
        Path out = dir.resolve("out");
        int code = TornadoBatch.newCommandLine().execute("solve", sys.toString(), "--sweep", "rho=0:21:2000", "--backend", "tornadovm",
                "--algorithm", "rk4", "--dt", "0.001", "--out", out.toString(), "--quiet");
        assertEquals(0, code);
        assertTrue(Files.size(out.resolve("state.npy")) > 2000 * 3 * 8);
        String run = Files.readString(out.resolve("run.json"));
        assertTrue(run.contains("\"backend\" : \"tornadovm\""), run);
    }
}
