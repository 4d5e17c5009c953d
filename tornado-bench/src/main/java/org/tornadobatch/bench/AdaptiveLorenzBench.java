package org.tornadobatch.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.GridKind;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;

/**
 * Adaptive stepping on the Lorenz ensemble (rho = linspace(0, 21, N), t in [0, 1], final state only): per method,
 * precision and tolerance (atol = rtol), the kernel time of one launch over all runs (one slice, one part; the best
 * of the repetitions), the mean accepted and rejected steps per run,
 * and the worst absolute error of the final state against dormand-prince-853 at 1e-13 on the jvm backend, over a
 * sample of at most 4096 evenly spaced runs. One JSON line per case: a work-precision table.
 *
 * <p>Arguments: {@code backend [log2 N (20)] [precisions (float64,float32)] [methods (dormand-prince-54)]
 * [tolerances (1e-8)] [repetitions (3)] [jvm kernel: vector|scalar|auto (auto)]}, lists comma-separated.
 */
public final class AdaptiveLorenzBench {
    private static final int SAMPLE = 4096;

    private AdaptiveLorenzBench() {
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: AdaptiveLorenzBench BACKEND [LOG2_N] [PRECISIONS] [METHODS] [TOLERANCES] [REPS]");
            System.exit(2);
        }
        int n = 1 << (args.length > 1 ? Integer.parseInt(args[1]) : 20);
        List<Precision> precisions = list(args, 2, "float64,float32").stream().map(Precision::of).toList();
        List<Algorithm> methods = list(args, 3, "dormand-prince-54").stream().map(Algorithm::of).toList();
        List<Double> tolerances = list(args, 4, "1e-8").stream().map(Double::parseDouble).toList();
        int reps = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        String kernel = args.length > 6 ? args[6] : "auto";
        Boolean vector = switch (kernel) {
            case "vector" -> true;
            case "scalar" -> false;
            case "auto" -> null;
            default -> throw new IllegalArgumentException("jvm kernel " + kernel + ": vector, scalar or auto");
        };
        Batch batch = Batch.grid(CudaLorenzBench.LORENZ, Map.of("rho", CudaLorenzBench.rho(n)), GridKind.COMBINATORIAL);
        int stride = Math.max(1, n / SAMPLE);
        double[][] reference = reference(n, stride);
        TimeSpec time = TimeSpec.finalState(1.0);
        // Kernel time of one launch: one slice, one part (as BackendLorenzBench; concurrent slices' kernels would add up).
        System.setProperty(CudaLorenzBench.SLICES, "1");
        System.setProperty(Solver.PARTS_PROPERTY, "1");
        java.util.function.UnaryOperator<Solver.Builder> choice = b -> vector == null ? b : b.vectorKernels(vector);
        try (DeviceRuntime rt = DeviceRuntimes.open(args[0], 0); MemoryManager memory = MemoryManager.builder(rt).build()) {
            for (Algorithm a : methods) {
                for (double tol : tolerances) {
                    for (Precision p : precisions) {
                        try (Solver solver = choice.apply(Solver.builder(CudaLorenzBench.LORENZ).algorithm(a).precision(p).memoryManager(memory)
                                .stepControl(StepControl.builder().atol(tol).rtol(tol))).build()) {
                            run(rt, solver, batch, time, reference, stride, a, p, tol, reps);
                        }
                    }
                }
            }
        }
    }

    private static List<String> list(String[] args, int i, String dflt) {
        return Arrays.asList((args.length > i ? args[i] : dflt).split(","));
    }

    /** The final states of every {@code stride}-th run, by dormand-prince-853 at 1e-13 on the jvm backend. */
    private static double[][] reference(int n, int stride) {
        int m = (n + stride - 1) / stride;
        double[] rho = new double[m];
        for (int j = 0; j < m; j++) {
            rho[j] = 21.0 * ((long) j * stride) / (n - 1);
        }
        Batch sample = Batch.grid(CudaLorenzBench.LORENZ, Map.of("rho", rho), GridKind.COMBINATORIAL);
        try (DeviceRuntime jvm = DeviceRuntimes.open("jvm", 0); MemoryManager memory = MemoryManager.builder(jvm).build();
             Solver solver = Solver.builder(CudaLorenzBench.LORENZ).algorithm(Algorithm.DORMAND_PRINCE_853).memoryManager(memory)
                     .stepControl(StepControl.builder().atol(1e-13).rtol(1e-13)).build();
             SolveResult r = solver.solve(sample, TimeSpec.finalState(1.0))) {
            double[][] y = new double[3][m];
            for (int v = 0; v < 3; v++) {
                for (int j = 0; j < m; j++) {
                    y[v][j] = r.state().get(0, v, j);
                }
            }
            return y;
        }
    }

    private static void run(DeviceRuntime rt, Solver solver, Batch batch, TimeSpec time, double[][] reference, int stride, Algorithm a,
                            Precision p, double tol, int reps) {
        double kernelMs = Double.MAX_VALUE;
        double accepted = 0;
        double rejected = 0;
        double maxErr = 0;
        int failed = 0;
        String kernelName = "";
        for (int r = 0; r <= reps; r++) {
            try (SolveResult res = solver.solve(batch, time)) {
                if (r == 0) { // compiles; its steps and errors are those of every solve
                    kernelName = res.info().kernel();
                    int[] acc = res.acceptedSteps();
                    int[] rej = res.rejectedSteps();
                    int[] status = res.status();
                    for (int i = 0; i < res.runs(); i++) {
                        accepted += acc[i];
                        rejected += rej[i];
                        failed += status[i] != 0 ? 1 : 0;
                    }
                    accepted /= res.runs();
                    rejected /= res.runs();
                    for (int v = 0; v < 3; v++) {
                        for (int j = 0; j < reference[v].length; j++) {
                            maxErr = Math.max(maxErr, Math.abs(res.state().get(0, v, (int) ((long) j * stride)) - reference[v][j]));
                        }
                    }
                } else {
                    kernelMs = Math.min(kernelMs, res.info().kernelMillis());
                }
            }
        }
        System.out.printf(Locale.ROOT, "{\"bench\":\"lorenz-adaptive\",\"backend\":\"%s\",\"device\":\"%s\",\"method\":\"%s\",\"precision\":\"%s\","
                        + "\"tol\":%.0e,\"runs\":%d,\"kernel_ms\":%.3f,\"accepted_mean\":%.2f,\"rejected_mean\":%.2f,\"failed_runs\":%d,"
                        + "\"max_abs_err\":%.3g,\"reps\":%d,\"kernel\":\"%s\",\"java\":\"%s\"}%n",
                rt.name(), rt.deviceName(), a.canonicalName(), p, tol, batch.runs(), reps > 0 ? kernelMs : Double.NaN, accepted, rejected, failed,
                maxErr, reps, kernelName, Runtime.version());
    }
}
