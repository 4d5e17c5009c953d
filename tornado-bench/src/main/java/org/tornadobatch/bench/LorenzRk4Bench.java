package org.tornadobatch.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

import org.hipparchus.ode.ODEState;
import org.hipparchus.ode.OrdinaryDifferentialEquation;
import org.hipparchus.ode.nonstiff.ClassicalRungeKuttaIntegrator;
import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.GridKind;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.OdeSystem;

/**
 * Lorenz, classical RK4, dt = 0.001 over [0, 1], rho = linspace(0, 21, N), float64, state at t = 1 only:
 * the generated kernel (jvm backend), a hand-written Java loop of the same method (same threads, same blocks of
 * runs), and Hipparchus's ClassicalRungeKuttaIntegrator once per run. Prints one JSON line per variant with
 * runs x steps per second (best of the timed repetitions; the median too).
 *
 * <p>Arguments: {@code [log2 N (16)] [threads (all cores)] [repetitions (5)]}.
 */
public final class LorenzRk4Bench {
    private static final double DT = 1e-3;
    private static final int STEPS = 1000;

    private LorenzRk4Bench() {
    }

    public static void main(String[] args) throws Exception {
        int log2 = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int n = 1 << log2;
        double[] rho = new double[n];
        for (int i = 0; i < n; i++) {
            rho[i] = 21.0 * i / (n - 1);
        }
        OdeSystem lorenz = OdeSystem.parse("""
                states: x = 1.0, y = 0.0, z = 0.0
                parameters: sigma = 10.0, rho = 28.0
                constants: beta = 8/3
                dx = sigma * (y - x)
                dy = x * (rho - z) - y
                dz = x * y - beta * z
                """, "lorenz");
        String machine = Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version();

        // 1. The generated kernel through the solver.
        double[] kernelSeconds = new double[reps];
        double[] totalSeconds = new double[reps];
        double check;
        try (JvmRuntime rt = new JvmRuntime(JvmRuntime.defaultTotalBytes(), threads);
             MemoryManager mm = MemoryManager.builder(rt).build();
             Solver s = Solver.builder(lorenz).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder().dt(DT))
                     .memoryManager(mm).build()) {
            Batch batch = Batch.grid(lorenz, Map.of("rho", rho), GridKind.COMBINATORIAL);
            for (int w = 0; w < 2; w++) {
                s.solve(batch, TimeSpec.of(1)).close();
            }
            SolveResult last = null;
            for (int r = 0; r < reps; r++) {
                if (last != null) {
                    last.close();
                }
                last = s.solve(batch, TimeSpec.of(1));
                kernelSeconds[r] = last.info().kernelMillis() / 1e3;
                totalSeconds[r] = last.info().totalMillis() / 1e3;
            }
            check = last.state().get(1, 2, n - 1);
            last.close();
        }
        print("generated-kernel", n, threads, kernelSeconds, machine, check, "kernel time (SolveInfo.kernelMillis)");
        print("generated-solve", n, threads, totalSeconds, machine, check, "whole solve incl. copies and result arrays");

        // 2. A hand-written loop of the same method, same threads, blocks of 256 runs.
        double[] hand = new double[reps];
        double[] out = new double[3 * n];
        ForkJoinPool pool = new ForkJoinPool(threads);
        for (int w = 0; w < 2; w++) {
            handWritten(pool, rho, out);
        }
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            handWritten(pool, rho, out);
            hand[r] = (System.nanoTime() - t0) / 1e9;
        }
        print("hand-written-loop", n, threads, hand, machine, out[2 * n + n - 1], "double locals, one run at a time per block");

        // 3. Hipparchus, one integrate() per run, on the same threads.
        int hn = Math.min(n, 1 << 14);
        double[] hip = new double[Math.min(reps, 3)];
        double[] hz = new double[hn];
        for (int r = 0; r < hip.length + 1; r++) {
            long t0 = System.nanoTime();
            pool.submit(() -> IntStream.range(0, hn).parallel().forEach(i -> hz[i] = hipparchus(rho[(int) ((long) i * (n - 1) / Math.max(1, hn - 1))]))).get();
            if (r > 0) {
                hip[r - 1] = (System.nanoTime() - t0) / 1e9;
            }
        }
        print("hipparchus-per-run", hn, threads, hip, machine, hz[hn - 1], "ClassicalRungeKuttaIntegrator, " + hn + " runs (rate per run x step)");
        pool.shutdown();
    }

    private static void handWritten(ForkJoinPool pool, double[] rho, double[] out) throws Exception {
        int n = rho.length;
        int blocks = (n + 255) / 256;
        pool.submit(() -> IntStream.range(0, blocks).parallel().forEach(b -> {
            for (int r = b * 256; r < Math.min(n, b * 256 + 256); r++) {
                double x = 1, y = 0, z = 0;
                final double sigma = 10, p = rho[r], beta = 8.0 / 3;
                final double h = DT;
                for (int k = 0; k < STEPS; k++) {
                    double k1x = sigma * (y - x), k1y = x * (p - z) - y, k1z = x * y - beta * z;
                    double x2 = x + 0.5 * h * k1x, y2 = y + 0.5 * h * k1y, z2 = z + 0.5 * h * k1z;
                    double k2x = sigma * (y2 - x2), k2y = x2 * (p - z2) - y2, k2z = x2 * y2 - beta * z2;
                    double x3 = x + 0.5 * h * k2x, y3 = y + 0.5 * h * k2y, z3 = z + 0.5 * h * k2z;
                    double k3x = sigma * (y3 - x3), k3y = x3 * (p - z3) - y3, k3z = x3 * y3 - beta * z3;
                    double x4 = x + h * k3x, y4 = y + h * k3y, z4 = z + h * k3z;
                    double k4x = sigma * (y4 - x4), k4y = x4 * (p - z4) - y4, k4z = x4 * y4 - beta * z4;
                    x += h / 6 * (k1x + 2 * k2x + 2 * k3x + k4x);
                    y += h / 6 * (k1y + 2 * k2y + 2 * k3y + k4y);
                    z += h / 6 * (k1z + 2 * k2z + 2 * k3z + k4z);
                }
                out[r] = x;
                out[n + r] = y;
                out[2 * n + r] = z;
            }
        })).get();
    }

    private static double hipparchus(double rho) {
        OrdinaryDifferentialEquation ode = new OrdinaryDifferentialEquation() {
            @Override
            public int getDimension() {
                return 3;
            }

            @Override
            public double[] computeDerivatives(double t, double[] v) {
                return new double[] {10 * (v[1] - v[0]), v[0] * (rho - v[2]) - v[1], v[0] * v[1] - 8.0 / 3 * v[2]};
            }
        };
        return new ClassicalRungeKuttaIntegrator(DT).integrate(ode, new ODEState(0, new double[] {1, 0, 0}), 1.0).getPrimaryState()[2];
    }

    private static void print(String variant, int runs, int threads, double[] seconds, String machine, double check, String what) {
        double[] s = seconds.clone();
        Arrays.sort(s);
        double best = s[0];
        double median = s[s.length / 2];
        System.out.printf(Locale.ROOT, "{\"bench\":\"lorenz-rk4\",\"variant\":\"%s\",\"runs\":%d,\"steps\":%d,\"threads\":%d,"
                        + "\"best_s\":%.4f,\"median_s\":%.4f,\"run_steps_per_s\":%.4g,\"z_last_run\":%.12g,\"what\":\"%s\",\"machine\":\"%s\"}%n",
                variant, runs, STEPS, threads, best, median, (double) runs * STEPS / best, check, what, machine);
    }
}
