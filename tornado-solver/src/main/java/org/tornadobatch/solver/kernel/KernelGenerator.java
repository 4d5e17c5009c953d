package org.tornadobatch.solver.kernel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.tornadobatch.device.KernelSource;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.RunStatus;
import org.tornadobatch.solver.Schedule;
import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.Equation;
import org.tornadobatch.system.Expr;
import org.tornadobatch.system.OdeSystem;

/**
 * Generates the kernel of a {@link KernelSpec} in Java (for the {@code jvm} runtime) or CUDA C++ (for the
 * {@code cuda} runtime). Each run is integrated by one thread in straight-line code, with the state, the stages
 * and the summary accumulators in local variables (registers on a GPU), the tableau's coefficients as literals
 * (zeros dropped), the system's constants folded, and the controller written out. Batch arrays are indexed
 * {@code (..., run)} with the run fastest, so neighbouring threads touch neighbouring addresses; launch
 * arguments are listed in {@link KernelSpec}.
 *
 * <p>Java: one class whose {@code run(first, end, args)} runs threads {@code first..end-1}. CUDA: one
 * {@code extern "C" __global__} function taking the arguments in order (buffers as pointers, tolerance vectors
 * as structs passed by value), one run per thread.
 */
public final class KernelGenerator {
    /** Bumped whenever the generated code changes meaning, so cached kernels are not reused. */
    static final String VERSION = "7";

    /**
     * The largest step (states times stages) whose fixed-step loop is unrolled by two where the dialect asks for
     * it ({@link Dialect#unrollsFixedSteps()}): past it the loop's overhead is small against the step, and the
     * copies only lengthen the kernel.
     */
    static final int UNROLL_MAX_WORK = 64;

    /**
     * The tornadovm kernels' elementary functions (tb_sin, tb_exp, ...): double precision in plain arithmetic, since
     * TornadoVM's PTX backend computes float64 sin, cos, tan, tanh, exp and log in single precision.
     */
    static final String TORNADOVM_MATH = resource("tornadovm-math.java.txt");

