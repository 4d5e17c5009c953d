package org.tornadobatch.solver.kernel;

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
import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.run.Schedule;
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
 * <p>The parts: {@link KernelFrames} (each dialect's function or class around a run), this class (one run: the
 * initial state, the event loop, saves, the right-hand side, observables), {@link StepWriter} (fixed and adaptive
 * steps), {@link SummaryWriter} (summary metrics), over {@link Dialect} and {@link ExpressionWriter}.
 */
public final class KernelGenerator {
    /** Bumped whenever the generated code changes meaning, so cached kernels are not reused. */
    static final String VERSION = "8";

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
    private final StepWriter steps;
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
        this.steps = new StepWriter(this, spec);
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
    static boolean holdsStep(KernelSpec spec, Dialect d) {
        return d.holdsFixedStep() && !spec.control().controller().isAdaptive() && spec.precision() == Precision.FLOAT32;
    }

    private static Dialect dialect(KernelSpec spec, String language) {
        return switch (language) {
            case "java" -> Dialect.JAVA;
            case "cuda" -> Dialect.CUDA;
            case "tornadovm" -> new Dialect.TornadoVm(signature(spec));
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
        KernelSignature sig = signature(spec);
        KernelFrames frames = new KernelFrames(g, spec, sig);
        return switch (language) {
            case "java" -> new KernelSource("java", "org.tornadobatch.generated." + name, frames.java(name), Map.of(), sig);
            case "cuda" -> new KernelSource("cuda", name, frames.cuda(name), Map.of(), sig);
            default -> new KernelSource("tornadovm", "org.tornadobatch.generated." + name, frames.tornadoVm(name), Map.of("-g", ""), sig);
        };
    }

    /** The signature of {@code spec}'s kernel. */
    public static KernelSignature signature(KernelSpec spec) {
        return KernelArg.signature(spec.precision(), spec.system().states().size());
    }

    /** One run's integration, from the initial state to the status; {@code r} is the run. */
    void body() {
        for (int i = 0; i < nStates; i++) {
            line(T + " y" + i + " = " + d.load("init", LT, i + "L * stride + r") + ";");
        }
        for (int i = 0; i < sys.parameters().size(); i++) {
            line(F + T + " p" + i + " = " + d.load("par", LT, i + "L * stride + r") + ";");
        }
        if (ctl.controller().isAdaptive()) {
            for (int i = 0; i < nStates; i++) {
                line(F + "double at" + i + " = " + d.tolerance(KernelArg.ATOL.label(), i) + ", rt" + i + " = " + d.tolerance(KernelArg.RTOL.label(), i) + ";");
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
        steps.advance();
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

    // ------------------------------------------------------------------------------------------ right-hand side

    /** Evaluates the derivatives at time {@code time} and states {@code states} into {@code target + i}. */
    void rhs(String time, String[] states, String target) {
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

    String[] stateNames() {
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

    /** What was written so far. */
    String text() {
        return out.toString();
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
