package org.tornadobatch.solver.kernel;

import static org.tornadobatch.solver.kernel.Code.ex;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.tornadobatch.device.KernelSignature;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.RunStatus;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.kernel.Code.Body;
import org.tornadobatch.solver.kernel.Code.Ex;
import org.tornadobatch.solver.kernel.Code.St;
import org.tornadobatch.solver.kernel.Code.Ty;
import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.Equation;
import org.tornadobatch.system.Expr;
import org.tornadobatch.system.OdeSystem;

/**
 * Generates the kernel of a {@link KernelSpec} in Java (for the {@code jvm} runtime), CUDA C++ (for the
 * {@code cuda} runtime) or TornadoVM Java. Each run is integrated by one thread in straight-line code, with the
 * state, the stages and the summary accumulators in local variables (registers on a GPU), the tableau's
 * coefficients as literals (zeros dropped), the system's constants folded, and the controller written out. Batch
 * arrays are indexed {@code (..., run)} with the run fastest, so neighbouring threads touch neighbouring
 * addresses; the kernel's parameters are {@link KernelArg}'s, and its signature {@link KernelArg#signature}.
 *
 * <p>The parts: this class (one run as {@link Code} statements: the initial state, the event loop, saves, the
 * right-hand side, observables), {@link StepWriter} (fixed and adaptive steps) and {@link SummaryWriter} (summary
 * metrics) write statements, not text; {@link Printer} prints them in a {@link Dialect} (with
 * {@link ExpressionWriter} for the system's expressions), inside {@link KernelFrames} (each dialect's function or
 * class around a run). A new method family adds a writer of statements; a new dialect, a {@code Dialect} and a frame.
 */
public final class KernelGenerator {
    /** Bumped whenever the generated code changes meaning, so cached kernels are not reused. */
    static final String VERSION = "20";

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
    private final OdeSystem sys;
    private final ButcherTableau tab;
    private final StepControl ctl;
    private final boolean single;
    private final Ty R;
    private final String LT;
    private final int nStates;
    private final SummaryWriter summaries;
    private final StepWriter steps;
    private final DriverStatements drivers;
    /** The auxiliaries' expressions as the kernel computes them ({@link ExpressionWriter#doubledSums}). */
    private final Map<String, Expr> auxiliaries = new java.util.HashMap<>();

    private KernelGenerator(KernelSpec spec, Dialect dialect) {
        this.spec = spec;
        this.d = dialect;
        this.sys = spec.system();
        this.tab = spec.tableau();
        this.ctl = spec.control();
        this.single = spec.precision() == Precision.FLOAT32;
        this.R = Ty.real(single);
        this.LT = single ? "F32" : "F64";
        this.nStates = sys.states().size();
        this.summaries = new SummaryWriter(this, spec);
        this.steps = new StepWriter(this, spec);
        this.drivers = new DriverStatements(spec, dialect == Dialect.JAVA);
        for (Equation a : sys.auxiliaries()) {
            auxiliaries.put(a.name(), ExpressionWriter.doubledSums(a.expression(), auxiliaries));
        }
    }

    /** The summary statements of {@code spec} as the Java kernel writes them (for the vector kernel's per-run summaries). */
    static SummaryWriter javaSummaries(KernelSpec spec) {
        return new KernelGenerator(spec, Dialect.JAVA).summaries;
    }

    /** A system expression, computed in the working type with {@code names}, written as the kernel computes it. */
    private Code.Sys sys(Expr e, Map<String, Ex> names) {
        return new Code.Sys(ExpressionWriter.doubledSums(e, auxiliaries), single, names);
    }

    /**
     * What determines the code {@link #generate} writes for {@code spec} in {@code language}: the spec's
     * fingerprint and, where the language's float32 fixed-step kernels hold their step size as a constant
     * ({@link Dialect#holdsFixedStep()}: TornadoVM), that step size. Kernels are cached under it.
     */
    public static String key(KernelSpec spec, String language) {
        String base = spec.fingerprint() + (IterationMatrix.reusesJacobian(spec) || !IterationMatrix.mayReuseJacobian(spec) ? "" : "#jacobianEveryStep");
        if (language.equals(JAVA_VECTOR)) {
            return base + "#vector";
        }
        Integer parts = language.equals("java") ? JavaParts.requestedPartChars() : null;
        if (parts != null) {
            return base + "#parts=" + parts;
        }
        return holdsStep(spec, dialect(spec, language)) ? base + "#dt=" + spec.control().dt() : base;
    }