    private static String resource(String name) {
        try (var in = KernelGenerator.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the tornado-solver jar");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private final KernelSpec spec;
    private final Dialect d;
    private final String F;
    private final OdeSystem sys;
    private final ButcherTableau tab;
    private final StepControl ctl;
    private final boolean single;
    private final String T;
    private final String LT;
    private final int nStates;
    private final StringBuilder out = new StringBuilder();
    private final SummaryWriter summaries;
    private int indent;

    private KernelGenerator(KernelSpec spec, Dialect dialect) {
        this.spec = spec;
        this.d = dialect;
        this.F = dialect.constant();
        this.sys = spec.system();
        this.tab = spec.tableau();
        this.ctl = spec.control();
        this.single = spec.precision() == Precision.FLOAT32;
        this.T = single ? "float" : "double";
        this.LT = single ? "F32" : "F64";
        this.nStates = sys.states().size();
        this.summaries = new SummaryWriter(this, spec);
    }

    /**
     * What determines the code {@link #generate} writes for {@code spec} in {@code language}: the spec's
     * fingerprint and, where the language's float32 fixed-step kernels hold their step size as a constant
     * ({@link Dialect#holdsFixedStep()}: TornadoVM), that step size. Kernels are cached under it.
     */
    public static String key(KernelSpec spec, String language) {
        return holdsStep(spec, dialect(spec, language)) ? spec.fingerprint() + "#dt=" + spec.control().dt() : spec.fingerprint();
    }

    /**
     * Float32 only: there the coefficients become immediate operands, which took the float32 Lorenz RK4 kernel from
     * 1.19x to 1.02x of NVRTC's on the H200. Float64 multiply-adds take no 64-bit immediates, and its kernel kept its
     * time whether the coefficients were constants, computed once, or computed per event (within 2%).
     */
    private static boolean holdsStep(KernelSpec spec, Dialect d) {
        return d.holdsFixedStep() && !spec.control().controller().isAdaptive() && spec.precision() == Precision.FLOAT32;
    }

    private static Dialect dialect(KernelSpec spec, String language) {
        return switch (language) {
            case "java" -> Dialect.JAVA;
            case "cuda" -> Dialect.CUDA;
            case "tornadovm" -> new Dialect.TornadoVm(spec.system().states().size());
            default -> throw new IllegalArgumentException("language: " + language + " (expected: one of " + LANGUAGES + ")");
        };
    }

    /** The languages {@link #generate} writes. */
    public static final Set<String> LANGUAGES = Set.of("java", "cuda", "tornadovm");

    /**
     * The kernel's source in {@code language} ({@code java}, {@code cuda} or {@code tornadovm}), its entry point
     * named after a hash of the spec. TornadoVM's classes start with T, the JVM's with K: both are loaded through
     * the application class loader (TornadoVM's from the class path), so one name must not serve both.
     */
    public static KernelSource generate(KernelSpec spec, String language) {
        String hash = hash(VERSION + "|" + key(spec, language)).substring(0, 24);
        String name = (language.equals("tornadovm") ? "T" : "K") + hash;
        KernelGenerator g = new KernelGenerator(spec, dialect(spec, language));
        return switch (language) {
            case "java" -> new KernelSource("java", "org.tornadobatch.generated." + name, g.javaSource(name), Map.of());
            case "cuda" -> new KernelSource("cuda", name, g.cudaSource(name), Map.of());
            default -> new KernelSource("tornadovm", "org.tornadobatch.generated." + name, g.tornadoSource(name), Map.of("-g", ""));
        };
    }

    private String cudaSource(String name) {
        String ptr = T + "* __restrict__ ";
        String cptr = "const " + ptr;
        line("// Generated by tornado-batch for " + sys.name() + ", " + tab.name() + ", " + ctl.controller() + ", " + spec.precision() + ".");
        line("struct tb_vec { double v[" + nStates + "]; };");
        for (String t : List.of("double", "float")) {
            line("static __device__ __forceinline__ " + t + " pow2(" + t + " x) { return x * x; }");
            line("static __device__ __forceinline__ " + t + " pow3(" + t + " x) { return x * x * x; }");
            line("static __device__ __forceinline__ " + t + " pow4(" + t + " x) { " + t + " s = x * x; return s * s; }");
        }
        line("");
        line("extern \"C\" __global__ void " + name + "(");
        line("        " + cptr + "init, " + cptr + "par, const double* __restrict__ evT, const int* __restrict__ evF,");
        line("        " + ptr + "outS, " + ptr + "outO, " + ptr + "sumS, " + ptr + "sumO,");
        line("        int* __restrict__ status, int* __restrict__ steps, const int n, const int strideArg, const int nEvents,");
        line("        const double t0, const double dtInit, const double dtMin, const double dtMax, const long long maxSteps,");
        line("        const tb_vec atol, const tb_vec rtol, const int nSaves, const int nWindows, const int firstRun) {");
        indent++;
        line("const int r = firstRun + blockIdx.x * blockDim.x + threadIdx.x;");
        line("if (r >= n) {");
        line("    return;");
        line("}");
        line("const long long stride = strideArg;");
        body();
        indent--;
        line("}");
        return out.toString();
    }

    /**
     * TornadoVM: a class whose static {@code run} integrates, in a {@code @Parallel} loop over the chunk's runs,
     * those in {@code [first, end)}; the launch's scalars travel in two small arrays ({@code ints}, {@code reals})
     * so that one execution plan serves every chunk. {@code pack} fills them from a launch's arguments, {@code task}
     * adds {@code run} to a task graph, and {@code ROLES} tells the runtime how each array moves: inputs every
     * execution, constants on the first, outputs back every execution.
     */
    private String tornadoSource(String cls) {
        String arr = single ? "FloatArray" : "DoubleArray";
        int nReals = Dialect.TornadoVm.REALS_BEFORE_TOLERANCES + 2 * nStates;
        line("package org.tornadobatch.generated;");
        line("");
        line("import uk.ac.manchester.tornado.api.TaskGraph;");
        line("import uk.ac.manchester.tornado.api.annotations.Parallel;");
        line("import uk.ac.manchester.tornado.api.math.TornadoMath;");
        line("import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;");
        line("import uk.ac.manchester.tornado.api.types.arrays.FloatArray;");
        line("import uk.ac.manchester.tornado.api.types.arrays.IntArray;");
        line("");
        line("/** Generated by tornado-batch for " + sys.name() + ", " + tab.name() + ", " + ctl.controller() + ", " + spec.precision() + ". */");
        line("public final class " + cls + " {");
        indent++;
        // status goes both ways: the runtime marks the launch's runs, so that runs a failed launch left alone show.
        line("public static final String ROLES = \"in,in,constant,constant,out,out,out,out,inout,out\";");
        line("public static final int INTS = 6;");
        line("public static final int REALS = " + nReals + ";");
        line("");
        powers();
        line("");
        TORNADOVM_MATH.lines().forEach(this::line);
        line("");
        line("/**");
        line(" * Marks every {@code every}-th run of the launch, and its last, in {@code status} as not run ({@code MIN_VALUE}),");
        line(" * which the kernel overwrites. A failed launch runs no block, so one mark per block shows it.");
        line(" */");
        line("public static void mark(Object[] a, IntArray status, int every) {");
        line("    int end = (Integer) a[" + KernelSpec.ARG_RUNS + "];");
        line("    for (int r = (Integer) a[" + KernelSpec.ARG_FIRST + "]; r < end; r += every) {");
        line("        status.set(r, Integer.MIN_VALUE);");
        line("    }");
        line("    if (end > (Integer) a[" + KernelSpec.ARG_FIRST + "]) {");
        line("        status.set(end - 1, Integer.MIN_VALUE);");
        line("    }");
        line("}");
        line("");
        line("/** How many of the runs {@code mark} marked the kernel left marked (none after a launch that ran). */");
        line("public static int unrun(Object[] a, IntArray status, int every) {");
        line("    int n = 0;");
        line("    int end = (Integer) a[" + KernelSpec.ARG_RUNS + "];");
        line("    for (int r = (Integer) a[" + KernelSpec.ARG_FIRST + "]; r < end; r += every) {");
        line("        n += status.get(r) == Integer.MIN_VALUE ? 1 : 0;");
        line("    }");
        line("    if (end > (Integer) a[" + KernelSpec.ARG_FIRST + "] && (end - 1 - (Integer) a[" + KernelSpec.ARG_FIRST + "]) % every != 0) {");
        line("        n += status.get(end - 1) == Integer.MIN_VALUE ? 1 : 0;");
        line("    }");
        line("    return n;");
        line("}");
        line("");
        line("/** Copies a launch's scalars (argument positions of KernelSpec) into the task's small arrays. */");
        line("public static void pack(Object[] a, IntArray ints, DoubleArray reals) {");
        line("    ints.set(0, (Integer) a[" + KernelSpec.ARG_FIRST + "]);");
        line("    ints.set(1, (Integer) a[" + KernelSpec.ARG_RUNS + "]);");
        line("    ints.set(2, (Integer) a[" + KernelSpec.ARG_STRIDE + "]);");
        line("    ints.set(3, (Integer) a[" + KernelSpec.ARG_EVENTS + "]);");
        line("    ints.set(4, (Integer) a[" + KernelSpec.ARG_SAVES + "]);");
        line("    ints.set(5, (Integer) a[" + KernelSpec.ARG_WINDOWS + "]);");
        line("    reals.set(0, (Double) a[" + KernelSpec.ARG_T0 + "]);");
        line("    reals.set(1, (Double) a[" + KernelSpec.ARG_DT + "]);");
        line("    reals.set(2, (Double) a[" + KernelSpec.ARG_DT_MIN + "]);");
        line("    reals.set(3, (Double) a[" + KernelSpec.ARG_DT_MAX + "]);");
        line("    reals.set(4, (double) (Long) a[" + KernelSpec.ARG_MAX_STEPS + "]);");
        line("    double[] atol = (double[]) a[" + KernelSpec.ARG_ATOL + "];");
        line("    double[] rtol = (double[]) a[" + KernelSpec.ARG_RTOL + "];");
        line("    for (int i = 0; i < " + nStates + "; i++) {");
        line("        reals.set(" + Dialect.TornadoVm.REALS_BEFORE_TOLERANCES + " + i, atol[i]);");
        line("        reals.set(" + (Dialect.TornadoVm.REALS_BEFORE_TOLERANCES + nStates) + " + i, rtol[i]);");
        line("    }");
        line("}");
        line("");
        line("/**");
        line(" * Adds {@code run} to {@code graph} as task {@code id}; {@code a}: the ten arrays, ints, reals. The parallel loop's");
        line(" * bound is the status array's length (the chunk length), passed as a scalar: an output array's header is");
        line(" * never copied to the device, so its length cannot be read there.");
        line(" */");
        line("public static TaskGraph task(TaskGraph graph, String id, Object[] a) {");
        line("    return graph.task(id, " + cls + "::run, (" + arr + ") a[0], (" + arr + ") a[1], (DoubleArray) a[2], (IntArray) a[3],");
        line("            (" + arr + ") a[4], (" + arr + ") a[5], (" + arr + ") a[6], (" + arr + ") a[7], (IntArray) a[8], (IntArray) a[9],");
        line("            (IntArray) a[10], (DoubleArray) a[11], ((IntArray) a[8]).getSize());");
        line("}");
        line("");
        line("public static void run(" + arr + " init, " + arr + " par, DoubleArray evT, IntArray evF, " + arr + " outS, " + arr + " outO,");
        line("        " + arr + " sumS, " + arr + " sumO, IntArray status, IntArray steps, IntArray ints, DoubleArray reals, int size) {");
        indent++;
        line("final int first = ints.get(0);");
        line("final int end = ints.get(1);");
        line("final int stride = ints.get(2);");
        line("final int nEvents = ints.get(3);");
        line("final int nSaves = ints.get(4);");
        line("final int nWindows = ints.get(5);");
        line("final double t0 = reals.get(0);");
        line("final double dtInit = reals.get(1);");
        line("final double dtMin = reals.get(2);");
        line("final double dtMax = reals.get(3);");
        line("final long maxSteps = (long) reals.get(4);");
        line("for (@Parallel int r = 0; r < size; r++) {");
        indent++;
        line("if (r >= first && r < end) {");
        indent++;
        body(); // written out here: TornadoVM refuses to inline a method this large
        indent--;
        line("}");
        indent--;
        line("}");
        indent--;
        line("}");
        indent--;
        line("}");
        return out.toString();
    }

    /** pow2, pow3 and pow4 in both precisions: what ExpressionWriter writes for small whole powers (Java dialects). */
    private void powers() {
        for (String t : List.of("double", "float")) {
            line("private static " + t + " pow2(" + t + " x) { return x * x; }");
            line("private static " + t + " pow3(" + t + " x) { return x * x * x; }");
            line("private static " + t + " pow4(" + t + " x) { " + t + " s = x * x; return s * s; }");
        }
    }

    private String javaSource(String cls) {
        line("package org.tornadobatch.generated;");
        line("");
        line("import java.lang.foreign.MemorySegment;");
        line("import java.lang.foreign.ValueLayout;");
        line("");
        line("/** Generated by tornado-batch for " + sys.name() + ", " + tab.name() + ", " + ctl.controller() + ", " + spec.precision() + ". */");
        line("public final class " + cls + " implements org.tornadobatch.device.jvm.JvmKernelBody {");
        indent++;
        line("private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE;");
        line("private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;");
        line("private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;");
        line("");
        powers();
        line("");
        line("@Override");
        line("public void run(int first, int end, Object[] a) {");
        indent++;
        String[] segs = {"init", "par", "evT", "evF", "outS", "outO", "sumS", "sumO", "status", "steps"};
        for (int i = 0; i < segs.length; i++) {
            line("final MemorySegment " + segs[i] + " = (MemorySegment) a[" + i + "];");
        }
        line("final int n = (Integer) a[" + KernelSpec.ARG_RUNS + "];");
        line("final long stride = (Integer) a[" + KernelSpec.ARG_STRIDE + "];");
        line("final int nEvents = (Integer) a[" + KernelSpec.ARG_EVENTS + "];");
        line("final double t0 = (Double) a[" + KernelSpec.ARG_T0 + "];");
        line("final double dtInit = (Double) a[" + KernelSpec.ARG_DT + "];");
        line("final double dtMin = (Double) a[" + KernelSpec.ARG_DT_MIN + "];");
        line("final double dtMax = (Double) a[" + KernelSpec.ARG_DT_MAX + "];");
        line("final long maxSteps = (Long) a[" + KernelSpec.ARG_MAX_STEPS + "];");
        line("final double[] atol = (double[]) a[" + KernelSpec.ARG_ATOL + "];");
        line("final double[] rtol = (double[]) a[" + KernelSpec.ARG_RTOL + "];");
        line("final int nSaves = (Integer) a[" + KernelSpec.ARG_SAVES + "];");
        line("final int nWindows = (Integer) a[" + KernelSpec.ARG_WINDOWS + "];");
        line("final int firstRun = (Integer) a[" + KernelSpec.ARG_FIRST + "];");
        line("final int last = (int) Math.min((long) firstRun + end, n);");
        line("for (int r = firstRun + first; r < last; r++) {");
        line("    runOne(r, init, par, evT, evF, outS, outO, sumS, sumO, status, steps, stride, nEvents, t0, dtInit, dtMin, dtMax,");
        line("            maxSteps, atol, rtol, nSaves, nWindows);");
        line("}");
        indent--;
        line("}");
        line("");
        line("private static void runOne(int r, MemorySegment init, MemorySegment par, MemorySegment evT, MemorySegment evF,");
        line("        MemorySegment outS, MemorySegment outO, MemorySegment sumS, MemorySegment sumO, MemorySegment status,");
        line("        MemorySegment steps, long stride, int nEvents, double t0, double dtInit, double dtMin, double dtMax,");
        line("        long maxSteps, double[] atol, double[] rtol, int nSaves, int nWindows) {");
        indent++;
        body();
        indent--;
        line("}");
        indent--;
        line("}");
        return out.toString();
    }

    /** One run's integration, from the initial state to the status; {@code r} is the run. */
    private void body() {
        for (int i = 0; i < nStates; i++) {
            line(T + " y" + i + " = " + d.load("init", LT, i + "L * stride + r") + ";");
        }
        for (int i = 0; i < sys.parameters().size(); i++) {
            line(F + T + " p" + i + " = " + d.load("par", LT, i + "L * stride + r") + ";");
        }
        if (ctl.controller().isAdaptive()) {
            for (int i = 0; i < nStates; i++) {
                line(F + "double at" + i + " = " + d.tolerance("atol", i) + ", rt" + i + " = " + d.tolerance("rtol", i) + ";");
            }
            line("double le1 = 0.0, le2 = 0.0, dtPrev = 0.0;");
            line(d.bool() + " history = false;");
        }
        line("double t = t0;");
        line("double dt = dtInit;");
        line("int code = 0;");
        line(d.int64() + " accepted = 0, rejected = 0;");
        line("int saveIdx = 0, winIdx = 0;");
        summaries.declare();
        for (int i = 0; i < nStates; i++) {
            line(T + " k0_" + i + ";");
        }
        rhs("t", stateNames(), "k0_");
        lineIf(d.beforeEventLoop());
        line("for (int e = 0; " + d.eventLoopCondition() + "; e++) {");
        indent++;
        line(F + "double tEv = " + d.load("evT", "F64", "e") + ";");
        advance();
        if (d.structured()) {
            line("if (code == 0) {"); // the event, once the run reached it
            indent++;
        }
        StringBuilder finite = new StringBuilder();
        for (int i = 0; i < nStates; i++) {
            finite.append(i > 0 ? " + " : "").append("(y").append(i).append(" - y").append(i).append(")");
        }
        line("if (!(" + finite + " == 0)) {");
        line("    code |= " + RunStatus.NON_FINITE_STATE.bit() + ";");
        if (d.structured()) {
            line("} else {");
            indent++;
        } else {
            line("    break;");
            line("}");
        }
        line(F + "int flags = " + d.load("evF", "I32", "e") + ";");
        events();
        if (d.structured()) {
            indent--;
            line("}");
            indent--;
            line("}");
        }
        indent--;
        line("}");
        lineIf(d.afterEventLoop());
        // Whatever a failed run did not reach is NaN.
        line("if (code != 0) {");
        indent++;
        fillNaN();
        indent--;
        line("}");
        line(d.store("status", "I32", "r", "code"));
        line(d.store("steps", "I32", "r", "(int) (accepted < 2147483647 ? accepted : 2147483647)"));
        line(d.store("steps", "I32", "stride + r", "(int) (rejected < 2147483647 ? rejected : 2147483647)"));
    }

    // ------------------------------------------------------------------------------------------ stepping

    /**
     * Advances the run to {@code tEv}. Adaptive controllers: a loop of attempted steps, the last shortened to land
     * on the event. Fixed steps: a counted loop of whole steps of {@code dt} (no time arithmetic or landing test
     * per step; the coefficient products {@code h * a_ij} are loop-invariant), then one step that lands on the
     * event: the whole steps are those that end more than {@code 1e-6 dt} before it.
     */
    private void advance() {
        if (ctl.controller().isAdaptive()) {
            line("while (" + d.stepLoopCondition() + ") {");
            indent++;
            adaptiveStep();
            indent--;
            line("}");
            return;
        }
        String i64 = d.int64();
        line("if (t < tEv) {");
        indent++;
        line(F + "double tBase = t;");
        line(i64 + " full = (" + i64 + ") ((tEv - tBase) / dt - 1e-6);");
        line("if (full < 0) {");
        line("    full = 0;");
        line("}");
        line(F + d.bool() + " capped = full >= maxSteps - accepted;");
        line("if (capped) {");
        line("    full = maxSteps - accepted;");
        line("}");
        line("{");
        indent++;
        // Held as a constant where the dialect asks for it (the launch's dt has the same value: see key()).
        line(F + "double h = " + (holdsStep(spec, d) ? d.literal(ctl.dt(), false) : "dt") + ";");
        coefficients();
        if (d.unrollsFixedSteps() && nStates * tab.stages() <= UNROLL_MAX_WORK) {
            // Two steps per iteration, then the odd one: the same steps in the same order, half the loop's overhead.
            line("for (" + i64 + " s = 0; s < full - 1; s += 2) {");
            indent++;
            fixedStep("tBase + (double) s * h");
            fixedStep("tBase + (double) (s + 1) * h");
            indent--;
            line("}");
            line("if ((full & 1) != 0) {");
            indent++;
            fixedStep("tBase + (double) (full - 1) * h");
            indent--;
            line("}");
        } else {
            line("for (" + i64 + " s = 0; s < full; s++) {");
            indent++;
            fixedStep("tBase + (double) s * h");
            indent--;
            line("}");
        }
        indent--;
        line("}");
        line("accepted += full;");
        line("t = tBase + (double) full * dt;");
        line("if (capped) {");
        line("    code |= " + RunStatus.MAX_STEPS_EXCEEDED.bit() + ";");
        lineIf(leave());
        line("} else {");
        indent++;
        line(F + "double h = tEv - t;");
        coefficients();
        stages("t");
        acceptState();
        line("t = tEv;");
        line("accepted++;");
        nextFirstStage(tab.isFsal(), "t");
        indent--;
        line("}");
        indent--;
        line("}");
    }

    /** One fixed step from time {@code ts}, in a block of its own. */
    private void fixedStep(String ts) {
        line("{");
        indent++;
        line(F + "double ts = " + ts + ";");
        stages("ts");
        acceptState();
        nextFirstStage(tab.isFsal(), "ts + h");
        indent--;
        line("}");
    }

    /** {@code hh} (h in the working type) and the products {@code hA<stage>_<j> = hh * a[stage][j]}, {@code hB<j> = hh * b[j]}. */
    private void coefficients() {
        line(F + T + " hh = " + (single ? "(float) h" : "h") + ";");
        double[][] a = tab.a();
        for (int st = 1; st < tab.stages(); st++) {
            for (int j = 0; j < st && j < a[st].length; j++) {
                if (a[st][j] != 0) {
                    line(F + T + " hA" + st + "_" + j + " = hh * " + d.literal(a[st][j], single) + ";");
                }
            }
        }
        double[] b = tab.b();
        for (int j = 0; j < b.length; j++) {
            if (b[j] != 0) {
                line(F + T + " hB" + j + " = hh * " + d.literal(b[j], single) + ";");
            }
        }
    }

    /** The stages of one step from time {@code tStart} with step {@code h}, into {@code k<stage>_<i>}, and the new state {@code n<i>}. */
    private void stages(String tStart) {
        int s = tab.stages();
        double[][] a = tab.a();
        double[] c = tab.c();
        boolean fsal = tab.isFsal();
        for (int st = 1; st < s; st++) {
            for (int i = 0; i < nStates; i++) {
                line(T + " k" + st + "_" + i + ";");
            }
            if (fsal && st == s - 1) {
                continue; // the last stage is evaluated at the new state, below
            }
            line("{");
            indent++;
            String[] z = new String[nStates];
            for (int i = 0; i < nStates; i++) {
                z[i] = "z" + i;
                line(F + T + " z" + i + " = " + increment("y" + i, "hA" + st + "_", a[st], st, i) + ";");
            }
            rhs(tStart + " + " + d.literal(c[st], false) + " * h", z, "k" + st + "_");
            indent--;
            line("}");
        }
        for (int i = 0; i < nStates; i++) {
            line(F + T + " n" + i + " = " + increment("y" + i, "hB", tab.b(), s, i) + ";");
        }
        if (fsal) {
            String[] nn = new String[nStates];
            for (int i = 0; i < nStates; i++) {
                nn[i] = "n" + i;
            }
            rhs(tStart + " + h", nn, "k" + (s - 1) + "_");
        }
    }

    /** {@code y + p<j> * k<j>_<i> + ...} over the non-zero weights {@code w[j]}, {@code j < upTo}, with products named {@code p<j>}. */
    private static String increment(String y, String products, double[] w, int upTo, int i) {
        StringBuilder sb = new StringBuilder(y);
        for (int j = 0; j < upTo && j < w.length; j++) {
            if (w[j] != 0) {
                sb.append(" + ").append(products).append(j).append(" * k").append(j).append("_").append(i);
            }
        }
        return sb.toString();
    }

    private void adaptiveStep() {
        int s = tab.stages();
        line("if (accepted + rejected >= maxSteps) {");
        line("    code |= " + RunStatus.MAX_STEPS_EXCEEDED.bit() + ";");
        lineIf(leave());
        line(d.structured() ? "} else {" : "}");
        if (d.structured()) {
            indent++;
        }
        line(F + "double rem = tEv - t;");
        line(F + d.bool() + " hit = rem <= dt * 1.000001;");
        line(F + "double h = hit ? rem : dt;");
        coefficients();
        stages("t");
        double[] ew = tab.errorWeights();
        String max = d.math("max");
        String abs = d.math("abs");
        String min = d.math("min");
        line("double acc = 0.0;");
        for (int i = 0; i < nStates; i++) {
            line("{");
            line("    " + F + "double err = " + max + "(" + abs + "((double) (hh * (" + combination(ew, s, i) + "))), 1e-16);");
            line("    " + F + "double sc = at" + i + " + rt" + i + " * " + max + "(" + abs + "((double) y" + i + "), " + abs + "((double) n" + i + "));");
            line("    " + F + "double q = err / sc;");
            line("    acc += q * q;");
            line("}");
        }
        line("double err = " + d.math("sqrt") + "(acc * " + d.literal(1.0 / nStates, false) + ");");
        line(F + d.bool() + " finiteErr = err < 1e300;");
        line("if (!finiteErr) {");
        line("    err = 1e8;");
        line("}");
        line(F + d.bool() + " accept = err <= 1.0;");
        line(F + "double le = " + d.math("log") + "(" + max + "(err, 1e-4));");
        gain();
        line("if (accept) {");
        indent++;
        acceptState();
        line("t = hit ? tEv : t + h;");
        line("accepted++;");
        line("if (!(hit && h < dt * 0.999999)) {");
        indent++;
        line("le2 = le1;");
        line("le1 = le;");
        line("dtPrev = h;");
        line("history = true;");
        line("dt = " + min + "(" + max + "(h * gain, dtMin), dtMax);");
        indent--;
        line("}");
        nextFirstStage(tab.isFsal(), "t");
        indent--;
        line("} else {");
        indent++;
        line("rejected++;");
        line("if (h <= dtMin) {");
        line("    code |= " + RunStatus.STEP_TOO_SMALL.bit() + " | (finiteErr ? 0 : " + RunStatus.NON_FINITE_STATE.bit() + ");");
        lineIf(leave());
        line("}");
        line("dt = " + max + "(h * gain, dtMin);"); // harmless after a failure: the step loop's condition ends it
        indent--;
        line("}");
        if (d.structured()) {
            indent--;
            line("}");
        }
    }

    /** The indented statement that leaves the event loop after a failure, or null where the loop conditions end it. */
    private String leave() {
        String s = d.leaveEventLoop();
        return s == null ? null : "    " + s;
    }

    private void gain() {
        double p = tab.errorOrder();
        String lg = d.math("log") + "(err)";
        String exp = d.math("exp");
        String min = d.math("min");
        String max = d.math("max");
        Controller c = ctl.controller();
        switch (c) {
            case I -> line("double gain = " + ctl.safety() + " * " + exp + "(" + (-1.0 / p) + " * " + lg + ");");
            case PI, PID -> {
                String expo = (-ctl.kp() / p) + " * " + lg + " + (history ? " + (-ctl.ki() / p) + " * le1"
                        + (c == Controller.PID ? " + " + (-ctl.kd() / p) + " * le2" : "") + " : 0.0)";
                line("double gain = " + ctl.safety() + " * " + exp + "(" + expo + ");");
            }
            case GUSTAFSSON -> {
                line("double gain = " + ctl.safety() + " * " + exp + "(" + (-1.0 / p) + " * " + lg + ");");
                line("if (accept && history) {");
                line("    gain = " + min + "(gain, " + ctl.safety() + " * (h / dtPrev) * " + exp + "(" + (-1.0 / p) + " * (2.0 * "
                        + lg + " - le1)));");
                line("}");
            }
            default -> throw new IllegalStateException(c.toString());
        }
        line("gain = " + min + "(" + max + "(gain, " + ctl.minGain() + "), " + ctl.maxGain() + ");");
        if (ctl.deadbandMin() < 1 || ctl.deadbandMax() > 1) {
            line("if (gain >= " + ctl.deadbandMin() + " && gain <= " + ctl.deadbandMax() + ") {");
            line("    gain = 1.0;");
            line("}");
        }
        line("if (!accept) {");
        line("    gain = " + min + "(gain, " + ctl.safety() + ");");
        line("}");
    }

    private void acceptState() {
        for (int i = 0; i < nStates; i++) {
            line("y" + i + " = n" + i + ";");
        }
    }

    /** The first stage of the next step, at time {@code time}: the last stage of this one for FSAL methods. */
    private void nextFirstStage(boolean fsal, String time) {
        if (fsal) {
            int last = tab.stages() - 1;
            for (int i = 0; i < nStates; i++) {
                line("k0_" + i + " = k" + last + "_" + i + ";");
            }
        } else {
            rhs(time, stateNames(), "k0_");
        }
    }

    /** {@code sum_j w[j] * k_j_i} over non-zero weights, for stages below {@code upTo}. */
    private String combination(double[] w, int upTo, int i) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < upTo && j < w.length; j++) {
            if (w[j] == 0) {
                continue;
            }
            sb.append(sb.isEmpty() ? "" : " + ");
            if (w[j] == 1) {
                sb.append("k").append(j).append("_").append(i);
            } else {
                sb.append(d.literal(w[j], single)).append(" * k").append(j).append("_").append(i);
            }
        }
        return sb.isEmpty() ? d.literal(0, single) : sb.toString();
    }

