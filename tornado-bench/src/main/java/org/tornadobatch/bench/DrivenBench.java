package org.tornadobatch.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.Drivers;
import org.tornadobatch.solver.GridKind;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.OdeSystem;

/**
 * A driven system on the jvm backend: a damped oscillator x'' = -w^2 x - 0.1 x' + 3 u(t), w = linspace(0.5, 3, N),
 * u a cubic spline through 200 samples 0.05 apart (shared by every run, or each run's own, shifted by its index),
 * over [0, 5], final state. For each method, the vector and the scalar kernel in this JVM: the first solve's
 * compile and kernel time, then the best of the warm solves' kernel times. One JSON line each.
 *
 * <p>Arguments: {@code [log2 N (18)] [methods (classical-rk4,dormand-prince-54)] [shared|per-run (shared)]
 * [repetitions (3)] [vector|scalar|both (both)]}; RK4 at dt = 0.001, adaptive methods at atol = rtol = 1e-8.
 */
public final class DrivenBench {
    static final OdeSystem FORCED = OdeSystem.parse("""
            states: x = 0.0, v = 1.0
            parameters: w = 1.0
            drivers: u
            dx = v
            dv = -w * w * x - 0.1 * v + 3 * u
            """, "forced");

    private DrivenBench() {
    }

    public static void main(String[] args) {
        int n = 1 << (args.length > 0 ? Integer.parseInt(args[0]) : 18);
        String[] methods = (args.length > 1 ? args[1] : "classical-rk4,dormand-prince-54").split(",");
        boolean perRun = args.length > 2 && args[2].equals("per-run");
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        String which = args.length > 4 ? args[4] : "both";
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = 0.5 + 2.5 * i / Math.max(1, n - 1);
        }
        Batch batch = Batch.grid(FORCED, Map.of("w", w), GridKind.COMBINATORIAL);
        Drivers drivers = (perRun ? Drivers.perRun(0, 0.05, Map.of("u", samples(n))) : Drivers.sampled(0, 0.05, Map.of("u", samples(1)[0]))).cubic();
        for (String m : methods) {
            Algorithm a = Algorithm.of(m);
            StepControl.Builder c = a.tableau().hasErrorEstimate() ? StepControl.builder().atol(1e-8).rtol(1e-8)
                    : StepControl.builder().controller(Controller.FIXED).dt(0.001);
            for (boolean vector : new boolean[] {true, false}) {
                if (which.equals(vector ? "scalar" : "vector")) {
                    continue;
                }
                try (JvmRuntime rt = new JvmRuntime(JvmRuntime.defaultTotalBytes(), Runtime.getRuntime().availableProcessors());
                     MemoryManager mm = MemoryManager.builder(rt).build();
                     Solver s = Solver.builder(FORCED).algorithm(a).stepControl(c).drivers(drivers).memoryManager(mm).vectorKernels(vector).build()) {
                    double compile;
                    double first;
                    String kernel;
                    double steps;
                    double x0;
                    try (SolveResult r = s.solve(batch, TimeSpec.finalState(5))) {
                        compile = r.info().compileMillis();
                        first = r.info().kernelMillis();
                        kernel = r.info().kernel();
                        steps = Arrays.stream(r.acceptedSteps()).average().orElse(0);
                        x0 = r.finalState("x")[n / 2];
                    }
                    double warm = Double.MAX_VALUE;
                    for (int k = 0; k < reps; k++) {
                        try (SolveResult r = s.solve(batch, TimeSpec.finalState(5))) {
                            warm = Math.min(warm, r.info().kernelMillis());
                        }
                    }
                    System.out.printf(Locale.ROOT, "{\"bench\":\"driven-oscillator\",\"method\":\"%s\",\"drivers\":\"%s\",\"variant\":\"%s\",\"runs\":%d,"
                                    + "\"mean_steps\":%.1f,\"first_compile_ms\":%.0f,\"first_kernel_ms\":%.0f,\"warm_kernel_ms\":%.1f,"
                                    + "\"x_mid\":%.12f,\"kernel\":\"%s\",\"machine\":\"%d cores, Java %s\"}%n",
                            m, perRun ? "per-run" : "shared", vector ? "vector" : "scalar", n, steps, compile, first, warm, x0, kernel,
                            Runtime.getRuntime().availableProcessors(), Runtime.version());
                }
            }
        }
    }

    /** {@code runs} sets of 200 samples of sin(0.7 i + 0.001 run). */
    private static double[][] samples(int runs) {
        double[][] s = new double[runs][200];
        for (int r = 0; r < runs; r++) {
            for (int i = 0; i < 200; i++) {
                s[r][i] = Math.sin(0.7 * i + 0.001 * r);
            }
        }
        return s;
    }
}
