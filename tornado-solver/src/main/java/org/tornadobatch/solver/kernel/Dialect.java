package org.tornadobatch.solver.kernel;

/**
 * What differs between the languages a kernel is generated in: Java for the {@code jvm} runtime (memory
 * segments, {@code Math}), CUDA C++ for the {@code cuda} runtime (pointers, CUDA's math functions) and Java
 * for TornadoVM (its off-heap arrays, {@code TornadoMath}) for the {@code tornadovm} runtime. The
 * statements themselves (declarations, arithmetic, control flow) are {@link Code} trees, written once by the
 * generator's parts and printed by {@link Printer}, which asks the dialect for what differs.
 */
abstract sealed class Dialect permits Dialect.Java, Dialect.Cuda {
    static final Dialect JAVA = new Java();
    static final Dialect CUDA = new Cuda();

    /** The {@link org.tornadobatch.device.KernelSource#language()} this dialect writes. */
    abstract String language();

    /** The qualifier of a local that is assigned once, with a trailing space. */
    abstract String constant();

    abstract String bool();

    /** A 64-bit signed integer type. */
    abstract String int64();

    /** Reads element {@code index} of batch array {@code array}; {@code layout} is F64, F32 or I32. */
    abstract String load(String array, String layout, String index);

    /** A statement writing {@code value} to element {@code index} of {@code array}. */
    abstract String store(String array, String layout, String index, String value);

    /**
     * The function that computes {@code f} (sin, abs, min, ...) of the working type, or {@code log2f} and
     * {@code exp2f}: the float32 base-2 logarithm and power the step-size controller uses.
     */
    abstract String math(String f);

    /**
     * {@code a / b} in float32 where a few digits do (the controller's error norm): CUDA's {@code __fdividef}
     * (an approximate reciprocal and a multiplication, where {@code /} is IEEE division); TornadoVM's PTX code
     * already divides float32 values with {@code div.full.f32}.
     */
    String approximateQuotient(String a, String b) {
        return a + " / " + b;
    }

    /** Element {@code i} of the tolerance vector {@code which} (atol or rtol). */
    abstract String tolerance(String which, int i);

    /** A statement leaving the event loop (and the step loop inside it); null in a {@link #structured()} dialect. */
    abstract String leaveEventLoop();

    /**
     * Whether loops may only end through their conditions (no break or continue): the generator then nests
     * what follows a failure in an else branch, and the loop conditions test the run's status.
     */
    boolean structured() {
        return false;
    }

    /**
     * Whether the compiler behind this dialect fuses only {@code x + a * b} into a fused multiply-add, so that
     * {@link ExpressionWriter} writes subtractions of products as additions. TornadoVM's PTX code rounds every
     * other multiplication and subtraction ({@code mul.rn}, {@code sub.rn}: ptxas may not contract them), where
     * NVRTC's leaves {@code a * b - c} to be contracted.
     */
    boolean fusesOnlyAdditions() {
        return false;
    }

    /**
     * Whether the generator writes the fixed-step loop two steps per iteration (for small steps: see
     * {@link KernelGenerator#UNROLL_MAX_WORK}). TornadoVM's PTX code does not unroll loops, where NVRTC's does
     * and the JVM's JIT does.
     */
    boolean unrollsFixedSteps() {
        return false;
    }

    /**
     * Whether float32 fixed-step kernels hold the step size as a constant, so that the step's coefficients
     * ({@code h} times the tableau's) are immediate operands rather than values computed at run time. TornadoVM's
     * PTX code keeps values computed from a launch's {@code reals} array in ordinary registers (where NVRTC's moves
     * those computed from kernel parameters to uniform registers), and every fused multiply-add then reads three
     * registers. Such a kernel is specific to its step size: see {@link KernelGenerator#key}.
     */
    boolean holdsFixedStep() {
        return false;
    }

    /** The event loop's condition. */
    String eventLoopCondition() {
        return structured() ? "e < nEvents && code == 0" : "e < nEvents";
    }

    /** The adaptive step loop's condition. */
    String stepLoopCondition() {
        return structured() ? "t < tEv && code == 0" : "t < tEv";
    }

    /** The line before the event loop (a label), or null. */
    abstract String beforeEventLoop();

    /** The line after the event loop (a label), or null. */
    abstract String afterEventLoop();

    abstract String nan(boolean single);

    abstract String infinity(boolean single, boolean positive);

    /** A literal of the working type. */
    String literal(double v, boolean single) {
        if (Double.isNaN(v)) {
            return nan(single);
        }
        if (Double.isInfinite(v)) {
            return infinity(single, v > 0);
        }
        String s = single ? Float.toString((float) v) + "f" : Double.toString(v);
        return v < 0 || s.startsWith("-") ? "(" + s + ")" : s;
    }

    /**
     * Java that TornadoVM compiles: {@code DoubleArray}/{@code FloatArray}/{@code IntArray} with int indices,
     * TornadoMath for sqrt, abs, min, max, floor and ceil, and the kernel class's own double-precision elementary
     * functions (TornadoVM's PTX backend computes float64 sin, cos, exp, log ... in single precision).
     * Tolerances are read from the launch's packed {@code reals} array, at the slots the kernel's signature gives them.
     */
    static final class TornadoVm extends Java {
        private final org.tornadobatch.device.KernelSignature signature;

