package org.tornadobatch.bench;

import java.util.Arrays;
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
import org.tornadobatch.solver.Sweep;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.OdeSystem;

/**
 * Robertson's stiff kinetics, as issue 19 measures it: k1 = linspace(0.02, 0.06, N), y0 = (1, 0, 0), rtol 1e-6,
 * atol 1e-10, float64 (or float32), the state at the end only, with a stiff method (default ros3p). One untimed solve
 * (compiles), then {@code reps} timed; prints one JSON line per (N, duration): kernel and end-to-end time (best
 * of the reps), mean and max accepted steps per run, rejected steps, failed runs, and y1 at the end of the run
 * with k1 = 0.04 where the sweep has it. Steps are bounded by [1e-12, duration].
 *
 * <p>Arguments: {@code backend [N,...(4096)] [durations (100)] [reps (3)] [method (ros3p)] [vector|scalar (vector)]
 * [float64|float32 (float64)]}; the sixth chooses the jvm backend's kernel (other backends ignore it).
 */
public final class StiffRobertsonBench {
    static final OdeSystem ROBERTSON = OdeSystem.parse("""
            states: y1 = 1, y2 = 0, y3 = 0
            parameters: k1 = 0.04, k2 = 3e7, k3 = 1e4
            dy1 = -k1 * y1 + k3 * y2 * y3
            dy2 = k1 * y1 - k3 * y2 * y3 - k2 * y2 * y2
            dy3 = k2 * y2 * y2
            """, "robertson");

    private StiffRobertsonBench() {
    }

    public static void main(String[] args) {
        String backend = args.length > 0 ? args[0] : "jvm";
        int[] sizes = Arrays.stream((args.length > 1 ? args[1] : "4096").split(",")).mapToInt(Integer::parseInt).toArray();
        double[] durations = Arrays.stream((args.length > 2 ? args[2] : "100").split(",")).mapToDouble(Double::parseDouble).toArray();
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Algorithm method = Algorithm.of(args.length > 4 ? args[4] : "ros3p");
        boolean vector = !(args.length > 5 && args[5].equals("scalar"));
        Precision precision = args.length > 6 ? Precision.of(args[6]) : Precision.FLOAT64;
        try (DeviceRuntime rt = DeviceRuntimes.open(backend, 0);
             MemoryManager memory = MemoryManager.builder(rt).build()) {
            for (int n : sizes) {
                Batch batch = Batch.grid(ROBERTSON, Map.of("k1", Sweep.linspace(0.02, 0.06, n)), GridKind.COMBINATORIAL);
                for (double duration : durations) {
                    // Steps between 1e-12 and the whole span, as CuBIE's benchmark allows (the default dtMax of 1 would
                    // take 1e5 steps to t = 1e5).
                    StepControl.Builder ctl = StepControl.builder().atol(1e-10).rtol(1e-6).dtMin(1e-12).dtMax(duration);
                    try (Solver solver = Solver.builder(ROBERTSON).algorithm(method).stepControl(ctl).precision(precision)
                            .memoryManager(memory).vectorKernels(vector).build()) {
                        run(rt, solver, method, precision, batch, n, duration, reps);
                    }
                }
            }
        }
    }

    private static void run(DeviceRuntime rt, Solver solver, Algorithm method, Precision precision, Batch batch, int n, double duration,
                            int reps) {
        TimeSpec time = TimeSpec.finalState(duration);
        double kernel = Double.MAX_VALUE;
        double wall = Double.MAX_VALUE;
        String kernelName = "";
        String phases = "{}";
        for (int r = -1; r < reps; r++) {
            long t0 = System.nanoTime();
            try (SolveResult res = solver.solve(batch, time)) {
                double ms = (System.nanoTime() - t0) / 1e6;
                if (r >= 0) {
                    kernel = Math.min(kernel, res.info().kernelMillis());
                    if (ms < wall) {
                        phases = phasesJson(res.info().phases());
                    }
                    wall = Math.min(wall, ms);
                    kernelName = res.info().kernel();
                    continue;
                }
                int[] acc = res.acceptedSteps();
                int[] rej = res.rejectedSteps();
                int mid = (n - 1) / 2; // k1 = 0.04 where n is odd
                System.out.printf(Locale.ROOT, "{\"bench\":\"robertson-stiff\",\"phase\":\"first\",\"backend\":\"%s\",\"device\":\"%s\","
                                + "\"method\":\"%s\",\"precision\":\"%s\",\"runs\":%d,\"duration\":%g,\"first_solve_ms\":%.1f,\"accepted_mean\":%.1f,"
                                + "\"accepted_max\":%d,\"rejected_mean\":%.1f,\"newton_mean\":%.1f,\"jacobians_mean\":%.1f,\"factorisations_mean\":%.1f,"
                                + "\"failed_runs\":%d,\"k1_mid\":%.6f,\"y1_mid\":%.12g}%n",
                        rt.name(), rt.deviceName(), method.canonicalName(), precision, n, duration, ms, Arrays.stream(acc).average().orElse(0),
                        Arrays.stream(acc).max().orElse(0), Arrays.stream(rej).average().orElse(0),
                        Arrays.stream(res.newtonIterations()).average().orElse(0), Arrays.stream(res.jacobianEvaluations()).average().orElse(0),
                        Arrays.stream(res.luFactorisations()).average().orElse(0), res.failureCount(),
                        batch.parameter(0, mid), res.finalState("y1")[mid]);
            }
        }
        System.out.printf(Locale.ROOT, "{\"bench\":\"robertson-stiff\",\"backend\":\"%s\",\"method\":\"%s\",\"precision\":\"%s\",\"runs\":%d,\"duration\":%g,"
                        + "\"kernel_ms\":%.2f,\"end_to_end_ms\":%.2f,\"phases_ms\":%s,\"reps\":%d,\"kernel\":\"%s\",\"java\":\"%s\"}%n",
                rt.name(), method.canonicalName(), precision, n, duration, kernel, wall, phases, reps, kernelName, Runtime.version());
    }

    /** The phases of the fastest repetition (SolveInfo.phases), as a JSON object. */
    private static String phasesJson(java.util.Map<String, Double> phases) {
        StringBuilder b = new StringBuilder("{");
        phases.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append('"').append(k).append("\":")
                .append(v == null || v.isNaN() ? "null" : String.format(Locale.ROOT, "%.2f", v)));
        return b.append('}').toString();
    }
}