    /**
     * Float32 only: there the coefficients become immediate operands, which took the float32 Lorenz RK4 kernel from
     * 1.19x to 1.02x of NVRTC's on the H200. Float64 multiply-adds take no 64-bit immediates, and its kernel kept its
     * time whether the coefficients were constants, computed once, or computed per event (within 2%).
     */
    static boolean holdsStep(KernelSpec spec, Dialect d) {
        return d.holdsFixedStep() && !spec.control().controller().isAdaptive() && spec.precision() == Precision.FLOAT32;
    }

    private static Dialect dialect(KernelSpec spec, String language) {
        return switch (language) {
            case "java", JAVA_VECTOR -> Dialect.JAVA;
            case "cuda" -> Dialect.CUDA;
            case "tornadovm" -> new Dialect.TornadoVm(signature(spec));
            default -> throw new IllegalArgumentException("language: " + language + " (expected: one of " + LANGUAGES + ")");
        };
    }

    /**
     * The jvm runtime's vector kernels ({@link VectorKernelWriter}): Java source over {@code jdk.incubator.vector}, for
     * specs it {@linkplain VectorKernelWriter#supports supports}.
     */
    public static final String JAVA_VECTOR = "java-vector";

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
        if (language.equals(JAVA_VECTOR)) {
            String why = VectorKernelWriter.unsupported(spec);
            if (why != null) {
                throw new IllegalArgumentException("spec: no vector kernel for " + why + " (expected: the scalar kernel, language java)");
            }
            name = "KV" + hash; // a vector kernel, in SolveInfo.kernel and run.json
            return new KernelSource("java", "org.tornadobatch.generated." + name, VectorKernelWriter.write(spec, name, KernelFrames.header(spec)),
                    Map.of("--add-modules", "jdk.incubator.vector"), signature(spec));
        }
        KernelGenerator g = new KernelGenerator(spec, dialect(spec, language));
        KernelSignature sig = signature(spec);
        KernelFrames frames = new KernelFrames(g, spec, sig);
        return switch (language) {
            case "java" -> new KernelSource("java", "org.tornadobatch.generated." + name, frames.java(name), Map.of(), sig);
            case "cuda" -> new KernelSource("cuda", name, frames.cuda(name), Map.of(), sig);
            default -> new KernelSource("tornadovm", "org.tornadobatch.generated." + name, frames.tornadoVm(name), tornadoVmOptions(spec), sig);
        };
    }

    /** Register cap recommended to TornadoVM's PTX backend for small adaptive explicit float32 kernels (see below). */
    static final int TORNADOVM_F32_MAX_REGISTERS = 64;

    /**
     * The tornadovm kernel's options: {@code -g}, and a register cap on PTX ({@code tornadovm.maxRegisters}) for adaptive
     * explicit float32 kernels of at most 7 stages (the 5(4) pairs' size), up to 4 states and no drivers. Measured
     * (NVIDIA H100, 2026-12-07, through the property): CUDA's JIT gives TornadoVM's dormand-prince-54 Lorenz float32
     * kernel 80 registers where nvcc gives this project's CUDA kernel 62, and ptxas fits it in 64 without spills;
     * capped, it ran in 10.71 ms instead of 11.10 (cuda 9.56). The float64 kernel (20.19 -> 21.24 ms) and radau-iia-5
     * on Robertson (end to end 25.8 -> 61.6 ms) ran slower capped, so they and the larger tableaus (not measured) keep
     * CUDA's choice.
     */
    static Map<String, String> tornadoVmOptions(KernelSpec spec) {
        boolean capped = spec.precision() == org.tornadobatch.solver.Precision.FLOAT32 && spec.control().controller().isAdaptive()
                && !spec.tableau().isImplicit() && !spec.tableau().isRosenbrock() && spec.drivers() == null
                && spec.tableau().stages() <= 7 && spec.system().states().size() <= 4;
        return capped ? Map.of("-g", "", "tornadovm.maxRegisters", String.valueOf(TORNADOVM_F32_MAX_REGISTERS)) : Map.of("-g", "");
    }

    /** The signature of {@code spec}'s kernel. */
    public static KernelSignature signature(KernelSpec spec) {
        return KernelArg.signature(spec.precision(), spec.system().states().size());
    }

    /** One run's integration, from the initial state to the status; {@code r} is the run. */
    List<St> body() {
        OutputWriter outputs = new OutputWriter(this, spec, summaries);
        Body b = new Body();
        for (int i = 0; i < nStates; i++) {
            b.declare(false, R, "y" + i, new Code.Load("init", LT, ex(i + "L * stride + r")));
        }
        for (int i = 0; i < sys.parameters().size(); i++) {
            b.declare(true, R, "p" + i, new Code.Load("par", LT, ex(i + "L * stride + r")));
        }
        if (ctl.controller().isAdaptive()) {
            // Tolerances in float32: the error norm is float32 in every precision (StepWriter.adaptiveStep).
            for (int i = 0; i < nStates; i++) {
                b.declare(true, Ty.FLOAT, Code.var("at" + i, ex("(float) ", new Code.Tolerance(KernelArg.ATOL.label(), i))),
                        Code.var("rt" + i, ex("(float) ", new Code.Tolerance(KernelArg.RTOL.label(), i))));
            }
            // The controller's history: log2 of the last two error norms, in float32 in every precision (see StepWriter.gain).
            b.declare(false, Ty.FLOAT, Code.var("le1", "0.0f"), Code.var("le2", "0.0f"));
            b.declare(false, Ty.DOUBLE, "dtPrev", "0.0");
            b.declare(false, Ty.BOOL, "history", "false");
        }
        b.declare(false, Ty.DOUBLE, "t", "t0");
        b.declare(false, Ty.DOUBLE, "dt", "dtInit");
        b.declare(false, Ty.INT, "code", "0");
        if (tab.isImplicit()) {
            b.declare(false, Ty.BOOL, "singular", "false"); // the last attempted step's matrix (IterationMatrix)
            // Jacobian evaluations and matrix factorisations of every attempted step (rows of steps, KernelSpec.perRunRows).
            b.declare(false, Ty.INT64, Code.var("jacEvals", "0"), Code.var("luCount", "0"));
        }
        if (tab.usesNewton()) {
            b.declare(false, Ty.BOOL, "newtonFail", "false"); // the last attempted step's Newton iteration (SdirkWriter, FirkWriter)
            b.declare(false, Ty.INT64, "newtonIts", "0"); // Newton iterations of every attempted step: a row of steps
            if (ctl.controller().isAdaptive()) {
                b.addAll(SdirkWriter.newtonTolerance(nStates, single));
                // The attempt's most Newton iterations of one stage, and its largest contraction rate (SdirkWriter.convergence).
                b.declare(false, Ty.INT, "stepIts", "0");
                b.declare(false, Ty.FLOAT, "rate", "0.0f");
            }
        }
        if (IterationMatrix.reusesJacobian(spec)) {
            // J outlives the step (IterationMatrix.build): evaluated where needJac, jacFresh when at the attempt's start.
            b.addAll(IterationMatrix.declareJacobian(this, spec));
            b.declare(false, Ty.BOOL, Code.var("needJac", "true"), Code.var("jacFresh", "false"));
        }
        if (FirkWriter.retries(spec)) {
            b.declare(false, Ty.BOOL, "retry", "true"); // the first step, or one after a rejection: FirkWriter refines its estimate
        }
        b.declare(false, Ty.INT64, Code.var("accepted", "0"), Code.var("rejected", "0"));
        b.declare(false, Ty.INT, Code.var("saveIdx", "0"), Code.var("winIdx", "0"));
        if (spec.stepCounts()) {
            b.declare(false, Ty.INT64, Code.var("accSave", "0"), Code.var("rejSave", "0")); // the counts at the last save
        }
        b.addAll(summaries.declare());
        for (int i = 0; i < nStates; i++) {
            b.declare(false, R, "k0_" + i);
        }
        b.addAll(rhs(ex("t"), stateNames(), "k0_"));
        if (ctl.estimatesInitialStep()) {
            b.addAll(steps.initialStep());
        }
        b.add(new Code.EventLoop(Body.of(e -> {
            e.declare(true, Ty.DOUBLE, "tEv", new Code.Load("evT", "F64", ex("e")));
            e.addAll(steps.advance());
            StringBuilder finite = new StringBuilder();
            for (int i = 0; i < nStates; i++) {
                finite.append(i > 0 ? " + " : "").append("(y").append(i).append(" - y").append(i).append(")");
            }
            List<St> event = Body.of(x -> {
                x.declare(true, Ty.INT, "flags", new Code.Load("evF", "I32", ex("e")));
                x.addAll(outputs.events());
            });
            e.add(new Code.AfterSteps(List.of(new Code.Guard(ex("!(" + finite + " == 0)"),
                    Body.of(f -> f.update("code", "|=", RunStatus.NON_FINITE_STATE.bit())), new Code.Break(), event))));
        })));
        if (tab.isImplicit()) {
            b.when(ex("code != 0 && singular"), x -> x.update("code", "|=", RunStatus.SINGULAR_MATRIX.bit()));
        }
        if (tab.usesNewton()) {
            b.when(ex("code != 0 && newtonFail"), x -> x.update("code", "|=", RunStatus.NEWTON_FAILED.bit()));
        }
        // Whatever a failed run did not reach is NaN.
        b.when(ex("code != 0"), outputs::fillNaN);
        b.store("status", "I32", ex("r"), ex("code"));
        int[] rows = spec.perRunRows();
        for (int k = 0; k < rows.length; k++) {
            String count = COUNTERS.get(rows[k]);
            b.store("steps", "I32", ex(k == 0 ? "r" : k == 1 ? "stride + r" : k + " * stride + r"),
                    ex("(int) (" + count + " < 2147483647 ? " + count + " : 2147483647)"));
        }
        return b.statements();
    }

    /** The run's counter of each row of the per-run array that the kernel writes ({@link KernelSpec#perRunRows}). */
    private static final Map<Integer, String> COUNTERS = Map.of(SolveResult.PER_RUN_ACCEPTED, "accepted", SolveResult.PER_RUN_REJECTED,
            "rejected", SolveResult.PER_RUN_NEWTON, "newtonIts", SolveResult.PER_RUN_JACOBIANS, "jacEvals",
            SolveResult.PER_RUN_FACTORISATIONS, "luCount");

    // ------------------------------------------------------------------------------------------ right-hand side

    /** Evaluates the derivatives at time {@code time} and states {@code states} into {@code target + i}, in a block. */
    List<St> rhs(Ex time, String[] states, String target) {
        List<Expr> derivatives = sys.derivatives().stream().map(Equation::expression).toList();
        return evaluation(time, states, derivatives, (b, names) -> {
            for (int i = 0; i < derivatives.size(); i++) {
                b.assign(target + i, sys(derivatives.get(i), names));
            }
        });
    }

    /**
     * Assigns the non-zero entries {@code J<i>_<j>} of the Jacobian {@code jac} and the non-zero {@code dT<i>} of the
     * time derivatives {@code dT} (all declared by the caller) at time {@code time} and states {@code states}, in a
     * block with the auxiliaries and drivers they need.
     */
    List<St> jacobian(Ex time, String[] states, List<List<Expr>> jac, List<Expr> dT) {
        List<Expr> used = new java.util.ArrayList<>();
        jac.forEach(used::addAll);
        used.addAll(dT);
        return evaluation(time, states, used, (b, names) -> {
            for (int i = 0; i < jac.size(); i++) {
                for (int j = 0; j < jac.get(i).size(); j++) {
                    if (!org.tornadobatch.system.Differentiation.isZero(jac.get(i).get(j))) {
                        b.assign("J" + i + "_" + j, sys(jac.get(i).get(j), names));
                    }
                }
                if (!org.tornadobatch.system.Differentiation.isZero(dT.get(i))) {
                    b.assign("dT" + i, sys(dT.get(i), names));
                }
            }
        });
    }

    /**
     * Assigns {@code target<i> = sum_j J_ij v<j>} (declared by the caller) with the Jacobian {@code jac} at time
     * {@code time} and states {@code states}, in a block: a Jacobian-vector product from the generated derivatives,
     * over J's non-zero entries, without storing J ({@link KrylovSolve}).
     */
    List<St> jacobianProduct(Ex time, String[] states, List<List<Expr>> jac, String v, String target) {
        List<Expr> used = new java.util.ArrayList<>();
        jac.forEach(used::addAll);
        return evaluation(time, states, used, (b, names) -> {
            for (int i = 0; i < jac.size(); i++) {
                List<Object> parts = new java.util.ArrayList<>();
                for (int j = 0; j < jac.get(i).size(); j++) {
                    if (!org.tornadobatch.system.Differentiation.isZero(jac.get(i).get(j))) {
                        parts.addAll(List.of(parts.isEmpty() ? "(" : " + (", sys(jac.get(i).get(j), names), ") * " + v + j));
                    }
                }
                b.assign(target + i, parts.isEmpty() ? new Code.Lit(0, single) : new Code.Cat(parts));
            }
        });
    }

    /**
     * A block evaluating expressions {@code exprs} at time {@code time} ({@code tt}) and states {@code states}: the
     * drivers and auxiliaries they need, then {@code assign}'s statements, given the names they may refer to.
     */
    private List<St> evaluation(Ex time, String[] states, List<Expr> exprs, java.util.function.BiConsumer<Body, Map<String, Ex>> assign) {
        Set<String> needed = auxiliariesFor(exprs);
        Map<String, Ex> names = names(states, "tt");
        return List.of(new Code.Block(Body.of(b -> {
            b.declare(true, Ty.DOUBLE, "tt", time);
            List<Expr> used = new java.util.ArrayList<>(exprs);
            sys.auxiliaries().stream().filter(a -> needed.contains(a.name())).forEach(a -> used.add(a.expression()));
            drivers.values(b, "tt", used);
            for (Equation aux : sys.auxiliaries()) {
                if (needed.contains(aux.name())) {
                    b.declare(true, R, "a_" + aux.name(), sys(aux.expression(), names));
                }
            }
            assign.accept(b, names);
        })));
    }

    /** The names a system expression refers to: states, parameters, auxiliaries and time (in the working type). */
    private Map<String, Ex> names(String[] states, String time) {
        Map<String, Ex> names = new java.util.HashMap<>();
        for (int i = 0; i < nStates; i++) {
            names.put(sys.states().get(i).name(), ex(states[i]));
        }
        for (int i = 0; i < sys.parameters().size(); i++) {
            names.put(sys.parameters().get(i).name(), ex("p" + i));
        }
        for (Equation aux : sys.auxiliaries()) {
            names.put(aux.name(), ex("a_" + aux.name()));
        }
        names.put("t", ex(single ? "((float) " + time + ")" : time));
        for (String driver : sys.drivers()) {
            int j = sys.drivers().indexOf(driver);
            names.put(driver, ex(single ? "((float) dv" + j + ")" : "dv" + j));
        }
        return names;
    }

    private Set<String> auxiliariesFor(List<Expr> exprs) {
        return auxiliariesFor(sys, exprs);
    }

    /** The auxiliaries of {@code sys} that the expressions use, directly or through other auxiliaries. */
    static Set<String> auxiliariesFor(OdeSystem sys, List<Expr> exprs) {
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

    String[] stateNames() {
        String[] s = new String[nStates];
        for (int i = 0; i < nStates; i++) {
            s[i] = "y" + i;
        }
        return s;
    }

    // ------------------------------------------------------------------------------------------ outputs

    /** Declares {@code o<i>} for the observables listed (computing the auxiliaries they need). */
    List<St> observables(int[] which) {
        if (which.length == 0) {
            return List.of();
        }
        List<String> obs = sys.observables();
        List<Expr> roots = new java.util.ArrayList<>();
        for (int i : which) {
            roots.add(new Expr.Ref(obs.get(i), null));
        }
        Set<String> needed = auxiliariesFor(roots);
        Map<String, Ex> names = names(stateNames(), "t");
        Body b = new Body();
        drivers.values(b, "t", sys.auxiliaries().stream().filter(a -> needed.contains(a.name())).map(Equation::expression).toList());
        for (Equation e : sys.auxiliaries()) {
            if (needed.contains(e.name())) {
                b.declare(true, R, "a_" + e.name(), sys(e.expression(), names));
            }
        }
        for (int i : which) {
            b.declare(true, R, "o" + i, "a_" + obs.get(i));
        }
        return b.statements();
    }

    // ------------------------------------------------------------------------------------------ parts

    /** The working type. */
    Ty real() {
        return R;
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

    static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
