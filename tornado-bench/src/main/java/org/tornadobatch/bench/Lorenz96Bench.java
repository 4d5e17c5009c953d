package org.tornadobatch.bench;

import java.util.Locale;
import java.util.Map;

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
 * A big system on the jvm backend: Lorenz-96 with 40 states, dormand-prince-853 at atol = rtol = 1e-8, F swept
 * over N runs, final state at t = T. For the vector and the scalar kernel, in this JVM (run it fresh: the first
 * solve is the cold one): the first solve's compile time (javac, or the disk cache) and kernel time (with the JIT
 * compiling the kernel as it runs), then the best of the warm solves' kernel times. Prints one JSON line each.
 *
 * <p>Arguments: {@code [N (8192)] [T (1)] [repetitions (3)] [vector|scalar|both (both)]}.
 */
public final class Lorenz96Bench {
    private Lorenz96Bench() {
    }

    static OdeSystem lorenz96(int n) {
        StringBuilder src = new StringBuilder("states: ");
        for (int i = 0; i < n; i++) {
            src.append(i > 0 ? ", " : "").append("x").append(i).append(" = ").append(i == 0 ? "8.01" : "8");
        }
        src.append("\nparameters: F = 8\n");
        for (int i = 0; i < n; i++) {
            src.append("dx").append(i).append(" = (x").append((i + 1) % n).append(" - x").append((i + n - 2) % n).append(") * x")
                    .append((i + n - 1) % n).append(" - x").append(i).append(" + F\n");
        }
        return OdeSystem.parse(src.toString(), "lorenz96");
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 8192;
        double duration = args.length > 1 ? Double.parseDouble(args[1]) : 1;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String which = args.length > 3 ? args[3] : "both";
        OdeSystem sys = lorenz96(40);
        double[] f = new double[n];
        for (int i = 0; i < n; i++) {
            f[i] = 6 + 4.0 * i / n;
        }
        Batch batch = Batch.grid(sys, Map.of("F", f), GridKind.COMBINATORIAL);
        for (boolean vector : new boolean[] {true, false}) {
            if (which.equals(vector ? "scalar" : "vector")) {
                continue;
            }
            try (JvmRuntime rt = new JvmRuntime(JvmRuntime.defaultTotalBytes(), Runtime.getRuntime().availableProcessors());
                 MemoryManager mm = MemoryManager.builder(rt).build();
                 Solver s = Solver.builder(sys).algorithm(Algorithm.DORMAND_PRINCE_853).stepControl(StepControl.builder().atol(1e-8).rtol(1e-8))
                         .memoryManager(mm).vectorKernels(vector).build()) {
                double compile;
                double first;
                String kernel;
                double steps;
                try (SolveResult r = s.solve(batch, TimeSpec.finalState(duration))) {
                    compile = r.info().compileMillis();
                    first = r.info().kernelMillis();
                    kernel = r.info().kernel();
                    steps = java.util.Arrays.stream(r.acceptedSteps()).average().orElse(0);
                }
                double warm = Double.MAX_VALUE;
                for (int k = 0; k < reps; k++) {
                    try (SolveResult r = s.solve(batch, TimeSpec.finalState(duration))) {
                        warm = Math.min(warm, r.info().kernelMillis());
                    }
                }
                System.out.printf(Locale.ROOT, "{\"bench\":\"lorenz96-dop853\",\"variant\":\"%s\",\"runs\":%d,\"states\":40,\"t\":%s,"
                                + "\"mean_steps\":%.1f,\"first_compile_ms\":%.0f,\"first_kernel_ms\":%.0f,\"warm_kernel_ms\":%.0f,"
                                + "\"first_over_warm\":%.3f,\"kernel\":\"%s\",\"machine\":\"%d cores, Java %s\"}%n",
                        vector ? "vector" : "scalar", n, duration, steps, compile, first, warm, (compile + first) / warm, kernel,
                        Runtime.getRuntime().availableProcessors(), Runtime.version());
            }
        }
    }
}
