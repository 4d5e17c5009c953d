package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.memory.MemoryLimitExceededException;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.system.OdeSystem;
import org.tornadobatch.system.SystemDefinitionException;

/** Regressions of issue 15 at the Java API: each failed on 03a84e2. */
class CorrectnessRegressionTest {

    /** Classical RK4 of the Lorenz system written out by hand, independent of the generator. */
    static double[] lorenzRk4(double sigma, double rho, double beta, double[] y0, double dt, int steps) {
        double[] y = y0.clone();
        for (int n = 0; n < steps; n++) {
            double[] k1 = lorenz(sigma, rho, beta, y);
            double[] k2 = lorenz(sigma, rho, beta, add(y, k1, dt / 2));
            double[] k3 = lorenz(sigma, rho, beta, add(y, k2, dt / 2));
            double[] k4 = lorenz(sigma, rho, beta, add(y, k3, dt));
            for (int i = 0; i < 3; i++) {
                y[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
            }
        }
        return y;
    }

    private static double[] lorenz(double s, double r, double b, double[] y) {
        return new double[] {s * (y[1] - y[0]), y[0] * (r - y[2]) - y[1], y[0] * y[1] - b * y[2]};
    }

    private static double[] add(double[] y, double[] k, double h) {
        return new double[] {y[0] + h * k[0], y[1] + h * k[1], y[2] + h * k[2]};
    }

    private static double[] solveRk4(OdeSystem system) {
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(system).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder().dt(1e-3))
                     .memoryManager(mm).build();
             SolveResult r = s.solve(Batch.defaults(system), TimeSpec.finalState(1))) {
            return Problems.finalState(r, 0);
        }
    }

    @Test
    void withConstantChangesTheSolutionAsTheFileWould() {
        OdeSystem file = Problems.LORENZ;
        double beta = file.constants().get("beta");
        OdeSystem set = file.withConstant("beta", 1);
        OdeSystem written = OdeSystem.parse(Problems.LORENZ.sourceText().replaceFirst("beta = [^\\n]*", "beta = 1"), "lorenz");
        double[] a = solveRk4(set);
        double[] b = solveRk4(written);
        double[] base = solveRk4(file);
        for (int i = 0; i < 3; i++) {
            assertEquals(Double.doubleToRawLongBits(b[i]), Double.doubleToRawLongBits(a[i]), "bit for bit with the file's constant");
        }
        double[] expected = lorenzRk4(10, 28, 1, new double[] {1, 0, 0}, 1e-3, 1000);
        double[] other = lorenzRk4(10, 28, beta, new double[] {1, 0, 0}, 1e-3, 1000);
        for (int i = 0; i < 3; i++) {
            assertEquals(expected[i], a[i], 1e-9 * Math.max(1, Math.abs(expected[i])), "state " + i);
            assertEquals(other[i], base[i], 1e-9 * Math.max(1, Math.abs(other[i])), "state " + i + " with the file's beta");
        }
        assertNotEquals(a[0], base[0]);
    }

    @Test
    void nonFiniteConstantsAndValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Problems.LORENZ.withConstant("beta", Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Problems.LORENZ.withDefault("rho", Double.POSITIVE_INFINITY));
        for (String bad : List.of("constants: c = 1/0", "constants: c = 1e400", "constants: c = log(0)", "parameters: c = 1e999")) {
            SystemDefinitionException e = assertThrows(SystemDefinitionException.class,
                    () -> OdeSystem.parse("states: x = 1\n" + bad + "\ndx = -c*x\n", "s"), bad);
            assertTrue(e.getMessage().startsWith("s:2:"), e.getMessage());
        }
        assertThrows(SystemDefinitionException.class, () -> OdeSystem.parse("states: x = 1\ndx = -x*1e400\n", "s"));
        assertThrows(SystemDefinitionException.class, () -> OdeSystem.parse("states: x = 1\nconstants: c = 0\ndx = -x*(1/c)\n", "s"));
        assertThrows(SystemDefinitionException.class, () -> OdeSystem.builder("b").state("x", Double.NaN).equations("dx = -x").build());
        assertThrows(IllegalArgumentException.class, () -> Batch.grid(Problems.LORENZ, Map.of("rho", new double[] {1, Double.NaN}),
                GridKind.COMBINATORIAL));
    }

    @Test
    void theGridOrderIsTheSystemsDeclarationOrderWhateverTheMap() {
        double[] x = {1, 2};
        double[] sigma = {10, 20, 30};
        double[] rho = {5, 6};
        List<Map<String, double[]>> maps = new java.util.ArrayList<>();
        for (List<String> order : List.of(List.of("x", "sigma", "rho"), List.of("rho", "sigma", "x"), List.of("sigma", "x", "rho"))) {
            Map<String, double[]> m = new LinkedHashMap<>();
            for (String n : order) {
                m.put(n, n.equals("x") ? x : n.equals("sigma") ? sigma : rho);
            }
            maps.add(m);
        }
        maps.add(new HashMap<>(maps.get(1)));
        maps.add(Map.of("rho", rho, "x", x, "sigma", sigma));
        // Expected, as itertools.product over (x, sigma, rho): states first, then parameters in declaration order.
        List<double[]> expected = new java.util.ArrayList<>();
        for (double a : x) {
            for (double s : sigma) {
                for (double r : rho) {
                    expected.add(new double[] {a, s, r});
                }
            }
        }
        for (Map<String, double[]> m : maps) {
            Batch b = Batch.grid(Problems.LORENZ, m, GridKind.COMBINATORIAL);
            assertEquals(expected.size(), b.runs());
            for (int r = 0; r < b.runs(); r++) {
                assertArrayEquals(expected.get(r), new double[] {b.state(0, r), b.parameter(0, r), b.parameter(1, r)}, "run " + r + " of " + m.keySet());
            }
        }
    }

    @Test
    void stepOptionsAFixedStepMethodWouldIgnoreAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StepControl.builder().atol(1e-8).resolve(Algorithm.CLASSICAL_RK4, 3));
        assertTrue(e.getMessage().startsWith("atol: "), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StepControl.builder().rtol(1e-8).dtMax(1).resolve(Algorithm.CLASSICAL_RK4, 3));
        assertThrows(IllegalArgumentException.class, () -> Solver.builder(Problems.LORENZ).algorithm(Algorithm.CLASSICAL_RK4)
                .stepControl(StepControl.builder().atol(1e-8)).memoryManager(Problems.memory()).build());
        assertEquals(1e-8, StepControl.builder().atol(1e-8).resolve(Algorithm.of("dormand-prince-54"), 3).atol()[2]);
        assertEquals(1e-3, StepControl.builder().dt(1e-3).resolve(Algorithm.CLASSICAL_RK4, 3).dt());
    }

    @Test
    void stepControlPrintsItsTolerances() {
        String s = StepControl.builder().atol(1e-7, 2e-7, 3e-7).resolve(Algorithm.of("tsit5"), 3).toString();
        assertTrue(s.contains("atol=[1.0E-7, 2.0E-7, 3.0E-7]"), s);
        assertFalse(s.contains("[D@"), s);
    }

    @Test
    void peaksAreAskedForOnceAndWithinTheLimit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OutputSpec.of(List.of("state", "peaks[2]", "peaks[3]")));
        assertTrue(e.getMessage().contains("peaks[n] once"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OutputSpec.of(List.of("peaks[65]")));
        assertThrows(IllegalArgumentException.class, () -> OutputSpec.of(List.of("peaks[1000000000]")));
        assertThrows(IllegalArgumentException.class, () -> OutputSpec.of(List.of("peaks[99999999999]")));
        assertEquals(64, OutputSpec.of(List.of("peaks[64]")).slotsPerVariable());
    }

    @Test
    void everyPeakSlotIsWritten() {
        // x = sin(t) peaks at pi/2 + 2 pi k: three peaks in [0, 16].
        OdeSystem osc = OdeSystem.parse("states: x = 0, v = 1\ndx = v\ndv = -x\n", "osc");
        try (MemoryManager mm = Problems.memory();
             Solver s = Solver.builder(osc).outputs(OutputSpec.of(List.of("state", "peaks[3]")))
                     .stepControl(StepControl.builder().atol(1e-10).rtol(1e-10)).memoryManager(mm).build();
             SolveResult r = s.solve(Batch.defaults(osc), TimeSpec.of(16).withSaveEvery(0.01))) {
            List<String> slots = r.stateSummaries().variables();
            assertEquals(List.of("x.peak0", "x.peak1", "x.peak2", "v.peak0", "v.peak1", "v.peak2"), slots);
            for (int k = 0; k < 3; k++) {
                assertEquals(Math.PI / 2 + 2 * Math.PI * k, r.stateSummaries().get(0, k, 0), 0.011, "peak " + k);
            }
        }
    }

    @Test
    void expressionsPastTheLimitsAreRefusedWithAPosition() {
        String sum = String.join(" + ", java.util.Collections.nCopies(10_000, "x"));
        String parens = "(".repeat(20_000) + "x" + ")".repeat(20_000);
        String minus = "-".repeat(20_000) + "x";
        String powers = "x" + "^x".repeat(20_000);
        for (String rhs : List.of(sum, parens, minus, powers)) {
            SystemDefinitionException e = assertThrows(SystemDefinitionException.class, () -> OdeSystem.parse("states: x = 1\ndx = " + rhs + "\n", "s"));
            assertTrue(e.getMessage().startsWith("s:2:"), e.getMessage());
            assertTrue(e.getMessage().contains("split it into auxiliaries"), e.getMessage());
        }
        StringBuilder many = new StringBuilder("states: ");
        for (int i = 0; i <= OdeSystem.MAX_STATES; i++) {
            many.append(i == 0 ? "" : ", ").append("x").append(i).append(" = 1");
        }
        many.append('\n');
        for (int i = 0; i <= OdeSystem.MAX_STATES; i++) {
            many.append("dx").append(i).append(" = -x").append(i).append('\n');
        }
        SystemDefinitionException e = assertThrows(SystemDefinitionException.class, () -> OdeSystem.parse(many.toString(), "s"));
        assertTrue(e.getMessage().contains("at most " + OdeSystem.MAX_STATES), e.getMessage());
    }

    @Test
    void theDeepestAcceptedExpressionCompilesAndSolves() {
        // A sum of 999 terms is 1000 levels deep with its factor: the generated Java compiles (javac on a big stack).
        String sum = String.join(" + ", java.util.Collections.nCopies(999, "x"));
        OdeSystem s = OdeSystem.parse("states: x = 1\ndx = -1e-3 * (" + sum + ")\n", "deep");
        try (MemoryManager mm = Problems.memory();
             Solver solver = Solver.builder(s).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder().dt(1e-3)).memoryManager(mm).build();
             SolveResult r = solver.solve(Batch.defaults(s), TimeSpec.finalState(1))) {
            assertEquals(Math.exp(-0.999), r.state().get(0, 0, 0), 1e-9);
        }
    }

    @Test
    void outputTimesBeyondTheScheduleLimitAreRefusedUpFront() {
        // --save-every 1e-300 hung building 5e298 samples.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimeSpec.of(0.05).withSaveEvery(1e-300));
        assertTrue(e.getMessage().startsWith("saveEvery: 1.0E-300 gives 5.00e+298 samples"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TimeSpec.of(1).withSummariseEvery(1e-9));
        assertThrows(IllegalArgumentException.class, () -> TimeSpec.of(1).withSampleEvery(1e-9));
        assertEquals(1e-6, TimeSpec.of(1).withSaveEvery(1e-6).saveEvery());
    }

    @Test
    void aBatchOfMoreRunsThanTheHeapCouldTabulateHoldsNoTableOfThem() {
        // Once, such a batch built a table of a value per run for each swept column and ran out of memory; it was then
        // refused up front. Now a combinatorial column is its list and stride: the batch costs its lists' memory only.
        long heap = Runtime.getRuntime().maxMemory();
        long runs = Math.min(Integer.MAX_VALUE - 8, heap / (2 * 8) + 1);
        if (runs * 2 * 8 <= heap) {
            return; // a heap over 80 GiB: every int-sized batch fits
        }
        int n = (int) Math.sqrt(runs) + 1;
        if ((long) n * n > Integer.MAX_VALUE - 8) {
            return; // past the runs one batch holds
        }
        double[] a = Sweep.linspace(0, 21, n);
        double[] b = Sweep.linspace(5, 15, n);
        Batch batch = Batch.grid(Problems.LORENZ, Map.of("rho", a, "sigma", b), GridKind.COMBINATORIAL);
        assertEquals((long) n * n, batch.runs());
        int sigma = batch.columns().indexOf("sigma");
        int rho = batch.columns().indexOf("rho");
        for (int r : new int[] {0, 1, n - 1, n, n + 3, batch.runs() / 2, batch.runs() - 1}) {
            // sigma is declared before rho: it varies slowest
            assertEquals(b[r / n], batch.value(sigma, r), "sigma of run " + r);
            assertEquals(a[r % n], batch.value(rho, r), "rho of run " + r);
        }
    }

    @Test
    void aResultTooBigForTheSpillDiskIsRefusedBeforeAnyDeviceMemory(@TempDir Path spill) {
        JvmRuntime rt = new JvmRuntime(1L << 30, 1);
        try (rt; MemoryManager mm = MemoryManager.builder(rt).hostSpillThresholdBytes(1).spillDirectory(spill).build();
             Solver s = Solver.builder(Problems.LORENZ).memoryManager(mm).build()) {
            long free = Files.getFileStore(spill).getUsableSpace();
            int runs = 1 << 20;
            double saveEvery = 3.0 * 8 * runs / (double) free / 4; // about 4x the free disk
            MemoryLimitExceededException e = assertThrows(MemoryLimitExceededException.class, () -> s.solve(
                    Batch.grid(Problems.LORENZ, Map.of("rho", new double[runs]), GridKind.COMBINATORIAL), TimeSpec.of(1).withSaveEvery(saveEvery)));
            assertEquals(MemoryLimitExceededException.Reason.HOST_RESULT_TOO_LARGE, e.reason(), e.getMessage());
            assertEquals(0, rt.allocatedBytes(), "no device memory was allocated");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
