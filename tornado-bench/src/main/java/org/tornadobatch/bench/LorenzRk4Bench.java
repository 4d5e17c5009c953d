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
 * Lorenz, classical RK4, dt = 0.001 over [0, 1], rho = linspace(0, 21, N), float64, state at t = 1 only: the
 * generated kernels (jvm backend; vector and scalar), the C reference (lorenz_ref.c, compiled now with gcc -O3
 * -march=native -fopenmp: structure-of-arrays blocks with omp simd across runs), a hand-written Java loop of the
 * same method (same threads, same blocks of runs), and Hipparchus's ClassicalRungeKuttaIntegrator once per run.
 * Then adaptive dormand-prince-54 at atol = rtol = 1e-8 on the same batch: vector and scalar kernels and the C
 * reference of Hairer's DOPRI5 control (one run at a time per thread). Prints one JSON line per variant with
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

        // 1. The generated kernels through the solver: vector (jdk.incubator.vector) and scalar.
        Batch batch = Batch.grid(lorenz, Map.of("rho", rho), GridKind.COMBINATORIAL);
        StepControl.Builder rk4 = StepControl.builder().dt(DT);
        for (boolean vector : new boolean[] {true, false}) {
            double[][] t = solveTimes(lorenz, Algorithm.CLASSICAL_RK4, rk4, vector, batch, threads, reps);
            String name = vector ? "generated-vector-kernel" : "generated-scalar-kernel";
            print(name, n, threads, t[0], machine, t[2][0], "kernel time (SolveInfo.kernelMillis), " + kernelKind(t));
            print(name.replace("kernel", "solve"), n, threads, t[1], machine, t[2][0], "whole solve incl. copies and result arrays");
        }
        cReference("rk4", n, threads, reps, 1.0, machine, STEPS);
        // Adaptive: dormand-prince-54 at 1e-8 (Hairer's PI control), same batch; steps are the runs' mean accepted steps.
        StepControl.Builder dp5 = StepControl.builder().atol(1e-8).rtol(1e-8);
        for (boolean vector : new boolean[] {true, false}) {
            double[][] t = solveTimes(lorenz, Algorithm.DORMAND_PRINCE_54, dp5, vector, batch, threads, reps);
            printAdaptive(vector ? "dp5-generated-vector-kernel" : "dp5-generated-scalar-kernel", n, threads, t[0], t[2][1], machine, t[2][0],
                    kernelKind(t));
        }
        cReference("dopri5", n, threads, reps, 1.0, machine, 0);

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

    /**
     * Kernel and total seconds of {@code reps} solves after two warm-ups, then {z of the last run, mean accepted
     * steps} and {1 if the vector kernel ran}.
     */
    private static double[][] solveTimes(OdeSystem sys, Algorithm a, StepControl.Builder c, boolean vector, Batch batch, int threads, int reps) {
        double[] kernel = new double[reps];
        double[] total = new double[reps];
        try (JvmRuntime rt = new JvmRuntime(JvmRuntime.defaultTotalBytes(), threads);
             MemoryManager mm = MemoryManager.builder(rt).build();
             Solver s = Solver.builder(sys).algorithm(a).stepControl(c).memoryManager(mm).vectorKernels(vector).build()) {
            for (int w = 0; w < 2; w++) {
                s.solve(batch, TimeSpec.of(1)).close();
            }
            SolveResult last = null;
            for (int r = 0; r < reps; r++) {
                if (last != null) {
                    last.close();
                }
                last = s.solve(batch, TimeSpec.of(1));
                kernel[r] = last.info().kernelMillis() / 1e3;
                total[r] = last.info().totalMillis() / 1e3;
            }
            double z = last.state().get(1, 2, batch.runs() - 1);
            double steps = Arrays.stream(last.acceptedSteps()).average().orElse(0);
            boolean usedVector = last.info().kernel().contains(".KV");
            last.close();
            return new double[][] {kernel, total, {z, steps}, {usedVector ? 1 : 0}};
        }
    }

    private static String kernelKind(double[][] t) {
        return t[3][0] == 1 ? "vector kernel" : "scalar kernel";
    }

    /**
     * The C reference (resource lorenz_ref.c), compiled now with gcc -O3 -march=native -fopenmp and run on
     * {@code threads} threads; a line saying why not where gcc is missing or fails.
     */
    private static void cReference(String method, int n, int threads, int reps, double tEnd, String machine, int steps) throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("lorenz-ref");
        java.nio.file.Path src = dir.resolve("lorenz_ref.c");
        try (var in = LorenzRk4Bench.class.getResourceAsStream("lorenz_ref.c")) {
            java.nio.file.Files.copy(in, src);
        }
        java.nio.file.Path exe = dir.resolve("lorenz_ref");
        String flags = "-O3 -march=native -fopenmp";
        String variant = method.equals("rk4") ? "c-reference" : "dp5-c-reference";
        Process cc;
        try {
            cc = new ProcessBuilder("gcc", "-O3", "-march=native", "-fopenmp", src.toString(), "-o", exe.toString(), "-lm").redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            System.out.printf(Locale.ROOT, "{\"bench\":\"lorenz-rk4\",\"variant\":\"%s\",\"skipped\":\"gcc not found\"}%n", variant);
            return;
        }
        String log = new String(cc.getInputStream().readAllBytes());
        if (cc.waitFor() != 0) {
            System.out.printf(Locale.ROOT, "{\"bench\":\"lorenz-rk4\",\"variant\":\"%s\",\"skipped\":\"gcc failed: %s\"}%n", variant,
                    log.replace('"', '\'').replace('\n', ' '));
            return;
        }
        ProcessBuilder pb = new ProcessBuilder(exe.toString(), method, String.valueOf(n), String.valueOf(reps), String.valueOf(tEnd));
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        Process p = pb.redirectErrorStream(true).start();
        String json = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        System.out.printf(Locale.ROOT, "{\"bench\":\"lorenz-rk4\",\"variant\":\"%s\",\"runs\":%d,\"threads\":%d,\"gcc\":\"%s\",\"result\":%s,"
                + "\"machine\":\"%s\"}%n", variant, n, threads, flags, json, machine);
    }

    private static void printAdaptive(String variant, int runs, int threads, double[] seconds, double meanSteps, String machine, double check, String what) {
        double[] s = seconds.clone();
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "{\"bench\":\"lorenz-rk4\",\"variant\":\"%s\",\"runs\":%d,\"mean_steps\":%.3f,\"threads\":%d,"
                        + "\"best_s\":%.4f,\"median_s\":%.4f,\"run_steps_per_s\":%.4g,\"z_last_run\":%.12g,\"what\":\"%s\",\"machine\":\"%s\"}%n",
                variant, runs, meanSteps, threads, s[0], s[s.length / 2], runs * meanSteps / s[0], check, what, machine);
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
