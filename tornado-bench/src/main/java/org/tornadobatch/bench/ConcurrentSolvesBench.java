package org.tornadobatch.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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
 * Whether a backend overlaps independent solves: K solvers on one runtime (each with its own arrays, stream and,
 * on tornadovm, execution plan), the Lorenz RK4 problem of {@link CudaLorenzBench} with N/K runs each, run one
 * after another and then all at once from K threads. Overlap shows as the concurrent wall time falling below the
 * sequential one. Prints one JSON line per K.
 *
 * <p>Arguments: {@code backend [log2 N (24)] [precision (float64)] [K values (1,2,3)] [repetitions (3)]}.
 */
public final class ConcurrentSolvesBench {
    private ConcurrentSolvesBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ConcurrentSolvesBench BACKEND [LOG2_N (24)] [PRECISION (float64)] [K,... (1,2,3)] [REPS (3)]");
            System.exit(2);
        }
        int n = 1 << (args.length > 1 ? Integer.parseInt(args[1]) : 24);
        Precision p = Precision.of(args.length > 2 ? args[2] : "float64");
        int[] ks = java.util.Arrays.stream((args.length > 3 ? args[3] : "1,2,3").split(",")).mapToInt(Integer::parseInt).toArray();
        int reps = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        // Each solver solves whole: the solver's own split into parts (Solver.PARTS_PROPERTY) would confound what is measured.
        System.setProperty(Solver.PARTS_PROPERTY, "1");
        try (DeviceRuntime rt = DeviceRuntimes.open(args[0], 0); MemoryManager memory = MemoryManager.builder(rt).build()) {
            for (int k : ks) {
                run(rt, memory, p, n, k, reps);
            }
        }
    }

    private static void run(DeviceRuntime rt, MemoryManager memory, Precision p, int n, int k, int reps) throws Exception {
        List<Solver> solvers = new ArrayList<>();
        List<Batch> batches = new ArrayList<>();
        double[] rho = CudaLorenzBench.rho(n);
        int per = n / k;
        for (int i = 0; i < k; i++) {
            solvers.add(Solver.builder(CudaLorenzBench.LORENZ).algorithm(Algorithm.CLASSICAL_RK4)
                    .stepControl(StepControl.builder().dt(CudaLorenzBench.DT)).precision(p).memoryManager(memory).build());
            batches.add(Batch.grid(CudaLorenzBench.LORENZ, Map.of("rho", java.util.Arrays.copyOfRange(rho, i * per, (i + 1) * per)),
                    GridKind.COMBINATORIAL));
        }
        TimeSpec time = TimeSpec.finalState(1.0);
        ExecutorService pool = Executors.newFixedThreadPool(k);
        try {
            for (int i = 0; i < k; i++) { // warm-up: compiles, allocates, builds plans
                solvers.get(i).solve(batches.get(i), time).close();
            }
            double sequential = Double.MAX_VALUE;
            double concurrent = Double.MAX_VALUE;
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < k; i++) {
                    solvers.get(i).solve(batches.get(i), time).close();
                }
                sequential = Math.min(sequential, (System.nanoTime() - t0) / 1e6);
                long t1 = System.nanoTime();
                List<Future<?>> fs = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    Solver s = solvers.get(i);
                    Batch b = batches.get(i);
                    fs.add(pool.submit(() -> {
                        s.solve(b, time).close();
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                concurrent = Math.min(concurrent, (System.nanoTime() - t1) / 1e6);
            }
            System.out.printf(Locale.ROOT, "{\"bench\":\"lorenz-rk4-concurrent-solves\",\"backend\":\"%s\",\"device\":\"%s\",\"precision\":\"%s\","
                            + "\"runs\":%d,\"solvers\":%d,\"sequential_ms\":%.3f,\"concurrent_ms\":%.3f,\"ratio\":%.3f,\"reps\":%d}%n",
                    rt.name(), rt.deviceName(), p, (long) per * k, k, sequential, concurrent, concurrent / sequential, reps);
        } finally {
            pool.shutdown();
            solvers.forEach(Solver::close);
        }
    }
}
