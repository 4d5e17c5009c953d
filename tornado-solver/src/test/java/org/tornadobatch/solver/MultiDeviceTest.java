package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;

/**
 * A solve spread over several devices ({@code Solver.Builder.devices}): here jvm runtimes of their own (the logic
 * that GPUs share: a memory manager, arrays, chunks and kernel per device, ranges by shares, one result), so that it
 * is tested where no GPU is. Each device's runs equal one device's solve of the whole batch bit for bit.
 */
class MultiDeviceTest {
    static final OutputSpec OUT = OutputSpec.of(List.of("state", "mean", "extrema", "step_counts"));
    static final TimeSpec TIME = TimeSpec.of(1).withSaveEvery(0.1).withSummariseEvery(0.5);

    private static MemoryManager device(long bytes, int threads) {
        return MemoryManager.builder(new JvmRuntime(bytes, threads)).build();
    }

    private static void closeAll(MemoryManager... ms) {
        for (MemoryManager m : ms) {
            m.close();
            m.runtime().close();
        }
    }

    private static void sameBits(SolveResult a, SolveResult b) {
        assertEquals(-1L, a.state().segment().mismatch(b.state().segment()), "state");
        assertEquals(-1L, a.stateSummaries().segment().mismatch(b.stateSummaries().segment()), "summaries");
        assertEquals(-1L, a.stepCounts().segment().mismatch(b.stepCounts().segment()), "step counts");
        assertArrayEquals(a.status(), b.status());
        assertArrayEquals(a.acceptedSteps(), b.acceptedSteps());
        assertArrayEquals(a.rejectedSteps(), b.rejectedSteps());
    }

    @Test
    void runsSpreadOverDevicesEqualOneDevicesSolveBitForBit() {
        Batch batch = SolverBehaviourTest.lorenzSweep(1001);
        MemoryManager one = device(256L << 20, 2);
        MemoryManager a = device(256L << 20, 1);
        MemoryManager b = device(96L << 10, 1); // small: its share of the runs goes in several chunks
        MemoryManager c = device(256L << 20, 1);
        try {
            for (var m : List.of(java.util.Map.entry(Algorithm.CLASSICAL_RK4, StepControl.builder().controller(Controller.FIXED).dt(1e-3)),
                    java.util.Map.entry(Algorithm.DORMAND_PRINCE_54, StepControl.builder().atol(1e-8).rtol(1e-8)))) {
                try (Solver single = Solver.builder(Problems.LORENZ).algorithm(m.getKey()).stepControl(m.getValue()).outputs(OUT)
                        .memoryManager(one).build();
                     Solver two = Solver.builder(Problems.LORENZ).algorithm(m.getKey()).stepControl(m.getValue()).outputs(OUT)
                             .devices(a, b).build();
                     Solver uneven = Solver.builder(Problems.LORENZ).algorithm(m.getKey()).stepControl(m.getValue()).outputs(OUT)
                             .devices(a, b, c).deviceShares(1, 0, 3).build();
                     SolveResult whole = single.solve(batch, TIME)) {
                    assertArrayEquals(new double[] {0.5, 0.5}, two.deviceShares(), "equal shares before any solve");
                    try (SolveResult spread = two.solve(batch, TIME)) {
                        sameBits(whole, spread);
                        assertEquals("jvm", spread.info().backend());
                        assertEquals(a.runtime().deviceName() + " + " + b.runtime().deviceName(), spread.info().device());
                        assertTrue(spread.info().chunks() >= 3, "the small device's runs in chunks: " + spread.info().chunks());
                    }
                    var times = two.lastDeviceTimes();
                    assertEquals(List.of(501L, 500L), times.stream().map(t -> t.runs()).toList(), "equal shares of 1001 runs, the odd run to the first");
                    assertTrue(times.stream().allMatch(t -> t.wallMillis() > 0 && t.kernelMillis() > 0), times.toString());
                    double[] measured = two.deviceShares();
                    assertEquals(1.0, measured[0] + measured[1], 1e-12);
                    assertTrue(measured[0] > 0 && measured[1] > 0, java.util.Arrays.toString(measured));
                    try (SolveResult again = two.solve(batch, TIME)) { // split by the measured shares this time
                        sameBits(whole, again);
                    }
                    try (SolveResult r = uneven.solve(batch, TIME)) { // the second device takes no run
                        sameBits(whole, r);
                        assertArrayEquals(new double[] {0.25, 0, 0.75}, uneven.deviceShares(), "given shares stay");
                        assertEquals(List.of(250L, 751L), uneven.lastDeviceTimes().stream().map(t -> t.runs()).toList(), "no part for the idle device");
                    }
                }
            }
        } finally {
            closeAll(one, a, b, c);
        }
    }

    @Test
    void memProportionBoundsEveryDevicesShare() {
        Batch batch = SolverBehaviourTest.lorenzSweep(1000);
        MemoryManager a = device(16L << 20, 1);
        MemoryManager b = device(16L << 20, 1);
        try (Solver whole = Solver.builder(Problems.LORENZ).outputs(OUT).devices(a, b).build();
             Solver bounded = Solver.builder(Problems.LORENZ).outputs(OUT).devices(a, b).memProportion(0.005).build();
             SolveResult w = whole.solve(batch, TIME);
             SolveResult r = bounded.solve(batch, TIME)) {
            assertEquals(2, w.info().chunks(), "a chunk per device");
            assertTrue(r.info().chunks() >= 6, "each device's runs in chunks of its bounded share: " + r.info().chunks());
            sameBits(w, r);
        } finally {
            closeAll(a, b);
        }
    }

    @Test
    void sharesAreSplitByLargestRemaindersAndCheckedWhereGiven() {
        assertArrayEquals(new long[] {0, 3, 3, 10}, org.tornadobatch.solver.run.SplitRun.ranges(10, new double[] {1, 0, 2.5}));
        assertArrayEquals(new long[] {0, 4, 7, 10}, org.tornadobatch.solver.run.SplitRun.ranges(10, new double[] {1, 1, 1}));
        assertArrayEquals(new long[] {0, 0, 1}, org.tornadobatch.solver.run.SplitRun.ranges(1, new double[] {1, 3}));
        MemoryManager a = device(16L << 20, 1);
        MemoryManager b = device(16L << 20, 1);
        try {
            Solver.Builder s = Solver.builder(Problems.LORENZ);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Solver.builder(Problems.LORENZ).devices(a, a).build())
                    .getMessage().contains("given twice"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Solver.builder(Problems.LORENZ).devices(a).build())
                    .getMessage().startsWith("devices: 1 memory manager"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Solver.builder(Problems.LORENZ).devices(a, b).deviceShares(1).build())
                    .getMessage().startsWith("deviceShares: 1 shares for 2 devices"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Solver.builder(Problems.LORENZ).devices(a, b).deviceShares(1, -1).build())
                    .getMessage().startsWith("shares: [1.0, -1.0]"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> s.devices(a, b).memoryManager(a).build())
                    .getMessage().startsWith("devices: given with memoryManager"));
            try (Solver two = Solver.builder(Problems.LORENZ).devices(a, b).build()) {
                assertTrue(assertThrows(IllegalStateException.class, () -> two.prepare(SolverBehaviourTest.lorenzSweep(10), TIME))
                        .getMessage().startsWith("prepare: this solver spreads its solves over 2 devices"));
            }
        } finally {
            closeAll(a, b);
        }
    }
}