    // ------------------------------------------------------------------------------------------ right-hand side

    /** Evaluates the derivatives at time {@code time} and states {@code states} into {@code target + i}. */
    private void rhs(String time, String[] states, String target) {
        line("{");
        indent++;
        Set<String> needed = auxiliariesFor(sys.derivatives().stream().map(Equation::expression).toList());
        ExpressionWriter w = writer(states, "tt");
        line(F + "double tt = " + time + ";");
        for (Equation aux : sys.auxiliaries()) {
            if (needed.contains(aux.name())) {
                line(F + T + " a_" + aux.name() + " = " + w.write(aux.expression()) + ";");
            }
        }
        List<Equation> d = sys.derivatives();
        for (int i = 0; i < d.size(); i++) {
            line(target + i + " = " + w.write(d.get(i).expression()) + ";");
        }
        indent--;
        line("}");
    }

    private ExpressionWriter writer(String[] states, String time) {
        Map<String, String> names = new java.util.HashMap<>();
        for (int i = 0; i < nStates; i++) {
            names.put(sys.states().get(i).name(), states[i]);
        }
        for (int i = 0; i < sys.parameters().size(); i++) {
            names.put(sys.parameters().get(i).name(), "p" + i);
        }
        for (Equation aux : sys.auxiliaries()) {
            names.put(aux.name(), "a_" + aux.name());
        }
        names.put("t", single ? "((float) " + time + ")" : time);
        return new ExpressionWriter(d, single, names::get);
    }

