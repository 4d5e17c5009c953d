package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
        assertFalse(b.parameterColumn(0).shared(), "a, swept");
        assertTrue(b.stateColumn(0).shared(), "x, its default");
        assertTrue(b.parameterColumn(2).shared(), "c, one value");
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
        assertTrue(shared.parameterColumn(0).shared());
        assertFalse(given.parameterColumn(0).shared());
        assertSameSolve(lorenz, shared, given, 4L << 20, a -> { });
    }

    /**
     * A sweep given as its description ({@code Sweep.Linspace}, what {@code --sweep} passes) is the batch of its values
     * as {@code Sweep.linspace} makes them: every run, in a combinatorial grid with a list before and after it, in
     * slices, and in the blocks the solve fills rows by (which start inside runs of equal values).
     */
    @Test
    void aSweepGivenByItsDescriptionIsTheBatchOfItsValues() {
        Sweep.Linspace lin = new Sweep.Linspace(-3.5, 21.25, 333);
        double[] x = values(7, 100);
        double[] c = values(61, 5000);
        Map<String, double[]> lists = new LinkedHashMap<>();
        lists.put("x", x);
        lists.put("c", c);
        Batch lazy = Batch.grid(SYSTEM, lists, Map.of("a", lin), GridKind.COMBINATORIAL);
        Map<String, double[]> all = new LinkedHashMap<>(lists);
        all.put("a", Sweep.linspace(-3.5, 21.25, 333));
        Batch listed = Batch.grid(SYSTEM, all, GridKind.COMBINATORIAL);
        assertEquals(7 * 333 * 61, lazy.runs());
        assertEquals(List.of("x", "a", "c"), lazy.givenColumns());
        double[] a = Sweep.linspace(-3.5, 21.25, 333);
        int r = 0;
        for (double xv : x) {
            for (double av : a) {
                for (double cv : c) {
                    assertEquals(xv, lazy.state(0, r), "x of run " + r);
                    assertEquals(Double.doubleToRawLongBits(av), Double.doubleToRawLongBits(lazy.parameter(0, r)), "a of run " + r);
                    assertEquals(cv, lazy.parameter(2, r), "c of run " + r);
                    r++;
                }
            }
        }
        java.util.Random rnd = new java.util.Random(7);
        for (int k = 0; k < 200; k++) {
            int first = rnd.nextInt(lazy.runs());
            int count = 1 + rnd.nextInt(Math.min(5000, lazy.runs() - first));
            Batch s = lazy.slice(first, count);
            int from = rnd.nextInt(count);
            int n = 1 + rnd.nextInt(count - from);
            for (int col = 0; col < 5; col++) {
                RunColumn rc = col < 2 ? s.stateColumn(col) : s.parameterColumn(col - 2);
                double[] got = new double[n + 2];
                rc.copyTo(got, 1, from, n);
                for (int j = 0; j < n; j++) {
                    assertEquals(listed.value(col, first + from + j), got[1 + j], "column " + col + ", run " + (first + from + j));
                }
                assertEquals(0.0, got[0]);
                assertEquals(0.0, got[n + 1], "copyTo writes only its n values");
            }
        }
        assertTrue(Arrays.equals(listed.parameterRow(0), lazy.parameterRow(0)));
        assertTrue(Arrays.equals(listed.stateRow(0), lazy.stateRow(0)));
        // the values of a large sweep alone, as linspace's parallel fill makes them
        Batch big = Batch.grid(SYSTEM, Map.of(), Map.of("b", new Sweep.Linspace(0, 21, 1 << 20)), GridKind.VERBATIM);
        assertTrue(Arrays.equals(Sweep.linspace(0, 21, 1 << 20), big.parameterRow(1)));
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> Batch.grid(SYSTEM, Map.of("a", x), Map.of("a", lin), GridKind.COMBINATORIAL));
        assertTrue(twice.getMessage().contains("'a' is given twice"), twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Sweep.Linspace(0, Double.NaN, 3));
    }

    /**
     * A swept batch solves to the same bits whether its sweeps are descriptions or arrays: in both precisions, in
     * chunks (slices start past run 0), a combinatorial grid of two sweeps against the same runs listed one by one.
     */
    @Test
    void aSolveOfDescribedSweepsEqualsTheSolveOfTheirValues() {
        OdeSystem lorenz = Problems.LORENZ;
        Sweep.Linspace rho = new Sweep.Linspace(0, 28, 97);
        Sweep.Linspace x0 = new Sweep.Linspace(-1, 1, 53);
        double[] rhoV = Sweep.linspace(0, 28, 97);
        double[] xV = Sweep.linspace(-1, 1, 53);
        double[] rhoRuns = new double[97 * 53];
        double[] xRuns = new double[97 * 53];
        for (int i = 0; i < 53; i++) { // x is declared first (a state): it varies slowest
            for (int j = 0; j < 97; j++) {
                xRuns[i * 97 + j] = xV[i];
                rhoRuns[i * 97 + j] = rhoV[j];
            }
        }
        Batch described = Batch.grid(lorenz, Map.of(), Map.of("rho", rho, "x", x0), GridKind.COMBINATORIAL);
        Batch listed = Batch.grid(lorenz, Map.of("rho", rhoRuns, "x", xRuns), GridKind.VERBATIM);
        assertSameSolve(lorenz, described, listed, 1L << 20, a -> assertEquals(xV[52], a.state().get(0, 0, 97 * 53 - 1), "the last run's x at t = 0"));
    }

    /**
     * Solves both batches in both precisions on a jvm runtime of {@code deviceBytes}, in chunks (so slices start past
     * run 0): the same saved states, bit for bit, and the same step counts; {@code more} checks the first result further.
     */
    private static void assertSameSolve(OdeSystem system, Batch one, Batch other, long deviceBytes, java.util.function.Consumer<SolveResult> more) {
        TimeSpec time = TimeSpec.of(0.5).withSaveEvery(0.1);
        for (Precision p : Precision.values()) {
            try (MemoryManager small = MemoryManager.builder(new JvmRuntime(deviceBytes, 2)).build();
                 Solver s = Solver.builder(system).precision(p).outputs(OutputSpec.of(List.of("state"))).memoryManager(small)
                         .memProportion(0.05).build();
                 SolveResult a = s.solve(one, time);
                 SolveResult b = s.solve(other, time)) {
                assertTrue(a.info().chunks() >= 2, "chunks: " + a.info().chunks());
                assertEquals(-1L, a.state().segment().mismatch(b.state().segment()), p + ": states differ");
                assertTrue(Arrays.equals(a.acceptedSteps(), b.acceptedSteps()), p.toString());
                more.accept(a);
            }
        }
    }
}
