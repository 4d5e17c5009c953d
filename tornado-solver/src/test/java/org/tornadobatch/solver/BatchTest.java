package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.system.OdeSystem;

/** Batches from sweeps: every run's values against the order {@code itertools.product} gives, written out here. */
class BatchTest {
    private static final OdeSystem SYSTEM = OdeSystem.parse("""
            states: x = 1.5, y = -2.0
            parameters: a = 3.0, b = 4.0, c = 5.0
            dx = a * x + b
            dy = c * y
            """, "sweeps");

    private static double[] values(int n, double offset) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = offset + i;
        }
        return v;
    }

    @Test
    void aLargeCombinatorialGridHoldsEveryRunInProductOrder() {
        // 64 x 50 x 61 = 195,200 runs: filled in several blocks, whose edges fall inside runs of equal values.
        double[] x = values(64, 100);
        double[] a = values(50, 1000);
        double[] c = values(61, 5000);
        Map<String, double[]> sweeps = new LinkedHashMap<>();
        sweeps.put("c", c); // the map's order does not matter: the system's declaration order does
        sweeps.put("x", x);
        sweeps.put("a", a);
        Batch b = Batch.grid(SYSTEM, sweeps, GridKind.COMBINATORIAL);
        assertEquals(64 * 50 * 61, b.runs());
        int r = 0;
        for (double xv : x) {
            for (double av : a) {
                for (double cv : c) {
                    assertEquals(xv, b.state(0, r), "x of run " + r);
                    assertEquals(-2.0, b.state(1, r), "y (default) of run " + r);
                    assertEquals(av, b.parameter(0, r), "a of run " + r);
                    assertEquals(4.0, b.parameter(1, r), "b (default) of run " + r);
                    assertEquals(cv, b.parameter(2, r), "c of run " + r);
                    r++;
                }
            }
        }
    }

    @Test
    void aLargeVerbatimGridPairsTheListsRunByRun() {
        int n = 300_001;
        double[] y = values(n, -7);
        Map<String, double[]> sweeps = new LinkedHashMap<>();
        sweeps.put("y", y);
        sweeps.put("b", new double[] {0.25});
        Batch b = Batch.grid(SYSTEM, sweeps, GridKind.VERBATIM);
        assertEquals(n, b.runs());
        for (int r = 0; r < n; r++) {
            assertEquals(1.5, b.state(0, r));
            assertEquals(-7 + r, b.state(1, r), "y of run " + r);
            assertEquals(0.25, b.parameter(1, r), "b, one value for every run");
            assertEquals(5.0, b.parameter(2, r));
        }
    }

    @Test
    void columnsEveryRunSharesAreHeldAsOneValue() {
        Map<String, double[]> sweeps = new LinkedHashMap<>();
        sweeps.put("a", values(1000, 0));
        sweeps.put("c", new double[] {0.5}); // a sweep of one value: shared too
        Batch b = Batch.grid(SYSTEM, sweeps, GridKind.COMBINATORIAL);
        assertEquals(1000, b.parameterColumn(0).length, "a, swept");
        assertEquals(1, b.stateColumn(0).length, "x, its default");
        assertEquals(1, b.parameterColumn(2).length, "c, one value");
        double[] x = new double[1000];
        Arrays.fill(x, 1.5);
        double[] c = new double[1000];
        Arrays.fill(c, 0.5);
        assertTrue(Arrays.equals(x, b.stateRow(0)), "x per run");
        assertTrue(Arrays.equals(c, b.parameterRow(2)), "c per run");
        Batch s = b.slice(990, 10);
        assertEquals(10, s.stateRow(0).length);
        assertEquals(995.0, s.parameter(0, 5));
        assertEquals(0.5, s.parameter(2, 9));
        assertEquals(List.of("a", "c"), b.givenColumns());
    }

    @Test
    void aSolveReadsSharedColumnsAsIfGivenPerRun() {
        // The same runs twice: sigma and the initial state shared (one value each), then given per run, in
        // both precisions, in chunks (so slices start past run 0): the results are the same bits.
        OdeSystem lorenz = Problems.LORENZ;
        int n = 5000;
        double[] rho = values(n, 0);
        Map<String, double[]> perRun = new LinkedHashMap<>();
        perRun.put("rho", rho);
        for (String v : List.of("x", "y", "z", "sigma")) {
            int c = Batch.grid(lorenz, Map.of(), GridKind.VERBATIM).columns().indexOf(v);
            double[] col = new double[n];
            Arrays.fill(col, Batch.defaults(lorenz).value(c, 0));
            perRun.put(v, col);
        }
        Batch shared = Batch.grid(lorenz, Map.of("rho", rho), GridKind.VERBATIM);
        Batch given = Batch.grid(lorenz, perRun, GridKind.VERBATIM);
        assertEquals(1, shared.parameterColumn(0).length);
        assertEquals(n, given.parameterColumn(0).length);
        TimeSpec time = TimeSpec.of(0.5).withSaveEvery(0.1);
        for (Precision p : Precision.values()) {
            try (MemoryManager small = MemoryManager.builder(new JvmRuntime(4L << 20, 2)).build();
                 Solver s = Solver.builder(lorenz).precision(p).outputs(OutputSpec.of(List.of("state"))).memoryManager(small)
                         .memProportion(0.05).build();
                 SolveResult a = s.solve(shared, time);
                 SolveResult b = s.solve(given, time)) {
                assertTrue(a.info().chunks() >= 2, "chunks: " + a.info().chunks());
                assertEquals(-1L, a.state().segment().mismatch(b.state().segment()), p + ": states differ");
                assertTrue(Arrays.equals(a.acceptedSteps(), b.acceptedSteps()), p.toString());
            }
        }
    }
}
