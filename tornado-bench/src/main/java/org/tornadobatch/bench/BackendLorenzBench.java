package org.tornadobatch.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.memory.AllocatorKind;
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

/**
 * The Lorenz RK4 benchmark of {@link CudaLorenzBench} (dt = 0.001 over [0, 1], rho = linspace(0, 21, N), the
 * state at t = 1 only) on any backend, through {@link Solver#solve} only: to compare backends on one machine (the
 * {@code tornadovm} runtime on TornadoVM's PTX backend against {@code cuda}). Kernel time is the solve's own
 * (CUDA events on cuda, TornadoVM's profiler on tornadovm) from solves in one slice and one part (one launch);
 * end-to-end is the wall time of solves as the solver runs them by default (slices on cuda, parts on tornadovm). The first solve of each size warms up (compiles) and is not timed.
 * Then the Solver API from a sweep ({@code from_sweep_ms}: the batch from a {@code Sweep.Linspace} built in each
 * solve's time; {@code from_linspace_array_ms}: from {@code Sweep.linspace}'s array), as solved by default.
 * Prints one JSON line per (N, precision), with a checksum of the final z that backends must agree on.
 *
 * <p>Arguments: {@code backend [log2 N values (20,24)] [precisions (float64,float32)] [repetitions (5)] [allocator
 * (the runtime's preference: pooled on tornadovm, else default)]}; with {@code pooled}, device arrays (on tornadovm: with their execution plan and pinned host memory)
 * are kept from one solve to the next.
 */
public final class BackendLorenzBench {
    private BackendLorenzBench() {
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: BackendLorenzBench BACKEND [LOG2_N,... (20,24)] [PRECISIONS (float64,float32)] [REPS (5)]"
                    + " [ALLOCATOR (pooled on tornadovm, else default)]");
            System.exit(2);
        }
        String backend = args[0];
        int[] log2 = Arrays.stream((args.length > 1 ? args[1] : "20,24").split(",")).mapToInt(Integer::parseInt).toArray();
        List<Precision> precisions = Arrays.stream((args.length > 2 ? args[2] : "float64,float32").split(",")).map(Precision::of).toList();
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        try (DeviceRuntime rt = DeviceRuntimes.open(backend, 0);
             MemoryManager memory = args.length > 4 ? MemoryManager.builder(rt).allocator(AllocatorKind.of(args[4])).build()
                     : MemoryManager.builder(rt).build()) {
            for (Precision p : precisions) {
                try (Solver solver = Solver.builder(CudaLorenzBench.LORENZ).algorithm(Algorithm.CLASSICAL_RK4)
                        .stepControl(StepControl.builder().dt(CudaLorenzBench.DT)).precision(p).memoryManager(memory).build()) {
                    for (int l : log2) {
                        run(rt, solver, p, 1 << l, reps);
                    }
                }
            }
        }
    }

    private static void run(DeviceRuntime rt, Solver solver, Precision p, int n, int reps) {
        Batch batch = Batch.grid(CudaLorenzBench.LORENZ, Map.of("rho", CudaLorenzBench.rho(n)), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.finalState(1.0);
        double checksum = 0;
        try (SolveResult first = solver.solve(batch, time)) { // compiles, and gives the checksum
            for (int i = 0; i < n; i++) {
                checksum += first.state().get(0, 2, i);
            }
        }
        // Kernel time from solves in one launch: one slice, one part (tornadovm splits large solves into parts run at once).
        String slices = System.getProperty(CudaLorenzBench.SLICES);
        String parts = System.getProperty(Solver.PARTS_PROPERTY);
        System.setProperty(CudaLorenzBench.SLICES, "1");
        System.setProperty(Solver.PARTS_PROPERTY, "1");
        CudaLorenzBench.Timing one = CudaLorenzBench.solves(solver, batch, time, reps, new double[0]);
        CudaLorenzBench.restore(slices);
        if (parts == null) {
            System.clearProperty(Solver.PARTS_PROPERTY);
        } else {
            System.setProperty(Solver.PARTS_PROPERTY, parts);
        }
        CudaLorenzBench.Timing auto = CudaLorenzBench.solves(solver, batch, time, reps, new double[0]);
        // The Solver API from a sweep: the batch built in each solve's time, from the sweep's description (the
        // command line's way: no array of rho) and from Sweep.linspace's array.
        double described = Double.MAX_VALUE;
        double listed = Double.MAX_VALUE;
        double describedChecksum = 0;
        for (int r = 0; r <= reps; r++) {
            long t0 = System.nanoTime();
            Batch b = Batch.grid(CudaLorenzBench.LORENZ, Map.of(), Map.of("rho", new Sweep.Linspace(0, 21, n)), GridKind.COMBINATORIAL);
            try (SolveResult res = solver.solve(b, time)) {
                described = r > 0 ? Math.min(described, (System.nanoTime() - t0) / 1e6) : described;
                if (r == 0) {
                    for (int i = 0; i < n; i++) {
                        describedChecksum += res.state().get(0, 2, i);
                    }
                }
            }
            t0 = System.nanoTime();
            b = Batch.grid(CudaLorenzBench.LORENZ, Map.of("rho", Sweep.linspace(0, 21, n)), GridKind.COMBINATORIAL);
            try (SolveResult res = solver.solve(b, time)) {
                listed = r > 0 ? Math.min(listed, (System.nanoTime() - t0) / 1e6) : listed;
            }
        }
        if (describedChecksum != checksum) {
            throw new IllegalStateException("the described sweep's checksum " + describedChecksum + " differs from " + checksum);
        }
        System.out.printf(Locale.ROOT, "{\"bench\":\"lorenz-rk4-solve\",\"backend\":\"%s\",\"device\":\"%s\",\"precision\":\"%s\",\"runs\":%d,"
                        + "\"steps\":%d,\"kernel_ms\":%.3f,\"end_to_end_ms\":%.3f,\"end_to_end_median_ms\":%.3f,\"end_to_end_one_slice_ms\":%.3f,"
                        + "\"from_sweep_ms\":%.3f,\"from_linspace_array_ms\":%.3f,"
                        + "\"chunks\":%d,\"allocator\":\"%s\",\"z_checksum\":%.15g,\"reps\":%d,\"java\":\"%s\"}%n",
                rt.name(), rt.deviceName(), p, n, CudaLorenzBench.STEPS, one.kernelMs(), auto.e2eMs(), auto.medianE2eMs(), one.e2eMs(),
                described, listed, auto.chunks(), solver.memoryManager().allocator(), checksum, reps, Runtime.version());
    }
}