    /** Auxiliaries the expressions use, directly or through other auxiliaries. */
    private Set<String> auxiliariesFor(List<Expr> exprs) {
        Map<String, Expr> aux = new java.util.HashMap<>();
        sys.auxiliaries().forEach(e -> aux.put(e.name(), e.expression()));
        Set<String> needed = new LinkedHashSet<>();
        java.util.ArrayDeque<Expr> work = new java.util.ArrayDeque<>(exprs);
        while (!work.isEmpty()) {
            work.pop().forEachRef(r -> {
                if (aux.containsKey(r.name()) && needed.add(r.name())) {
                    work.push(aux.get(r.name()));
                }
            });
        }
        return needed;
    }

    private String[] stateNames() {
        String[] s = new String[nStates];
        for (int i = 0; i < nStates; i++) {
            s[i] = "y" + i;
        }
        return s;
    }

    // ------------------------------------------------------------------------------------------ outputs

    private void events() {
        SummaryWriter sw = summaries;
        int[] obsForSave = spec.savedObservables();
        int[] obsForSample = spec.summarisedObservables();
        if (sw.active()) {
            line("if ((flags & " + Schedule.CLOSE_WINDOW + ") != 0) {");
            indent++;
            sw.close();
            indent--;
            line("}");
            line("if ((flags & " + Schedule.SAMPLE + ") != 0) {");
            indent++;
            observables(obsForSample);
            sw.sample();
            indent--;
            line("}");
        }
        if (spec.savedStates().length > 0 || obsForSave.length > 0) {
            line("if ((flags & " + Schedule.SAVE + ") != 0) {");
            indent++;
            observables(obsForSave);
            int[] ss = spec.savedStates();
            for (int j = 0; j < ss.length; j++) {
                line(d.store("outS", LT, "((" + d.int64() + ") saveIdx * " + ss.length + " + " + j + ") * stride + r", "y" + ss[j]));
            }
            for (int j = 0; j < obsForSave.length; j++) {
                line(d.store("outO", LT, "((" + d.int64() + ") saveIdx * " + obsForSave.length + " + " + j + ") * stride + r",
                        "o" + obsForSave[j]));
            }
            indent--;
            line("}");
        }
        line("if ((flags & " + Schedule.SAVE + ") != 0) {");
        line("    saveIdx++;");
        line("}");
    }

