package org.tornadobatch.bench;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.Direction;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;
import org.tornadobatch.device.Kernel;
import org.tornadobatch.device.KernelSignature;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.device.LaunchArguments;
import org.tornadobatch.device.ValueType;
import org.tornadobatch.device.cuda.CudaKernel;
import org.tornadobatch.device.cuda.CudaRuntime;
import org.tornadobatch.memory.AllocatorKind;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.GridKind;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.OdeSystem;

/**
 * Lorenz, classical RK4, dt = 0.001 over [0, 1], rho = linspace(0, 21, N), the state at t = 1 only, on the cuda
 * backend: the generated kernel through {@link Solver#solve} against a hand-written CUDA C kernel of the same
 * method, and the solve's end-to-end time (inputs from the host, results back in host arrays) against its kernel time plus the bare
 * transfer time of the same bytes (pinned host memory, one stream). Kernel and transfer times are CUDA events;
 * end-to-end is wall time. Prints one JSON line per (N, precision) with the best of the repetitions.
 *
 * <p>Arguments: {@code [log2 N values, comma-separated (20,24)] [precisions (float64,float32)] [repetitions (5)]
 * [allocator (default)]}.
 * {@code -Dtornadobatch.slices=K} fixes the slices per chunk (default: chosen by the solver; the solve's kernel
 * time is the sum over its slices).
 */
public final class CudaLorenzBench {
    static final double DT = 1e-3;
    static final int STEPS = 1000;
    static final OdeSystem LORENZ = OdeSystem.parse("""
            states: x = 1.0, y = 0.0, z = 0.0
            parameters: sigma = 10.0, rho = 28.0
            constants: beta = 8/3
            dx = sigma * (y - x)
            dy = x * (rho - z) - y
            dz = x * y - beta * z
            """, "lorenz");

    private CudaLorenzBench() {
    }

    /** The reference: one run per thread, state in registers, RK4 written out by hand. */
    static String handWritten(String t) {
        String f = t.equals("float") ? "f" : "";
        return """
                extern "C" __global__ void lorenz_rk4(const T* __restrict__ rho, T* __restrict__ out, const int n, const int steps, const T dt) {
                    const int i = blockIdx.x * blockDim.x + threadIdx.x;
                    if (i >= n) {
                        return;
                    }
                    const T s = 10.0F, b = (T) (8.0 / 3.0), r = rho[i], h2 = 0.5F * dt, h6 = dt / 6.0F;
                    T x = 1.0F, y = 0.0F, z = 0.0F;
                    for (int k = 0; k < steps; k++) {
                        const T k1x = s * (y - x), k1y = x * (r - z) - y, k1z = x * y - b * z;
                        const T ax = x + h2 * k1x, ay = y + h2 * k1y, az = z + h2 * k1z;
                        const T k2x = s * (ay - ax), k2y = ax * (r - az) - ay, k2z = ax * ay - b * az;
                        const T bx = x + h2 * k2x, by = y + h2 * k2y, bz = z + h2 * k2z;
                        const T k3x = s * (by - bx), k3y = bx * (r - bz) - by, k3z = bx * by - b * bz;
                        const T cx = x + dt * k3x, cy = y + dt * k3y, cz = z + dt * k3z;
                        const T k4x = s * (cy - cx), k4y = cx * (r - cz) - cy, k4z = cx * cy - b * cz;
                        x += h6 * (k1x + 2.0F * k2x + 2.0F * k3x + k4x);
                        y += h6 * (k1y + 2.0F * k2y + 2.0F * k3y + k4y);
                        z += h6 * (k1z + 2.0F * k2z + 2.0F * k3z + k4z);
                    }
                    out[i] = x;
                    out[n + i] = y;
                    out[2 * n + i] = z;
                }
                """.replace("T", t).replace("F", f);
    }

    static final String SLICES = "tornadobatch.slices";

    /** Best kernel and end-to-end times of repeated solves (the first one warms up and is checked instead). */
    record Timing(double kernelMs, double e2eMs, List<Double> e2eAll, double maxRel, long chunks) {
        double medianE2eMs() {
            return e2eAll.get(e2eAll.size() / 2);
        }
    }

