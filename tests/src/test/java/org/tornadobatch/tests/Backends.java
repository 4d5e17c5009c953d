package org.tornadobatch.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.GridKind;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.ResultArray;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.system.OdeSystem;
import org.tornadobatch.testing.SystemProperties;

/** What the per-backend tests share: the test systems, their batches, a solve, and the comparison with the jvm backend. */
public final class Backends {
    public static final OdeSystem LORENZ = OdeSystem.parse("""
            states: x = 1.0, y = 0.0, z = 0.0
            parameters: sigma = 10.0, rho = 28.0
            constants: beta = 8/3
            dx = sigma * (y - x)
            dy = x * (rho - z) - y
            dz = x * y - beta * z
            """, "lorenz");

    public static final OdeSystem PENDULUM = OdeSystem.parse("""
            states: theta = 0.2, omega = 0
            parameters: damping = 0.5, drive = 1.2, freq = 0.667
            observables: energy
            energy = 0.5 * omega^2 + (1 - cos(theta))
            dtheta = omega
            domega = -damping * omega - sin(theta) + drive * cos(freq * t)
            """, "pendulum");

    private Backends() {
    }

    /** Lorenz with rho = linspace(0, 21, n). */
    public static Batch lorenzBatch(int n) {
        double[] rho = new double[n];
        for (int i = 0; i < n; i++) {
            rho[i] = 21.0 * i / (n - 1);
        }
        return Batch.grid(LORENZ, Map.of("rho", rho), GridKind.COMBINATORIAL);
    }

    /** The driven pendulum with drive = linspace(0, 1.5, n). */
    public static Batch pendulumBatch(int n) {
        double[] drive = new double[n];
        for (int i = 0; i < n; i++) {
            drive[i] = 1.5 * i / (n - 1);
        }
        return Batch.grid(PENDULUM, Map.of("drive", drive), GridKind.COMBINATORIAL);
    }

    public static SolveResult solve(MemoryManager m, OdeSystem sys, Algorithm a, StepControl.Builder c, Precision p, OutputSpec o,
                                    Batch b, TimeSpec t) {
        try (Solver s = Solver.builder(sys).algorithm(a).stepControl(c).precision(p).outputs(o).memoryManager(m).build()) {
            return s.solve(b, t);
        }
    }

    /**
     * Largest |a - b| / (rtol |b| + atol) over every value of every array (NaN in both counts as equal); the
     * shapes and every run's status must be equal.
     */
    public static double worst(SolveResult device, SolveResult jvm, double rtol, double atol) {
        double worst = 0;
        String where = "";
        long nanInOne = 0;
        List<ResultArray> ga = device.arrays();
        List<ResultArray> ja = jvm.arrays();
        assertEquals(ja.size(), ga.size());
        for (int k = 0; k < ga.size(); k++) {
            long[] shape = ga.get(k).shape();
            assertArrayEquals(ja.get(k).shape(), shape);
            for (long i = 0; i < shape[0]; i++) {
                for (long v = 0; v < shape[1]; v++) {
                    for (long r = 0; r < shape[2]; r++) {
                        double g = ga.get(k).get(i, v, r);
                        double j = ja.get(k).get(i, v, r);
                        if (Double.isNaN(g) && Double.isNaN(j)) {
                            continue;
                        }
                        double w = Math.abs(g - j) / (rtol * Math.abs(j) + atol);
                        if (Double.isNaN(w)) {
                            if (nanInOne++ == 0) {
                                System.out.printf("%s[%d, %d, %d]: device %s, jvm %s (status %d vs %d)%n", ga.get(k).name(), i, v, r, g, j,
                                        device.status()[(int) r], jvm.status()[(int) r]);
                            }
                        } else if (w > worst) {
                            worst = w;
                            where = String.format("%s[%d, %d, %d]: device %s, jvm %s", ga.get(k).name(), i, v, r, g, j);
                        }
                    }
                }
            }
        }
        if (nanInOne > 0 || worst > 1) { // what a failure needs to be understood: every kind of difference
            System.out.printf("%d value(s) NaN in one result only; worst of the others %.3g at %s%n", nanInOne, worst, where);
        }
        assertArrayEquals(jvm.status(), device.status());
        return nanInOne > 0 ? Double.NaN : worst;
    }

    /** How many runs took the same number of accepted steps in both results. */
    public static long sameStepCounts(SolveResult a, SolveResult b) {
        long same = 0;
        for (int r = 0; r < a.runs(); r++) {
            same += a.acceptedSteps()[r] == b.acceptedSteps()[r] ? 1 : 0;
        }
        return same;
    }

    /** Mean accepted steps per run. */
    public static double meanSteps(SolveResult r) {
        long steps = 0;
        for (int i = 0; i < r.runs(); i++) {
            steps += r.acceptedSteps()[i];
        }
        return (double) steps / r.runs();
    }

    /** The two results hold the same bits in every array, and the same status and step counts. */
    public static void assertBitForBit(SolveResult expected, SolveResult actual) {
        List<ResultArray> e = expected.arrays();
        List<ResultArray> a = actual.arrays();
        assertEquals(e.size(), a.size());
        for (int k = 0; k < e.size(); k++) {
            assertEquals(-1, e.get(k).segment().mismatch(a.get(k).segment()), e.get(k).name());
        }
        assertArrayEquals(expected.acceptedSteps(), actual.acceptedSteps());
        assertArrayEquals(expected.rejectedSteps(), actual.rejectedSteps());
        assertArrayEquals(expected.status(), actual.status());
    }

    /**
     * Lorenz, Dormand-Prince with PI at 1e-8, saves every 0.05 over [0, 1], {@code n} runs: one chunk, then under a
     * memProportion that grants {@code chunkBytes}, which must give at least 4 chunks whose results equal the one
     * chunk's bit for bit.
     */
    public static void assertChunkedEqualsWhole(MemoryManager m, int n, double chunkBytes) {
        Batch lorenz = lorenzBatch(n);
        TimeSpec t = TimeSpec.of(1.0).withSaveEvery(0.05);
        StepControl.Builder c = StepControl.builder().controller(Controller.PI).atol(1e-8).rtol(1e-8);
        double proportion = chunkBytes / m.runtime().memoryInfo().totalBytes();
        try (SolveResult whole = solve(m, LORENZ, Algorithm.DORMAND_PRINCE_54, c, Precision.FLOAT64, OutputSpec.stateOnly(), lorenz, t);
             Solver s = Solver.builder(LORENZ).algorithm(Algorithm.DORMAND_PRINCE_54).stepControl(c).memoryManager(m)
                     .memProportion(proportion).build();
             SolveResult chunked = s.solve(lorenz, t)) {
            System.out.printf("%s chunked: %d chunks of %d runs (memProportion %.2e) vs %d chunk%n", m.runtime().name(),
                    chunked.info().chunks(), chunked.info().chunkLength(), proportion, whole.info().chunks());
            assertEquals(1, whole.info().chunks());
            assertTrue(chunked.info().chunks() >= 4, "chunks: " + chunked.info().chunks());
            assertBitForBit(whole, chunked);
        }
    }

    /** Runs {@code solve} with {@code -Dtornadobatch.slices} set to {@code slices}, restoring it afterwards. */
    public static SolveResult withSlices(String slices, Supplier<SolveResult> solve) {
        return SystemProperties.with("tornadobatch.slices", slices, solve);
    }

}
