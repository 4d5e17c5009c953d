package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.solver.run.ChunkPipeline;
import org.tornadobatch.solver.run.PreparedSolve;
import org.tornadobatch.system.OdeSystem;
import org.tornadobatch.testing.SystemProperties;

/** Run independence, chunking, summaries, status flags and batches. */
class SolverBehaviourTest {

    @Test
    void runsAreIndependentBitForBit() {
        // Run A needs many small steps, run B few: solved together they must equal each solved alone.
        double[] rho = {0.5, 28};
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(Problems.LORENZ).stepControl(StepControl.builder().atol(1e-9).rtol(1e-9)).memoryManager(mm).build();
             SolveResult both = s.solve(Batch.grid(Problems.LORENZ, Map.of("rho", rho), GridKind.COMBINATORIAL), TimeSpec.of(2).withSaveEvery(0.5));
             SolveResult a = s.solve(Batch.grid(Problems.LORENZ, Map.of("rho", new double[] {rho[0]}), GridKind.COMBINATORIAL), TimeSpec.of(2).withSaveEvery(0.5));
             SolveResult b = s.solve(Batch.grid(Problems.LORENZ, Map.of("rho", new double[] {rho[1]}), GridKind.COMBINATORIAL), TimeSpec.of(2).withSaveEvery(0.5))) {
            assertTrue(both.acceptedSteps()[1] > both.acceptedSteps()[0], "the runs need different step counts");
            for (int k = 0; k < both.time().length; k++) {
                for (int v = 0; v < 3; v++) {
                    assertEquals(Double.doubleToRawLongBits(a.state().get(k, v, 0)), Double.doubleToRawLongBits(both.state().get(k, v, 0)));
                    assertEquals(Double.doubleToRawLongBits(b.state().get(k, v, 0)), Double.doubleToRawLongBits(both.state().get(k, v, 1)));
                }
            }
            assertEquals(a.acceptedSteps()[0], both.acceptedSteps()[0]);
            assertEquals(b.acceptedSteps()[0], both.acceptedSteps()[1]);
        }
    }

    @Test
    void aChunkedSolveEqualsTheUnchunkedOneBitForBit() {
        Batch batch = lorenzSweep(1000);
        OutputSpec out = OutputSpec.of(List.of("state", "mean", "extrema"));
        TimeSpec time = TimeSpec.of(1).withSaveEvery(0.1).withSummariseEvery(0.5);
        try (MemoryManager whole = Problems.memory();
             MemoryManager small = MemoryManager.builder(new JvmRuntime(4L << 20, 2)).build();
             Solver s1 = Solver.builder(Problems.LORENZ).outputs(out).memoryManager(whole).build();
             Solver s2 = Solver.builder(Problems.LORENZ).outputs(out).memoryManager(small).memProportion(0.025).build();
             SolveResult a = s1.solve(batch, time);
             SolveResult b = s2.solve(batch, time)) {
            assertEquals(1, a.info().chunks());
            assertTrue(b.info().chunks() >= 4, "chunks: " + b.info().chunks());
            assertEquals(a.state().segment().mismatch(b.state().segment()), -1L, "state differs");
            assertEquals(a.stateSummaries().segment().mismatch(b.stateSummaries().segment()), -1L, "summaries differ");
            assertArrayEquals(a.acceptedSteps(), b.acceptedSteps());
        }
    }

    @Test
    void aSolveSplitIntoPartsEqualsTheWholeOneBitForBit() {
        // Parts (as on tornadovm: own arrays, stream and chunks each, run at once) write into one result.
        Batch batch = lorenzSweep(1001);
        OutputSpec out = OutputSpec.of(List.of("state", "mean", "extrema"));
        TimeSpec time = TimeSpec.of(1).withSaveEvery(0.1).withSummariseEvery(0.5);
        try (MemoryManager whole = Problems.memory();
             MemoryManager small = MemoryManager.builder(new JvmRuntime(4L << 20, 2)).build();
             Solver s1 = Solver.builder(Problems.LORENZ).outputs(out).memoryManager(whole).build();
             Solver s2 = Solver.builder(Problems.LORENZ).outputs(out).memoryManager(small).build();
             SolveResult a = s1.solve(batch, time)) {
            long[] reported = new long[2];
            for (String parts : List.of("2", "3")) {
                try (SolveResult b = SystemProperties.with(Solver.PARTS_PROPERTY, parts, () -> s2.solve(batch, time, (done, runs, partsDone, partCount) -> {
                    reported[0] = done;
                    reported[1] = partsDone;
                }))) {
                    assertTrue(b.info().chunks() >= Integer.parseInt(parts), "chunks: " + b.info().chunks());
                    assertEquals(-1L, a.state().segment().mismatch(b.state().segment()), parts + " parts: state differs");
                    assertEquals(-1L, a.stateSummaries().segment().mismatch(b.stateSummaries().segment()), parts + " parts: summaries differ");
                    assertArrayEquals(a.acceptedSteps(), b.acceptedSteps());
                    assertArrayEquals(a.status(), b.status());
                    assertEquals(batch.runs(), reported[0], "progress sums the parts' runs");
                    assertEquals(Long.parseLong(parts), reported[1], "progress counts finished parts");
                }
                assertEquals(0, small.allocatedBytes(), "the parts freed their device arrays");
            }
        }
    }

    @Test
    void aPreparedSolveHoldsItsArraysUntilRunOrClosedAndRunsLikeSolve() {
        double[] rho = {1, 10, 28};
        Batch batch = Batch.grid(Problems.LORENZ, Map.of("rho", rho), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.of(1).withSaveEvery(0.5);
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(Problems.LORENZ).memoryManager(mm).build();
             SolveResult direct = s.solve(batch, time)) {
            assertEquals(0, mm.allocatedBytes(), "a solve frees its device arrays");
            PreparedSolve p = s.prepare(batch, time);
            assertTrue(mm.allocatedBytes() > 0, "a prepared solve holds its device arrays");
            assertEquals(1, p.chunkPlan().chunks());
            assertEquals(Integer.valueOf(3), p.launchArguments().int32(org.tornadobatch.solver.kernel.KernelArg.END.label()));
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> s.prepare(batch, time));
            assertTrue(twice.getMessage().contains("run or close it first"), twice.getMessage());
            try (SolveResult prepared = p.run()) {
                assertEquals(-1L, direct.state().segment().mismatch(prepared.state().segment()));
            }
            assertEquals(0, mm.allocatedBytes(), "running a prepared solve frees its device arrays");
            assertThrows(IllegalStateException.class, p::run);
            PreparedSolve unused = s.prepare(batch, time);
            unused.close();
            assertEquals(0, mm.allocatedBytes(), "closing an unrun prepared solve frees its device arrays");
            s.prepare(batch, time).close();
        }
    }

    @Test
    void slicedChunksEqualWholeOnesBitForBit() {
        // Slices on three streams (as on GPUs), inside chunks: the same bits as one slice per chunk.
        Batch batch = lorenzSweep(1000);
        OutputSpec out = OutputSpec.of(List.of("state", "mean", "extrema"));
        TimeSpec time = TimeSpec.of(1).withSaveEvery(0.1).withSummariseEvery(0.5);
        for (Precision p : Precision.values()) {
            try (MemoryManager whole = Problems.memory();
                 MemoryManager small = MemoryManager.builder(new JvmRuntime(4L << 20, 2)).build();
                 Solver s1 = Solver.builder(Problems.LORENZ).outputs(out).precision(p).memoryManager(whole).build();
                 Solver s2 = Solver.builder(Problems.LORENZ).outputs(out).precision(p).memoryManager(small).memProportion(0.025).build();
                 SolveResult a = s1.solve(batch, time);
                 SolveResult b = withSlices(7, () -> s2.solve(batch, time))) {
                assertTrue(b.info().chunks() >= 2, "chunks: " + b.info().chunks());
                assertEquals(-1L, a.state().segment().mismatch(b.state().segment()), p + ": state differs");
                assertEquals(-1L, a.stateSummaries().segment().mismatch(b.stateSummaries().segment()), p + ": summaries differ");
                assertArrayEquals(a.acceptedSteps(), b.acceptedSteps());
                assertArrayEquals(a.rejectedSteps(), b.rejectedSteps());
                assertArrayEquals(a.status(), b.status());
            }
        }
    }

    private static SolveResult withSlices(int slices, java.util.function.Supplier<SolveResult> solve) {
        return SystemProperties.with(ChunkPipeline.SLICES_PROPERTY, Integer.toString(slices), solve);
    }


    /** Lorenz with rho = linspace(0, 21, n). */
    static Batch lorenzSweep(int n) {
        double[] rho = new double[n];
        for (int i = 0; i < n; i++) {
            rho[i] = 21.0 * i / (n - 1);
        }
        return Batch.grid(Problems.LORENZ, Map.of("rho", rho), GridKind.COMBINATORIAL);
    }

    @Test
    void summariesMatchTheSavedSamples() {
        // Sampling every save, one window per 2 time units: metrics recomputed from the saved trajectory.
        OutputSpec out = OutputSpec.of(List.of("state", "mean", "max", "min", "rms", "std", "extrema", "max_magnitude", "peaks[2]"));
        TimeSpec time = TimeSpec.of(20).withSaveEvery(0.01).withSummariseEvery(10);
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(Problems.OSCILLATOR).outputs(out).stepControl(StepControl.builder().atol(1e-10).rtol(1e-10))
                     .memoryManager(mm).build();
             SolveResult r = s.solve(Batch.defaults(Problems.OSCILLATOR), time)) {
            ResultArray sum = r.stateSummaries();
            assertEquals(2, sum.shape()[0]);
            assertEquals(2 * 10, sum.shape()[1], "2 states x (1+1+1+1+1+2+1+2) slots");
            assertEquals("x.mean", sum.variables().get(0));
            for (int w = 0; w < 2; w++) {
                double s1 = 0, s2 = 0, mx = -1e300, mn = 1e300, mm2 = 0;
                int n = 0;
                for (int k = w * 1000; k < (w + 1) * 1000; k++) {
                    double x = r.state().get(k, 0, 0);
                    s1 += x;
                    s2 += x * x;
                    mx = Math.max(mx, x);
                    mn = Math.min(mn, x);
                    mm2 = Math.max(mm2, Math.abs(x));
                    n++;
                }
                double mean = s1 / n;
                assertEquals(mean, sum.get(w, 0, 0), 1e-12);
                assertEquals(mx, sum.get(w, 1, 0), 1e-15);
                assertEquals(mn, sum.get(w, 2, 0), 1e-15);
                assertEquals(Math.sqrt(s2 / n), sum.get(w, 3, 0), 1e-12);
                assertEquals(Math.sqrt(s2 / n - mean * mean), sum.get(w, 4, 0), 1e-9);
                assertEquals(mx, sum.get(w, 5, 0), 1e-15);
                assertEquals(mn, sum.get(w, 6, 0), 1e-15);
                assertEquals(mm2, sum.get(w, 7, 0), 1e-15);
            }
            // x = cos t peaks at 2 pi k: the first window [0, 10) sees 2 pi; the second [10, 20) sees 4 pi and 6 pi.
            assertEquals(2 * Math.PI, sum.get(0, 8, 0), 0.011);
            assertTrue(Double.isNaN(sum.get(0, 9, 0)), "only one peak in the first window");
            assertEquals(4 * Math.PI, sum.get(1, 8, 0), 0.011);
            assertEquals(6 * Math.PI, sum.get(1, 9, 0), 0.011);
        }
    }

    @Test
    void observablesAndConditionalsAreRecorded() {
        OutputSpec out = OutputSpec.of(List.of("state", "observables"));
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(Problems.PENDULUM).outputs(out).memoryManager(mm).build();
             SolveResult r = s.solve(Batch.defaults(Problems.PENDULUM), TimeSpec.of(10).withSaveEvery(0.5))) {
            org.tornadobatch.system.Interpreter f = new org.tornadobatch.system.Interpreter(Problems.PENDULUM);
            for (int k = 0; k < r.time().length; k++) {
                double[] y = {r.state().get(k, 0, 0), r.state().get(k, 1, 0)};
                double[] o = f.observables(r.time()[k], y, new double[] {0.5, 1.2, 0.667});
                assertEquals(o[0], r.observables().get(k, 0, 0), 1e-14);
                assertEquals(o[1], r.observables().get(k, 1, 0));
            }
        }
    }

    @Test
    void aFailingRunSaysWhyAndLeavesTheOthersAlone() {
        // y' = y^2 blows up at t = 1/y0: y0 = 2 fails before t = 1, y0 = 0.5 does not.
        OdeSystem blowup = OdeSystem.parse("states: y = 1\ndy = y^2\n", "blowup");
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(blowup).memoryManager(mm).build();
             SolveResult r = s.solve(Batch.grid(blowup, Map.of("y", new double[] {0.5, 2}), GridKind.COMBINATORIAL),
                     TimeSpec.of(1).withSaveEvery(0.25))) {
            assertEquals(0, r.status()[0]);
            assertEquals(1 / (1 / 0.5 - 1.0), r.state().get(4, 0, 0), 1e-5);
            assertTrue(r.status()[1] != 0);
            assertTrue(RunStatus.decode(r.status()[1]).contains(RunStatus.STEP_TOO_SMALL), RunStatus.decode(r.status()[1]).toString());
            assertTrue(Double.isNaN(r.state().get(4, 0, 1)), "samples after the failure are NaN");
            assertEquals(2.0 / (1 - 2 * 0.25), r.state().get(1, 0, 1), 1e-5, "samples before it are kept");
            assertEquals(1, r.failureCount());
            assertEquals(List.of(1), List.copyOf(r.failures().keySet()));
        }
        double[] y0 = new double[40_000]; // 160 kB of statuses: failureCount's zero stretches span several compares
        for (int i = 0; i < y0.length; i++) {
            y0[i] = i % 3 == 1 ? 2 : 0.5;
        }
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(blowup).memoryManager(mm).build();
             SolveResult r = s.solve(Batch.grid(blowup, Map.of("y", y0), GridKind.COMBINATORIAL), TimeSpec.finalState(1))) {
            assertEquals(r.failures().size(), r.failureCount());
            assertEquals((y0.length + 1) / 3, r.failureCount());
        }
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(Problems.LORENZ).stepControl(StepControl.builder().maxSteps(10)).memoryManager(mm).build();
             SolveResult r = s.solve(Batch.defaults(Problems.LORENZ), TimeSpec.of(1))) {
            assertEquals(List.of(RunStatus.MAX_STEPS_EXCEEDED), RunStatus.decode(r.status()[0]));
            assertEquals(1, r.failureCount());
        }
    }

    @Test
    void gridsCombineAsAsked() {
        Map<String, double[]> v = new java.util.LinkedHashMap<>();
        v.put("sigma", new double[] {1, 2});
        v.put("rho", new double[] {10, 20, 30});
        Batch c = Batch.grid(Problems.LORENZ, v, GridKind.COMBINATORIAL);
        assertEquals(6, c.runs());
        assertEquals(2, c.parameter(0, 3));
        assertEquals(10, c.parameter(1, 3), "the last variable varies fastest");
        assertEquals(1.0, c.state(0, 5), "unlisted variables take defaults");
        Map<String, double[]> w = new java.util.LinkedHashMap<>();
        w.put("sigma", new double[] {1, 2, 3});
        w.put("rho", new double[] {10, 20, 30});
        w.put("x", new double[] {5});
        Batch vb = Batch.grid(Problems.LORENZ, w, GridKind.VERBATIM);
        assertEquals(3, vb.runs());
        assertEquals(30, vb.parameter(1, 2));
        assertEquals(5, vb.state(0, 2));
        w.put("rho", new double[] {1, 2});
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Batch.grid(Problems.LORENZ, w, GridKind.VERBATIM));
        assertTrue(e.getMessage().contains("'rho'"), e.getMessage());
    }

    @Test
    void fixedStepsLandOnEverySaveTime() {
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(Problems.DECAY).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder().dt(0.003))
                     .memoryManager(mm).build();
             SolveResult r = s.solve(Batch.defaults(Problems.DECAY), TimeSpec.of(1).withT0(2).withWarmup(0.5).withSaveEvery(0.1))) {
            assertEquals(11, r.time().length);
            assertEquals(2.5, r.time()[0]);
            assertEquals(3.5, r.time()[10], 1e-12);
            for (int k = 0; k < 11; k++) {
                assertEquals(Math.exp(-1.5 * (0.5 + 0.1 * k)), r.state().get(k, 0, 0), 1e-9);
            }
        }
    }

    @Test
    void withoutTheStartOnlyLaterSamplesAreSaved() {
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(Problems.DECAY).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder().dt(0.003))
                     .memoryManager(mm).build();
             SolveResult last = s.solve(Batch.defaults(Problems.DECAY), TimeSpec.finalState(1).withT0(2));
             SolveResult every = s.solve(Batch.defaults(Problems.DECAY), TimeSpec.of(1).withSaveEvery(0.25).withSaveStart(false))) {
            assertArrayEquals(new double[] {3.0}, last.time());
            assertEquals(1, last.state().shape()[0]);
            assertEquals(Math.exp(-1.5), last.state().get(0, 0, 0), 1e-9);
            assertArrayEquals(new double[] {0.25, 0.5, 0.75, 1.0}, every.time(), 1e-12);
            assertEquals(Math.exp(-1.5 * 0.25), every.state().get(0, 0, 0), 1e-9);
        }
    }
}
