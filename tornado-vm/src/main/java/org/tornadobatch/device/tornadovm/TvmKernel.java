package org.tornadobatch.device.tornadovm;

import java.util.List;

import org.tornadobatch.device.DeviceException;
import org.tornadobatch.device.Direction;
import org.tornadobatch.device.Kernel;
import org.tornadobatch.device.KernelParameter;
import org.tornadobatch.device.KernelSignature;
import org.tornadobatch.device.LaunchArguments;
import org.tornadobatch.device.ValueType;

import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.common.TornadoFunctions;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * A TornadoVM kernel and what this runtime does around it, all derived from its {@link KernelSignature}: the
 * kernel is a class implementing TornadoVM's {@code TaskN} whose {@code apply} calls its static {@code run(buffers
 * as TornadoVM arrays in the signature's order, IntArray ints, DoubleArray reals, int size)}; the scalars travel in
 * {@code ints} and {@code reals} as the signature packs them, {@code size} is the chunk length (the parallel loop's
 * bound). The kernel instance is made once, when it is compiled; launches only pack, mark and add tasks here.
 */
final class TvmKernel implements Kernel {
    private final String entryPoint;
    private final KernelSignature signature;
    private final List<KernelParameter.Buffer> buffers;
    private final Object task;
    /** The register cap its source recommends for PTX ({@link TornadoVmRuntime#MAX_REGISTERS_OPTION}); 0: none. */
    private final int maxRegisters;

    TvmKernel(String entryPoint, KernelSignature signature, Object task, int maxRegisters) {
        this.entryPoint = entryPoint;
        this.signature = signature;
        this.buffers = signature.buffers();
        this.task = task;
        this.maxRegisters = maxRegisters;
        int arity = buffers.size() + 3;
        boolean fits = switch (arity) {
            case 13 -> task instanceof TornadoFunctions.Task13<?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?>;
            case 14 -> task instanceof TornadoFunctions.Task14<?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?>;
            case 15 -> task instanceof TornadoFunctions.Task15<?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?>;
            default -> throw new DeviceException("kernel " + entryPoint + " takes " + buffers.size() + " arrays (TornadoVM's tasks take at most"
                    + " 15 arguments: 12 arrays, the packed scalars and the size)");
        };
        if (!fits) {
            throw new DeviceException("kernel " + entryPoint + " is not a TornadoVM Task" + arity + " (expected: a generated tornadovm kernel"
                    + " class over " + buffers.size() + " arrays, the packed scalars and the size)");
        }
    }

    /** The register cap its source recommends for PTX; 0: CUDA's JIT chooses. */
    int maxRegisters() {
        return maxRegisters;
    }

    @Override
    public String entryPoint() {
        return entryPoint;
    }

    @Override
    public KernelSignature signature() {
        return signature;
    }

    /** The buffer parameters, in order: the first arguments of the task. */
    List<KernelParameter.Buffer> buffers() {
        return buffers;
    }

    /** How buffer {@code b} moves: as its direction says, and both ways if it is the checked buffer (its marks go in). */
    Direction direction(KernelParameter.Buffer b) {
        return b.name().equals(signature.checked()) ? Direction.IN_OUT : b.direction();
    }

    /** The TornadoVM array type of a buffer's elements. */
    static Class<? extends TornadoNativeArray> arrayType(KernelParameter.Buffer b) {
        return switch (b.element()) {
            case FLOAT64 -> DoubleArray.class;
            case FLOAT32 -> FloatArray.class;
            case INT32 -> IntArray.class;
            case INT64 -> throw new DeviceException("buffer " + b.name() + " of INT64 (expected: FLOAT64, FLOAT32 or INT32 on tornadovm)");
        };
    }

    /** Adds the kernel to {@code graph} as task {@code id} over {@code taskArgs} (the arrays, ints, reals, size). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    TaskGraph addTask(TaskGraph graph, String id, Object[] a) {
        return switch (a.length) {
            case 13 -> graph.task(id, (TornadoFunctions.Task13) task, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
                    a[12]);
            case 14 -> graph.task(id, (TornadoFunctions.Task14) task, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
                    a[12], a[13]);
            case 15 -> graph.task(id, (TornadoFunctions.Task15) task, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
                    a[12], a[13], a[14]);
            default -> throw new DeviceException("a task of " + a.length + " arguments (expected: 13 to 15)");
        };
    }

    /** Copies a launch's scalars into the packed arrays. */
    void pack(LaunchArguments args, IntArray ints, DoubleArray reals) {
        for (KernelParameter p : signature.parameters()) {
            switch (p) {
                case KernelParameter.Scalar s when s.type() == ValueType.INT32 -> ints.set(signature.intSlot(s.name()), args.int32(s.name()));
                case KernelParameter.Scalar s -> reals.set(signature.realSlot(s.name()), args.real(s.name()));
                case KernelParameter.Vector v -> {
                    double[] values = args.vector(v.name());
                    int at = signature.realSlot(v.name());
                    for (int i = 0; i < values.length; i++) {
                        reals.set(at + i, values[i]);
                    }
                }
                case KernelParameter.Buffer b -> { }
            }
        }
    }

    /**
     * Marks every {@code every}-th item of the launch's work range, and its last, in the checked array as not run
     * ({@code MIN_VALUE}), which the kernel overwrites. A failed launch runs no block, so one mark per block shows it.
     */
    void mark(LaunchArguments args, IntArray status, int every) {
        int first = args.int32(signature.first());
        int end = args.int32(signature.end());
        for (int r = first; r < end; r += every) {
            status.set(r, Integer.MIN_VALUE);
        }
        if (end > first) {
            status.set(end - 1, Integer.MIN_VALUE);
        }
    }

    /** How many of the items {@link #mark} marked the kernel left marked (none after a launch that ran). */
    int unrun(LaunchArguments args, IntArray status, int every) {
        int first = args.int32(signature.first());
        int end = args.int32(signature.end());
        int n = 0;
        for (int r = first; r < end; r += every) {
            n += status.get(r) == Integer.MIN_VALUE ? 1 : 0;
        }
        if (end > first && (end - 1 - first) % every != 0) {
            n += status.get(end - 1) == Integer.MIN_VALUE ? 1 : 0;
        }
        return n;
    }

    @Override
    public void close() {
        // The class goes with its loader; plans that used it are closed by the runtime.
    }
}