    /** Declares {@code o<i>} for the observables listed (computing the auxiliaries they need). */
    void observables(int[] which) {
        if (which.length == 0) {
            return;
        }
        List<String> obs = sys.observables();
        Map<String, Expr> aux = new java.util.HashMap<>();
        sys.auxiliaries().forEach(e -> aux.put(e.name(), e.expression()));
        List<Expr> roots = new java.util.ArrayList<>();
        for (int i : which) {
            roots.add(new Expr.Ref(obs.get(i), null));
        }
        Set<String> needed = auxiliariesFor(roots);
        ExpressionWriter w = writer(stateNames(), "t");
        for (Equation e : sys.auxiliaries()) {
            if (needed.contains(e.name())) {
                line(F + T + " a_" + e.name() + " = " + w.write(e.expression()) + ";");
            }
        }
        for (int i : which) {
            line(F + T + " o" + i + " = a_" + obs.get(i) + ";");
        }
    }

    private void fillNaN() {
        String nan = d.nan(single);
        int ss = spec.savedStates().length;
        int so = spec.savedObservables().length;
        if (ss + so > 0) {
            line("for (int k = saveIdx; k < nSaves; k++) {");
            for (int j = 0; j < ss; j++) {
                line("    " + d.store("outS", LT, "((" + d.int64() + ") k * " + ss + " + " + j + ") * stride + r", nan));
            }
            for (int j = 0; j < so; j++) {
                line("    " + d.store("outO", LT, "((" + d.int64() + ") k * " + so + " + " + j + ") * stride + r", nan));
            }
            line("}");
        }
        summaries.fillNaN(nan);
    }

    // ------------------------------------------------------------------------------------------ emission

    String type() {
        return T;
    }

    Dialect dialect() {
        return d;
    }

    boolean single() {
        return single;
    }

    String layout() {
        return LT;
    }

    void line(String s) {
        out.append("    ".repeat(Math.max(indent, 0))).append(s).append('\n');
    }

    private void lineIf(String s) {
        if (s != null) {
            line(s);
        }
    }

    void indent(int delta) {
        indent += delta;
    }

    static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