        TornadoVm(org.tornadobatch.device.KernelSignature signature) {
            this.signature = signature;
        }

        /** The dialect of an integrator kernel of a system of {@code states} states. */
        TornadoVm(int states) {
            this(KernelArg.signature(org.tornadobatch.solver.Precision.FLOAT64, states));
        }

        @Override
        String language() {
            return "tornadovm";
        }

        @Override
        String load(String array, String layout, String index) {
            return array + ".get((int) (" + index + "))";
        }

        @Override
        String store(String array, String layout, String index, String value) {
            return array + ".set((int) (" + index + "), " + value + ");";
        }

        /** Elementary functions are the kernel class's own (KernelGenerator.TORNADOVM_MATH); the rest TornadoMath's. */
        @Override
        String math(String f) {
            return switch (f) {
                case "sqrt", "abs", "min", "max", "floor", "ceil" -> "TornadoMath." + f;
                default -> "tb_" + f;
            };
        }

        @Override
        String tolerance(String which, int i) {
            return "reals.get(" + (signature.realSlot(which) + i) + ")";
        }

        /**
         * TornadoVM's code for loops left early (by break, or by continue from a nested branch) assigns the values
         * of one path on another (every run MAX_STEPS_EXCEEDED; saves at stray indices), so loops here end only
         * through their conditions.
         */
        @Override
        boolean structured() {
            return true;
        }

        @Override
        boolean fusesOnlyAdditions() {
            return true;
        }

        @Override
        boolean unrollsFixedSteps() {
            return true;
        }

        @Override
        boolean holdsFixedStep() {
            return true;
        }

        @Override
        String leaveEventLoop() {
            return null;
        }

        @Override
        String beforeEventLoop() {
            return null;
        }

        /** TornadoVM's OpenCL code names NaN and infinities as undeclared identifiers: compute them from the finite {@code t0}. */
        @Override
        String nan(boolean single) {
            return (single ? "(float) " : "") + "((t0 - t0) / (t0 - t0))";
        }

        @Override
        String infinity(boolean single, boolean positive) {
            return (single ? "(float) " : "") + "(" + (positive ? "1.0" : "-1.0") + " / (t0 - t0))";
        }
    }

    static sealed class Java extends Dialect permits TornadoVm {
        @Override
        String language() {
            return "java";
        }

        @Override
        String constant() {
            return "final ";
        }

        @Override
        String bool() {
            return "boolean";
        }

        @Override
        String int64() {
            return "long";
        }

        @Override
        String load(String array, String layout, String index) {
            return array + ".getAtIndex(" + layout + ", " + index + ")";
        }

        @Override
        String store(String array, String layout, String index, String value) {
            return array + ".setAtIndex(" + layout + ", " + index + ", " + value + ");";
        }

        /** Math's functions; the controller's float32 log2f and exp2f are the kernel class's own (KernelFrames). */
        @Override
        String math(String f) {
            return f.equals("log2f") || f.equals("exp2f") ? "tb_" + f : "Math." + f;
        }

        @Override
        String tolerance(String which, int i) {
            return which + "[" + i + "]";
        }

        @Override
        String leaveEventLoop() {
            return "break events;";
        }

        @Override
        String beforeEventLoop() {
            return "events:";
        }

        @Override
        String afterEventLoop() {
            return null;
        }

        @Override
        String nan(boolean single) {
            return single ? "Float.NaN" : "Double.NaN";
        }

        @Override
        String infinity(boolean single, boolean positive) {
            return (single ? "Float." : "Double.") + (positive ? "POSITIVE_INFINITY" : "NEGATIVE_INFINITY");
        }
    }

    static final class Cuda extends Dialect {
        @Override
        String language() {
            return "cuda";
        }

        @Override
        String constant() {
            return "const ";
        }

        @Override
        String bool() {
            return "bool";
        }

        @Override
        String int64() {
            return "long long";
        }

        @Override
        String load(String array, String layout, String index) {
            return array + "[" + index + "]";
        }

        @Override
        String store(String array, String layout, String index, String value) {
            return array + "[" + index + "] = " + value + ";";
        }

        /** CUDA's functions; the controller's log2f is the {@code lg2.approx} intrinsic, as TornadoVM's PTX code has it. */
        @Override
        String math(String f) {
            return switch (f) {
                case "abs" -> "fabs";
                case "min" -> "fmin";
                case "max" -> "fmax";
                case "log2f" -> "__log2f";
                default -> f;
            };
        }

        @Override
        String approximateQuotient(String a, String b) {
            return "__fdividef(" + a + ", " + b + ")";
        }

        @Override
        String tolerance(String which, int i) {
            return which + ".v[" + i + "]";
        }

        @Override
        String leaveEventLoop() {
            return "goto events_end;";
        }

        @Override
        String beforeEventLoop() {
            return null;
        }

        @Override
        String afterEventLoop() {
            return "events_end:;";
        }

        @Override
        String nan(boolean single) {
            return single ? "__int_as_float(0x7fc00000)" : "__longlong_as_double(0x7ff8000000000000LL)";
        }

        @Override
        String infinity(boolean single, boolean positive) {
            if (single) {
                return "__int_as_float(" + (positive ? "0x7f800000" : "(int) 0xff800000") + ")";
            }
            return "__longlong_as_double(" + (positive ? "0x7ff0000000000000LL" : "(long long) 0xfff0000000000000ULL") + ")";
        }
    }
}