    /**
     * Times {@code reps} solves after a first one, which warms up and whose final z is compared with {@code refZ}
     * (relative); kernel time is the solve's own (the runtime's events), end-to-end is wall time.
     */
    static Timing solves(Solver solver, Batch batch, TimeSpec time, int reps, double[] refZ) {
        double kernelMs = Double.MAX_VALUE;
        double e2eMs = Double.MAX_VALUE;
        double maxRel = 0;
        long chunks = 0;
        List<Double> all = new ArrayList<>();
        for (int r = 0; r <= reps; r++) {
            long t0 = System.nanoTime();
            try (SolveResult res = solver.solve(batch, time)) {
                double ms = (System.nanoTime() - t0) / 1e6;
                chunks = res.info().chunks();
                if (r > 0) {
                    e2eMs = Math.min(e2eMs, ms);
                    kernelMs = Math.min(kernelMs, res.info().kernelMillis());
                    all.add(ms);
                } else {
                    for (int i = 0; i < refZ.length; i++) {
                        double z = res.state().get(0, 2, i);
                        maxRel = Math.max(maxRel, Math.abs(z - refZ[i]) / Math.max(Math.abs(refZ[i]), 1e-30));
                    }
                }
            }
        }
        all.sort(Double::compare);
        return new Timing(kernelMs, e2eMs, all, maxRel, chunks);
    }

    static void restore(String slices) {
        if (slices == null) {
            System.clearProperty(SLICES);
        } else {
            System.setProperty(SLICES, slices);
        }
    }

