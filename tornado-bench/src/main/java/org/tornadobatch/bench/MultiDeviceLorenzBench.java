package org.tornadobatch.bench;

import java.util.ArrayList;
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
import org.tornadobatch.solver.Sweep;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.run.DeviceTimes;

/**
 * The Lorenz RK4 batch of {@link CudaLorenzBench} (dt = 0.001 over [0, 1], rho swept over N runs, the final state)
 * solved by one device and spread over several ({@code Solver.Builder.devices}), end to end through the Solver API,
 * best of REPS after a first solve that compiles and measures the devices' speeds (the spread solve's shares follow
 * them). Prints a JSON line per (N, precision) with both times, the speed-up, each device's runs, wall, kernel and
 * copy times in the best spread solve, and whether the final states are equal bit for bit.
 *
 * <p>Arguments: {@code backend devices (0,1: device indices; the same index twice is two contexts on one device)
 * [log2 N values (25)] [precisions (float32,float64)] [repetitions (5)]}.
 */
public final class MultiDeviceLorenzBench {
    private MultiDeviceLorenzBench() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: MultiDeviceLorenzBench BACKEND DEVICES (0,1) [LOG2_N,... (25)] [PRECISIONS (float32,float64)] [REPS (5)]");
            System.exit(2);
        }
        String backend = args[0];
        int[] indices = Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray();
        int[] log2 = Arrays.stream((args.length > 2 ? args[2] : "25").split(",")).mapToInt(Integer::parseInt).toArray();
        List<Precision> precisions = Arrays.stream((args.length > 3 ? args[3] : "float32,float64").split(",")).map(Precision::of).toList();
        int reps = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        List<DeviceRuntime> runtimes = new ArrayList<>();
        List<MemoryManager> managers = new ArrayList<>();
        try {
            for (int d : indices) {
                runtimes.add(DeviceRuntimes.open(backend, d));
                managers.add(MemoryManager.builder(runtimes.get(runtimes.size() - 1)).build());
            }
            for (Precision p : precisions) {
                for (int l : log2) {
                    run(managers, p, 1 << l, reps);
                }
            }
        } finally {
            managers.forEach(MemoryManager::close);
            runtimes.forEach(DeviceRuntime::close);
        }
    }

    private static void run(List<MemoryManager> managers, Precision p, int n, int reps) {
        Batch batch = Batch.grid(CudaLorenzBench.LORENZ, Map.of(), Map.of("rho", new Sweep.Linspace(0, 21, n)), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.finalState(1.0);
        StepControl.Builder c = StepControl.builder().dt(CudaLorenzBench.DT);
        try (Solver one = Solver.builder(CudaLorenzBench.LORENZ).algorithm(Algorithm.CLASSICAL_RK4).stepControl(c).precision(p)
                .memoryManager(managers.get(0)).build();
             Solver spread = Solver.builder(CudaLorenzBench.LORENZ).algorithm(Algorithm.CLASSICAL_RK4).stepControl(c).precision(p)
                     .devices(managers).build()) {
            double oneMs = Double.MAX_VALUE;
            double spreadMs = Double.MAX_VALUE;
            List<DeviceTimes> best = List.of();
            boolean equal;
            try (SolveResult a = one.solve(batch, time); SolveResult b = spread.solve(batch, time)) { // compile, measure the devices
                equal = a.state().segment().mismatch(b.state().segment()) == -1;
            }
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                one.solve(batch, time).close();
                oneMs = Math.min(oneMs, (System.nanoTime() - t0) / 1e6);
                t0 = System.nanoTime();
                spread.solve(batch, time).close();
                double ms = (System.nanoTime() - t0) / 1e6;
                if (ms < spreadMs) {
                    spreadMs = ms;
                    best = spread.lastDeviceTimes();
                }
            }
            StringBuilder devices = new StringBuilder("[");
            for (DeviceTimes t : best) {
                devices.append(devices.length() > 1 ? "," : "").append(String.format(Locale.ROOT,
                        "{\"backend\":\"%s\",\"device\":\"%s\",\"runs\":%d,\"wall_ms\":%.2f,\"kernel_ms\":%.2f,\"host_to_device_ms\":%s,"
                                + "\"device_to_host_ms\":%s}", t.backend(), t.device(), t.runs(), t.wallMillis(), t.kernelMillis(),
                        json(t.hostToDeviceMillis()), json(t.deviceToHostMillis())));
            }
            System.out.printf(Locale.ROOT, "{\"bench\":\"lorenz-rk4-devices\",\"precision\":\"%s\",\"runs\":%d,\"devices\":%d,\"one_device_ms\":%.2f,"
                            + "\"spread_ms\":%.2f,\"speedup\":%.3f,\"bit_identical\":%b,\"shares\":\"%s\",\"per_device\":%s],\"reps\":%d,\"java\":\"%s\"}%n",
                    p, n, managers.size(), oneMs, spreadMs, oneMs / spreadMs, equal, Arrays.toString(spread.deviceShares()), devices, reps,
                    Runtime.version());
        }
    }

    private static String json(double v) {
        return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.2f", v);
    }
}
