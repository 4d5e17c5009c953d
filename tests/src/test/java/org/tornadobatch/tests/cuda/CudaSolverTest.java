package org.tornadobatch.tests.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tornadobatch.tests.Backends.LORENZ;
import static org.tornadobatch.tests.Backends.PENDULUM;
import static org.tornadobatch.tests.Backends.assertBitForBit;
import static org.tornadobatch.tests.Backends.assertChunkedEqualsWhole;
import static org.tornadobatch.tests.Backends.lorenzBatch;
import static org.tornadobatch.tests.Backends.meanSteps;
import static org.tornadobatch.tests.Backends.pendulumBatch;
import static org.tornadobatch.tests.Backends.sameStepCounts;
import static org.tornadobatch.tests.Backends.solve;
import static org.tornadobatch.tests.Backends.withSlices;
import static org.tornadobatch.tests.Backends.worst;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tornadobatch.cli.TornadoBatch;
import org.tornadobatch.device.cuda.CudaRuntime;
import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.memory.AllocatorKind;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;

/**
 * The solver on the cuda backend against the jvm backend: every algorithm and controller, float64 and float32,
 * each allocator, and chunked against unchunked solves.
 */
@Tag("cuda")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaSolverTest {
    private CudaRuntime gpu;
    private MemoryManager gpuMemory;
    private MemoryManager jvmMemory;

    @BeforeAll
    void open() {
        if (Gpu.available()) {
            gpu = CudaRuntime.open(0);
            gpuMemory = MemoryManager.builder(gpu).build();
            jvmMemory = MemoryManager.builder(new JvmRuntime(4L << 30)).build();
        }
    }

    /** Per test, so that each is reported as skipped where there is no GPU. */
    @BeforeEach
    void needsAGpu() {
        Gpu.assumeCuda();
    }

    @AfterAll
    void close() {
        if (gpuMemory != null) {
            gpuMemory.close();
            gpu.close();
        }
        if (jvmMemory != null) {
            jvmMemory.close();
            jvmMemory.runtime().close();
        }
    }

    @Test
    void fixedStepMethodsAgreeWithTheJvmBackendTo1e10() {
        Batch lorenz = lorenzBatch(512);
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.25);
        for (Algorithm a : Algorithm.values()) {
            StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(1e-3);
            try (SolveResult g = solve(gpuMemory, LORENZ, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t);
                 SolveResult j = solve(jvmMemory, LORENZ, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t)) {
                double w = worst(g, j, 1e-10, 1e-300);
                System.out.printf("cuda vs jvm, %s fixed dt 1e-3, lorenz: max |diff| / (1e-10 |jvm|) = %.3g%n", a, w);
                assertTrue(w <= 1, a + ": " + w);
                assertArrayEquals(j.acceptedSteps(), g.acceptedSteps());
            }
        }
    }

    @Test
    void observablesAndSummariesAgreeWithTheJvmBackend() {
        OutputSpec out = OutputSpec.of(List.of("state", "observables", "mean", "std", "extrema", "rms", "max_magnitude", "peaks[2]"));
        TimeSpec t = TimeSpec.of(20.0).withSaveEvery(0.5).withSummariseEvery(5.0).withSampleEvery(0.05);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(1e-3);
        Batch b = pendulumBatch(300);
        try (SolveResult g = solve(gpuMemory, PENDULUM, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT64, out, b, t);
             SolveResult j = solve(jvmMemory, PENDULUM, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT64, out, b, t)) {
            double w = worst(g, j, 1e-10, 1e-12);
            System.out.printf("cuda vs jvm, rk4 pendulum with observables and 7 metrics: max |diff| / (1e-10 |jvm| + 1e-12) = %.3g%n", w);
            assertTrue(w <= 1, "worst " + w);
        }
    }

    @Test
    void adaptiveMethodsAgreeWithinTolerance() {
        Batch lorenz = lorenzBatch(256);
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.5);
        double tol = 1e-8;
        for (Algorithm a : Algorithm.values()) {
            if (!a.tableau().hasErrorEstimate()) {
                continue;
            }
            for (Controller ctl : List.of(Controller.I, Controller.PI, Controller.PID, Controller.GUSTAFSSON)) {
                StepControl.Builder c = StepControl.builder().controller(ctl).atol(tol).rtol(tol);
                try (SolveResult g = solve(gpuMemory, LORENZ, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t);
                     SolveResult j = solve(jvmMemory, LORENZ, a, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t)) {
                    double w = worst(g, j, tol, tol);
                    System.out.printf("cuda vs jvm, %s %s tol 1e-8, lorenz: max |diff| / (tol (1 + |jvm|)) = %.3g; %.1f accepted steps"
                            + " per run; same step count in %d of %d runs%n", a, ctl, w, meanSteps(g), sameStepCounts(g, j), g.runs());
                    assertTrue(w <= 1, a + " " + ctl + ": " + w);
                }
            }
        }
    }

    @Test
    void float32AgreesWithTheJvmBackendInSinglePrecision() {
        Batch lorenz = lorenzBatch(1000);
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.5);
        StepControl.Builder c = StepControl.builder().controller(Controller.FIXED).dt(1e-3);
        try (SolveResult g = solve(gpuMemory, LORENZ, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT32, OutputSpec.stateOnly(), lorenz, t);
             SolveResult j = solve(jvmMemory, LORENZ, Algorithm.CLASSICAL_RK4, c, Precision.FLOAT32, OutputSpec.stateOnly(), lorenz, t)) {
            double w = worst(g, j, 1e-4, 1e-5);
            System.out.printf("cuda vs jvm, rk4 float32 lorenz: max |diff| / (1e-4 |jvm| + 1e-5) = %.3g%n", w);
            assertTrue(w <= 1, "worst " + w);
        }
    }

    @Test
    void everyAllocatorSolvesAndGivesTheSameBits() {
        Batch lorenz = lorenzBatch(20_000);
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.1);
        StepControl.Builder c = StepControl.builder().controller(Controller.PI).atol(1e-7).rtol(1e-7);
        List<SolveResult> results = new ArrayList<>();
        try {
            for (AllocatorKind kind : AllocatorKind.values()) {
                try (MemoryManager m = MemoryManager.builder(gpu).allocator(kind).build()) {
                    SolveResult r = solve(m, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t);
                    results.add(r);
                    assertEquals("cuda", r.info().backend());
                    System.out.printf("allocator %s: %d runs, %d chunk(s), kernel %.1f ms%n", kind, r.runs(), r.info().chunks(),
                            r.info().kernelMillis());
                }
            }
            for (int i = 1; i < results.size(); i++) {
                assertEquals(-1, results.get(0).state().segment().mismatch(results.get(i).state().segment()), AllocatorKind.values()[i].toString());
                assertArrayEquals(results.get(0).acceptedSteps(), results.get(i).acceptedSteps());
            }
        } finally {
            results.forEach(SolveResult::close);
        }
    }

    @Test
    void aChunkedSolveEqualsTheUnchunkedOneBitForBit() {
        // About 21 saves x 3 states x 8 bytes plus inputs per run: ~0.6 KB, ~60 MB in all; a fifth of that forces >= 5 chunks.
        assertChunkedEqualsWhole(gpuMemory, 100_000, 12e6);
    }

    @Test
    void slicesOnSeveralStreamsGiveTheBitsOfOneSlice() {
        int n = 300_000;
        Batch lorenz = lorenzBatch(n);
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.25);
        StepControl.Builder c = StepControl.builder().controller(Controller.PI).atol(1e-8).rtol(1e-8);
        double proportion = 25e6 / gpu.memoryInfo().totalBytes(); // 2 to 4 chunks
        try (SolveResult one = withSlices("1", () -> solve(gpuMemory, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64,
                OutputSpec.stateOnly(), lorenz, t));
             SolveResult seven = withSlices("7", () -> solve(gpuMemory, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64,
                     OutputSpec.stateOnly(), lorenz, t));
             Solver s = Solver.builder(LORENZ).algorithm(Algorithm.DORMAND_PRINCE_54).stepControl(c).memoryManager(gpuMemory)
                     .memProportion(proportion).build();
             SolveResult chunked = withSlices("3", () -> s.solve(lorenz, t))) {
            System.out.printf("slices: 1 slice %.1f ms kernel, 7 slices %.1f ms, %d chunks x 3 slices %.1f ms%n", one.info().kernelMillis(),
                    seven.info().kernelMillis(), chunked.info().chunks(), chunked.info().kernelMillis());
            assertTrue(chunked.info().chunks() >= 2, "chunks: " + chunked.info().chunks());
            for (SolveResult r : List.of(seven, chunked)) {
                assertBitForBit(one, r);
            }
        }
    }

    @Test
    void theCommandLineSolvesOnTheGpu(@TempDir Path dir) throws Exception {
        Path sys = dir.resolve("lorenz.ode");
        Files.writeString(sys, LORENZ.sourceText());
        Path out = dir.resolve("out");
        int code = TornadoBatch.newCommandLine().execute("solve", sys.toString(), "--sweep", "rho=0:21:10000", "--backend", "cuda",
                "--out", out.toString(), "--quiet");
        assertEquals(0, code);
        assertTrue(Files.size(out.resolve("state.npy")) > 10000 * 3 * 8);
        String run = Files.readString(out.resolve("run.json"));
        assertTrue(run.contains("\"backend\" : \"cuda\""), run);
    }
}