    public static void main(String[] args) {
        int[] log2 = Arrays.stream((args.length > 0 ? args[0] : "20,24").split(",")).mapToInt(Integer::parseInt).toArray();
        List<Precision> precisions = Arrays.stream((args.length > 1 ? args[1] : "float64,float32").split(",")).map(Precision::of).toList();
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        AllocatorKind allocator = AllocatorKind.of(args.length > 3 ? args[3] : "default");
        OdeSystem lorenz = LORENZ;
        try (CudaRuntime gpu = CudaRuntime.open(0); MemoryManager memory = MemoryManager.builder(gpu).allocator(allocator).build()) {
            String machine = gpu.deviceName() + ", CUDA driver " + gpu.driverVersion() + ", " + gpu.compilerDescription() + ", Java "
                    + Runtime.version();
            for (Precision p : precisions) {
                String t = p == Precision.FLOAT32 ? "float" : "double";
                int es = p == Precision.FLOAT32 ? 4 : 8;
                try (Kernel hand = gpu.compile(new KernelSource("cuda", "lorenz_rk4", handWritten(t), Map.of(), handSignature(p)));
                     Solver solver = Solver.builder(lorenz).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder().dt(DT))
                             .precision(p).memoryManager(memory).build()) {
                    for (int l : log2) {
                        run(gpu, lorenz, solver, hand, p, t, es, 1 << l, reps, allocator, machine);
                    }
                }
            }
        }
    }

    /** The hand-written kernel's parameters in precision {@code p}. */
    static KernelSignature handSignature(Precision p) {
        ValueType t = p == Precision.FLOAT32 ? ValueType.FLOAT32 : ValueType.FLOAT64;
        return KernelSignature.builder().buffer("rho", t, Direction.IN, true).buffer("out", t, Direction.OUT, true).scalar("n", ValueType.INT32)
                .scalar("steps", ValueType.INT32).scalar("dt", t).build();
    }

    /** rho = linspace(0, 21, n). */
    static double[] rho(int n) {
        double[] rho = new double[n];
        for (int i = 0; i < n; i++) {
            rho[i] = 21.0 * i / (n - 1);
        }
        return rho;
    }

    private static void run(CudaRuntime gpu, OdeSystem lorenz, Solver solver, Kernel hand, Precision p, String t,
                            int es, int n, int reps, AllocatorKind allocator, String machine) {
        double[] rho = rho(n);
        // 1. The hand-written kernel: rho in, final state out; kernel time by CUDA events.
        double handMs = Double.MAX_VALUE;
        double[] handZ = new double[n];
        try (DeviceStream s = gpu.newStream(); HostBuffer in = gpu.allocateHost((long) n * es, HostMemoryKind.PINNED);
             HostBuffer out = gpu.allocateHost(3L * n * es, HostMemoryKind.PINNED)) {
            for (int i = 0; i < n; i++) {
                if (es == 8) {
                    in.segment().setAtIndex(ValueLayout.JAVA_DOUBLE, i, rho[i]);
                } else {
                    in.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rho[i]);
                }
            }
            DeviceBuffer dRho = gpu.allocate((long) n * es);
            DeviceBuffer dOut = gpu.allocate(3L * n * es);
            gpu.copyToDevice(in.segment(), dRho, 0, s);
            LaunchArguments.Builder args = LaunchArguments.of(hand.signature()).buffer("rho", dRho).buffer("out", dOut).int32("n", n)
                    .int32("steps", STEPS);
            LaunchArguments launch = (es == 8 ? args.float64("dt", DT) : args.float32("dt", (float) DT)).build();
            for (int r = 0; r <= reps; r++) {
                DeviceEvent a = gpu.recordTimed(s);
                gpu.launch(hand, gpu.launchConfig(hand, n), s, launch);
                DeviceEvent b = gpu.recordTimed(s);
                double ms = gpu.elapsedMillis(a, b);
                if (r > 0) {
                    handMs = Math.min(handMs, ms); // the first launch warms up
                }
            }
            gpu.copyToHost(dOut, 0, out.segment(), s);
            s.synchronize();
            for (int i = 0; i < n; i++) {
                handZ[i] = es == 8 ? out.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, 2L * n + i)
                        : out.segment().getAtIndex(ValueLayout.JAVA_FLOAT, 2L * n + i);
            }
            gpu.free(dRho);
            gpu.free(dOut);
        }

        // 2. The solve: generated kernel time (CUDA events) from solves in one slice (one launch over all runs, like
        //    the hand-written kernel), and end-to-end wall time of solves as the solver slices them by default.
        Batch batch = Batch.grid(lorenz, Map.of("rho", rho), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.finalState(1.0);
        String slices = System.getProperty(SLICES);
        System.setProperty(SLICES, "1");
        Timing one = solves(solver, batch, time, reps, handZ);
        restore(slices);
        Timing sliced = solves(solver, batch, time, reps, handZ);
        double genMs = one.kernelMs();
        double e2eMs = sliced.e2eMs();
        double maxRel = Math.max(one.maxRel(), sliced.maxRel());
        long chunks = sliced.chunks();

        // 3. Bare transfers of the bytes the solve moves: init (3) and parameters (2) in; the final state (3),
        //    status (int) and step counts (2 ints) out.
        long inBytes = 5L * n * es;
        long outBytes = 3L * n * es + 12L * n;
        double xferMs = Double.MAX_VALUE;
        try (DeviceStream s = gpu.newStream(); HostBuffer hi = gpu.allocateHost(inBytes, HostMemoryKind.PINNED);
             HostBuffer ho = gpu.allocateHost(outBytes, HostMemoryKind.PINNED)) {
            DeviceBuffer di = gpu.allocate(inBytes);
            DeviceBuffer dout = gpu.allocate(outBytes);
            for (int r = 0; r <= reps; r++) {
                DeviceEvent a = gpu.recordTimed(s);
                gpu.copyToDevice(hi.segment(), di, 0, s);
                gpu.copyToHost(dout, 0, ho.segment(), s);
                DeviceEvent b = gpu.recordTimed(s);
                double ms = gpu.elapsedMillis(a, b);
                if (r > 0) {
                    xferMs = Math.min(xferMs, ms);
                }
            }
            gpu.free(di);
            gpu.free(dout);
        }
        CudaKernel handInfo = gpu.describe(hand);
        System.out.printf(Locale.ROOT, "{\"bench\":\"lorenz-rk4-cuda\",\"device\":\"%s\",\"precision\":\"%s\",\"runs\":%d,\"steps\":%d,"
                        + "\"hand_kernel_ms\":%.3f,\"generated_kernel_ms\":%.3f,\"kernel_ratio\":%.3f,\"transfer_ms\":%.3f,"
                        + "\"transfer_bytes\":%d,\"end_to_end_ms\":%.3f,\"end_to_end_one_slice_ms\":%.3f,\"sliced_kernel_sum_ms\":%.3f,\"end_to_end_median_ms\":%.3f,\"end_to_end_ratio\":%.3f,"
                        + "\"chunks\":%d,\"slices\":\"%s\",\"hand_registers\":%d,\"hand_block\":%d,\"max_rel_diff_z\":%.3g,\"reps\":%d,\"allocator\":\"%s\",\"machine\":\"%s\"}%n",
                gpu.deviceName(), p, n, STEPS, handMs, genMs, genMs / handMs, xferMs, inBytes + outBytes, e2eMs, one.e2eMs(),
                sliced.kernelMs(), sliced.medianE2eMs(), e2eMs / (genMs + xferMs), chunks, System.getProperty(SLICES, "auto"),
                handInfo.registers(), handInfo.blockSize(), maxRel, reps, allocator, machine);
    }
}
