package org.tornadobatch.solver.kernel;

import java.util.List;

import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.RunStatus;
import org.tornadobatch.solver.run.Schedule;
import org.tornadobatch.system.OdeSystem;

/**
 * The jvm runtime's vector kernel: Java over {@code jdk.incubator.vector} that advances a vector of runs (the
 * preferred species' lanes: 8 float64 lanes with AVX-512, 4 with AVX2) per instruction, in blocks of {@code V}
 * vectors whose steps interleave, so the CPU overlaps their latencies. The runs of a block share the event loop
 * (every run has the same event times); within it each lane steps, accepts, rejects and fails on its own, by
 * masks ({@link VectorStepWriter}), and a lane that has reached the event or failed keeps its values while the
 * others go on. States, stages and per-lane control values live in the block's workspace arrays between steps,
 * in structure-of-arrays order ({@code slot * B + lane}).
 *
 * <p>The kernel computes what the scalar kernel ({@link KernelGenerator}'s Java) does, in the same operations
 * and order, so fixed-step solves of systems without elementary functions agree with it bit for bit. Adaptive
 * solves differ only where the controller's {@code log} and {@code exp} (the Vector API's, not {@link Math}'s)
 * round a float32 gain the other way, which moves a step size by one float32 ulp. The kernel covers explicit
 * Runge-Kutta methods with every controller, and Rosenbrock methods (small steps in one method,
 * {@link VectorRosenbrockWriter}; past {@link #ROSENBROCK_MAX_WORK} in parts, {@link VectorRosenbrockParts}); saved
 * states and observables, step counts, Hairer's initial
 * step and summaries. Summaries are taken at events, which every run of a block shares: each run's accumulators
 * live in an object of its own ({@code Acc}), whose methods are the scalar kernel's summary statements
 * ({@link SummaryWriter}), so they agree with the scalar kernel's wherever the states do. Drivers are the scalar
 * kernel's interpolation lane by lane ({@link VectorDriverWriter}). Rosenbrock steps with drivers run the scalar
 * kernel ({@link #supports}).
 */
public final class VectorKernelWriter {
    /** Vectors per block: enough independent work to hide a step's latency, few enough to stay in the L1 cache. */
    static final int VECTORS = 8;

    /**
     * The most states of a vector kernel with observables or summaries: its event names every state (about 70 bytes
     * of bytecode a state), which stays under HotSpot's 8000-byte JIT limit up to here. Without them a big system's
     * load, event and saves are loops over the states, and any size the parser takes has a vector kernel.
     */
    static final int MAX_STATES = 100;

    /**
     * The largest Rosenbrock step (stages x states) written as one method ({@link VectorRosenbrockWriter}); larger ones
     * are written in parts ({@link VectorRosenbrockParts}). Measured on Robertson (3 states, 65537 runs to t = 100, jvm,
     * 2 cores): in one method ros3p (3 stages, 3.4 KB of bytecode) ran 2.9x faster than the scalar kernel, but rodas4
     * (6 stages, 5.4 KB) 7x slower, C2 no longer inlining the Vector API's methods into a step that large; in parts
     * rodas4 took 333 ms against the scalar kernel's 732 and rodas5p 230 against 674, while ros3p and rosenbrock23
     * took 20 to 25% longer in parts than in one method.
     */
    static final int ROSENBROCK_MAX_WORK = 9;

    private final KernelSpec spec;
    private final OdeSystem sys;
    private final VectorSource s;
    private final VectorStepWriter steps;
    private final int nStates;
    private final boolean adaptive;
    /** The scalar kernel's summary statements, printed into {@code Acc}. */
    private final SummaryWriter summaries;

    private VectorKernelWriter(KernelSpec spec) {
        this.spec = spec;
        this.sys = spec.system();
        this.s = new VectorSource(spec.precision() == Precision.FLOAT32);
        this.steps = new VectorStepWriter(s, spec);
        this.nStates = sys.states().size();
        this.adaptive = spec.control().controller().isAdaptive();
        this.summaries = KernelGenerator.javaSummaries(spec);
    }

    private static final String ACC_ARGS = "long r, long stride, int nWindows, MemorySegment sumS, MemorySegment sumO";
    static final String ACC_CALL = "stride, nWindows, sumS, sumO";

    /**
     * {@code Acc}: one run's summary accumulators as fields (SummaryWriter.declare), with its start (the first
     * window's peak slots), sample, close and NaN fill: the scalar kernel's statements, printed as they are there.
     */
    private void accumulators() {
        s.line("/** One run's summary accumulators and window; its methods are the scalar kernel's summary code. */");
        s.open("static final class Acc");
        s.line("int winIdx = 0;");
        StringBuilder fields = new StringBuilder();
        java.util.List<Code.St> start = new java.util.ArrayList<>();
        for (Code.St st : summaries.declare()) {
            if (st instanceof Code.Declare) {
                new Printer(Dialect.JAVA, fields, s.depth()).print(st);
            } else {
                start.add(st);
            }
        }
        s.raw(fields.toString());
        s.open("void start(" + ACC_ARGS + ")");
        s.raw(printed(start));
        s.close();
        s.open("void close(" + ACC_ARGS + ")");
        s.raw(printed(summaries.close()));
        s.close();
        StringBuilder values = new StringBuilder();
        for (int j : spec.summarisedStates()) {
            values.append(", ").append(s.primitive()).append(" y").append(j);
        }
        for (int j : spec.summarisedObservables()) {
            values.append(", ").append(s.primitive()).append(" o").append(j);
        }
        s.open("void sample(double tEv, " + ACC_ARGS + values + ")");
        s.raw(printed(summaries.sample()));
        s.close();
        s.open("void fill(" + ACC_ARGS + ")");
        s.raw(printed(summaries.fillNaN()));
        s.close();
        s.close();
        s.line("");
    }

    private String printed(java.util.List<Code.St> statements) {
        StringBuilder out = new StringBuilder();
        new Printer(Dialect.JAVA, out, s.depth()).print(statements);
        return out.toString();
    }

    /** Why {@code spec} has no vector kernel, or null where it has one. */
    public static String unsupported(KernelSpec spec) {
        if (spec.tableau().isFirk() && spec.tableau().firk().transformation() == null && FirkWriter.retries(spec)) {
            return "a fully implicit method with an error estimate but no transformation";
        }
        if (spec.drivers() != null && spec.tableau().isRosenbrock()) {
            return "drivers in a Rosenbrock step";
        }
        if (spec.tableau().isImplicit() && !VectorRosenbrockWriter.derivatives(spec).stream().allMatch(VectorExpressions::supports)) {
            return "a function without a vector form";
        }
        OdeSystem sys = spec.system();
        if (sys.states().size() > MAX_STATES && (!VectorPartsWriter.splits(spec) || KernelGenerator.javaSummaries(spec).active()
                || spec.savedObservables().length > 0)) {
            return "more than " + MAX_STATES + " states with observables or summaries";
        }
        boolean all = sys.derivatives().stream().allMatch(e -> VectorExpressions.supports(e.expression()))
                && sys.auxiliaries().stream().allMatch(e -> VectorExpressions.supports(e.expression()));
        if (!all) {
            return "a function without a vector form";
        }
        int biggest = sys.derivatives().stream().mapToInt(e -> VectorPartsWriter.nodes(e.expression())).max().orElse(0);
        if (biggest > VectorPartsWriter.STAGE_MAX_NODES / 2) {
            return "an equation this long (" + biggest + " expression nodes)";
        }
        return null;
    }

    /** Whether {@code spec} has a vector kernel. */
    public static boolean supports(KernelSpec spec) {
        return unsupported(spec) == null;
    }

    /** The kernel class {@code cls}'s source. */
    static String write(KernelSpec spec, String cls, String header) {
        return new VectorKernelWriter(spec).frame(cls, header);
    }

    private String frame(String cls, String header) {
        s.line("package org.tornadobatch.generated;");
        s.line("");
        s.line("import java.lang.foreign.MemorySegment;");
        s.line("import java.lang.foreign.ValueLayout;");
        s.line("import java.nio.ByteOrder;");
        s.line("import jdk.incubator.vector.*;");
        s.line("");
        s.line("/** " + header + " Vector kernel: " + VECTORS + " vectors of runs per block. */");
        s.open("public final class " + cls + " implements org.tornadobatch.device.jvm.JvmKernelBody");
        s.line("static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;");
        s.line("static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));");
        s.line("static final VectorSpecies<Long> J = VectorSpecies.of(long.class, D.vectorShape());");
        s.line("static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(D.vectorBitSize() / 2));");
        s.line("static final int L = D.length();");
        s.line("static final int V = " + VECTORS + ";");
        s.line("static final int B = L * V;");
        s.line("/** The status of lanes past the work range: never 0, so they are never alive. */");
        s.line("static final int OUT = 1 << 30;");
        s.line("static final ByteOrder O = ByteOrder.nativeOrder();");
        s.line("static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE;");
        s.line("static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;");
        s.line("static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;");
        s.line("");
        helpers();
        s.line("@Override");
        s.open("public void run(int first, int end, org.tornadobatch.device.jvm.JvmArguments a)");
        s.line("new Block(a).run(first, end);");
        s.close();
        s.line("");
        if (summaries.active()) {
            accumulators();
        }
        s.line("/** One call's arguments and the workspace of a block of B runs. */");
        s.open("private static final class Block");
        fields();
        s.line("");
        s.open("void run(int first, int end)");
        s.line("final int last = (int) Math.min((long) firstRun + end, n);");
        s.open("for (int r0 = firstRun + first; r0 < last; r0 += B)");
        s.line("block(r0, Math.min(B, last - r0));");
        s.close();
        s.close();
        s.line("");
        block();
        load();
        steps.drivers().methods();
        VectorEventWriter events = new VectorEventWriter(spec, s, steps, summaries);
        events.event();
        events.finish();
        if (adaptive) {
            steps.adaptiveStep();
        } else {
            steps.fixedStep();
        }
        s.close();
        s.close();
        return s.toString();
    }

    private void helpers() {
        for (String t : List.of("DoubleVector", "FloatVector")) {
            s.line("static " + t + " pow2(" + t + " x) { return x.mul(x); }");
            s.line("static " + t + " pow3(" + t + " x) { return x.mul(x).mul(x); }");
            s.line("static " + t + " pow4(" + t + " x) { final " + t + " q = x.mul(x); return q.mul(q); }");
        }
        s.line("static DoubleVector toD(FloatVector x) { return (DoubleVector) x.convertShape(VectorOperators.F2D, D, 0); }");
        s.line("static FloatVector toF(DoubleVector x) { return (FloatVector) x.convertShape(VectorOperators.D2F, F, 0); }");
        // Math.floor and Math.ceil lane by lane (VectorExpressions): the Vector API has neither.
        for (String f : List.of("floor", "ceil")) {
            boolean floor = f.equals("floor");
            s.open("static DoubleVector " + f + "D(DoubleVector x)");
            s.line("DoubleVector t = (DoubleVector) x.convertShape(VectorOperators.D2L, J, 0).convertShape(VectorOperators.L2D, D, 0);");
            s.line("t = t.lanewise(VectorOperators." + (floor ? "SUB" : "ADD") + ", 1.0, t.compare(VectorOperators." + (floor ? "GT" : "LT") + ", x));");
            s.line("t = t.blend(x.mul(0.0), t.compare(VectorOperators.EQ, 0.0));");
            s.line("return t.blend(x, x.abs().compare(VectorOperators.LT, 4503599627370496.0).not());");
            s.close();
        }
        // The scalar kernel's tb_log2f and tb_exp2f (KernelFrames.java), lane by lane.
        s.line("static FloatVector log2f(FloatVector x) { return toF(toD(x).lanewise(VectorOperators.LOG).mul(1.4426950408889634)); }");
        s.line("static FloatVector exp2f(FloatVector x) { return toF(toD(x).mul(0.6931471805599453).lanewise(VectorOperators.EXP)); }");
        s.line("");
    }

    private void fields() {
        for (KernelArg a : KernelArg.values()) {
            if (a.isArray()) {
                s.line("final MemorySegment " + a.local() + ";");
            } else if (!a.isVector()) {
                s.line("final " + javaType(a) + " " + a.local() + ";");
            }
        }
        s.line("final long stride;");
        for (int i = 0; i < nStates; i++) {
            s.line("final float at" + i + ", rt" + i + ";");
        }
        String p = s.primitive();
        int np = Math.max(1, sys.parameters().size());
        s.line("final " + p + "[] ys = new " + p + "[" + nStates + " * B];");
        s.line("final " + p + "[] ks = new " + p + "[" + nStates * spec.tableau().stages() + " * B];");
        s.line("final " + p + "[] ps = new " + p + "[" + np + " * B];");
        s.line("final int[] code = new int[B];");
        s.line("final int[] saves = new int[B];");
        s.line("final long[] acc = new long[B], rej = new long[B], accS = new long[B], rejS = new long[B];");
        s.line("final boolean[] alive = new boolean[V];");
        if (spec.tableau().isImplicit()) {
            s.line("final boolean[] sing = new boolean[B]; // the lane's last attempted (adaptive) or any (fixed) W was singular");
        }
        if (summaries.active()) {
            s.line("final Acc[] accs = new Acc[B];");
        }
        s.line("int lim;");
        steps.drivers().fields();
        if (steps.split()) {
            steps.parts().fields();
            if (spec.savedStates().length > 0) {
                s.line("static final int[] SAVED = " + java.util.Arrays.toString(spec.savedStates()).replace('[', '{').replace(']', '}') + ";");
            }
        }
        if (adaptive) {
            s.line("final double[] tl = new double[B], dtl = new double[B], dtp = new double[B], hl = new double[B];");
            s.line("final float[] le1a = new float[B], le2a = new float[B];");
            s.line("final boolean[] hista = new boolean[B];");
        }
        s.line("");
        s.open("Block(org.tornadobatch.device.jvm.JvmArguments a)");
        for (KernelArg a : KernelArg.values()) {
            String get = "(\"" + a.label() + "\")";
            if (a.isArray()) {
                s.line(a.local() + " = a.segment" + get + ";");
            } else if (!a.isVector()) {
                s.line(a.local() + " = a." + a.scalarType().name().toLowerCase(java.util.Locale.ROOT) + get + ";");
            }
        }
        s.line("stride = " + KernelArg.STRIDE.local() + ";");
        s.line("final double[] atol = a.vector(\"" + KernelArg.ATOL.label() + "\"), rtol = a.vector(\"" + KernelArg.RTOL.label() + "\");");
        for (int i = 0; i < nStates; i++) {
            s.line("at" + i + " = (float) atol[" + i + "];");
            s.line("rt" + i + " = (float) rtol[" + i + "];");
        }
        if (steps.split()) {
            steps.parts().tolerances();
        }
        s.close();
    }

    private static String javaType(KernelArg a) {
        return switch (a.scalarType()) {
            case INT32 -> "int";
            case INT64 -> "long";
            case FLOAT32 -> "float";
            case FLOAT64 -> "double";
        };
    }

    /** The block of runs {@code r0 ..< r0 + cnt}: the event loop, as KernelGenerator.body's. */
    private void block() {
        s.open("void block(int r0, int cnt)");
        steps.drivers().startBlock();
        s.open("for (int l = 0; l < B; l++)");
        s.line("code[l] = l < cnt ? 0 : OUT;");
        if (spec.tableau().isImplicit()) {
            s.line("sing[l] = false;");
        }
        if (spec.tableau().usesNewton()) {
            steps.parts().newton().startLane();
        }
        s.line("saves[l] = 0;");
        s.line("acc[l] = 0;");
        s.line("rej[l] = 0;");
        s.line("accS[l] = 0;");
        s.line("rejS[l] = 0;");
        s.close();
        if (summaries.active()) {
            s.open("for (int l = 0; l < cnt; l++)");
            s.line("accs[l] = new Acc();");
            s.line("accs[l].start(r0 + l, " + ACC_CALL + ");");
            s.close();
        }
        s.line("lim = (cnt + L - 1) / L * L;");
        s.open("for (int o = 0; o < lim; o += L)");
        s.line("alive[o / L] = true;");
        s.line("load(o, r0, cnt);");
        s.close();
        s.line("int saveIdx = 0;");
        if (!adaptive) {
            s.line("double t = t0;");
            s.line("long accAlive = 0;");
        }
        s.line("events:");
        s.open("for (int e = 0; e < nEvents; e++)");
        s.line("final double tEv = evT.getAtIndex(F64, e);");
        if (adaptive) {
            s.open("while (attempt(tEv))");
            s.close();
        } else {
            if (spec.tableau().isFirk() || spec.krylov()) {
                landingAdvance();
            } else {
                fixedAdvance();
            }
        }
        s.line("final int flags = evF.getAtIndex(I32, e);");
        s.line("final boolean any = event(r0, flags, saveIdx" + (adaptive ? "" : ", t") + ");");
        s.open("if ((flags & " + Schedule.SAVE + ") != 0)");
        s.open("for (int l = 0; l < cnt; l++)");
        s.open("if (code[l] == 0)");
        s.line("saves[l]++;");
        s.close();
        s.close();
        s.line("saveIdx++;");
        s.close();
        s.open("if (!any)");
        s.line("break;");
        s.close();
        s.close();
        s.line("finish(r0, cnt);");
        s.close();
    }

    /** StepWriter.advance's fixed steps: whole steps, then one that lands on the event; the same for every live lane. */
    private void fixedAdvance() {
        s.open("if (t < tEv)");
        s.line("final double tBase = t;");
        s.line("long full = (long) ((tEv - tBase) / dtInit - 1e-6);");
        s.open("if (full < 0)");
        s.line("full = 0;");
        s.close();
        s.line("final boolean capped = full >= maxSteps - accAlive;");
        s.open("if (capped)");
        s.line("full = maxSteps - accAlive;");
        s.close();
        s.line("final double h = dtInit;");
        s.open("for (long st = 0; st < full; st++)");
        s.line("final double ts = tBase + (double) st * h;");
        s.line("step(ts, h, ts + h);");
        s.close();
        s.line("accAlive += full;");
        s.line("t = tBase + (double) full * dtInit;");
        s.open("for (int l = 0; l < cnt; l++)");
        s.open("if (code[l] == 0)");
        s.line("acc[l] += full;");
        s.line("code[l] |= capped ? " + RunStatus.MAX_STEPS_EXCEEDED.bit() + " : 0;");
        s.close();
        s.close();
        s.open("if (capped)");
        s.line("break events;");
        s.close();
        s.line("step(t, tEv - t, tEv);");
        s.line("t = tEv;");
        s.line("accAlive++;");
        s.open("for (int l = 0; l < cnt; l++)");
        s.open("if (code[l] == 0)");
        s.line("acc[l]++;");
        s.close();
        s.close();
        s.close();
    }

    /**
     * StepWriter.landingStep (the fixed steps of a fully implicit method or of Krylov solves, written once in the scalar kernel): steps of dt from
     * t, the time summed step by step, the one ending within 1e-6 dt of the event shortened to land on it.
     */
    private void landingAdvance() {
        s.open("while (t < tEv)");
        s.open("if (accAlive >= maxSteps)");
        s.open("for (int l = 0; l < cnt; l++)");
        s.line("code[l] |= code[l] == 0 ? " + RunStatus.MAX_STEPS_EXCEEDED.bit() + " : 0;");
        s.close();
        s.line("break events;");
        s.close();
        s.line("final double rem = tEv - t;");
        s.line("final boolean hit = rem <= dtInit * 1.000001;");
        s.line("final double h = hit ? rem : dtInit;");
        s.line("final double tn = hit ? tEv : t + h;");
        s.line("step(t, h, tn);");
        s.line("t = tn;");
        s.line("accAlive++;");
        s.open("for (int l = 0; l < cnt; l++)");
        s.open("if (code[l] == 0)");
        s.line("acc[l]++;");
        s.close();
        s.close();
        s.close();
    }

    /** The vector at {@code o}: initial state, parameters, first stage and (adaptive) the controller's start. */
    private void load() {
        s.open("void load(int o, int r0, int cnt)");
        s.line("final VectorMask<" + (s.single ? "Float" : "Double") + "> in = " + s.species() + ".indexInRange(o, cnt);");
        if (steps.split()) {
            // A big system's parts read the states from ys: a loop, not a method as long as the states.
            s.open("for (int i = 0; i < " + nStates + "; i++)");
            s.line(s.type() + ".fromMemorySegment(" + s.species() + ", init, ((long) i * stride + r0 + o) * " + s.bytes() + "L, O, in).intoArray(ys, i * B + o);");
            s.close();
        } else {
            for (int i = 0; i < nStates; i++) {
                s.line("final " + s.type() + " y" + i + " = " + s.type() + ".fromMemorySegment(" + s.species() + ", init, ((long) " + i
                        + " * stride + r0 + o) * " + s.bytes() + "L, O, in);");
                s.line("y" + i + ".intoArray(ys, " + i + " * B + o);");
            }
        }
        for (int i = 0; i < sys.parameters().size(); i++) {
            s.line(s.type() + ".fromMemorySegment(" + s.species() + ", par, ((long) " + i + " * stride + r0 + o) * " + s.bytes()
                    + "L, O, in).intoArray(ps, " + i + " * B + o);");
        }
        steps.parameters();
        steps.firstStage();
        if (adaptive) {
            s.line("DoubleVector.broadcast(D, t0).intoArray(tl, o);");
            s.line("DoubleVector.broadcast(D, dtInit).intoArray(dtl, o);");
            s.line("DoubleVector.zero(D).intoArray(dtp, o);");
            s.line("FloatVector.zero(F).intoArray(le1a, o);");
            s.line("FloatVector.zero(F).intoArray(le2a, o);");
            s.line("F.maskAll(false).intoArray(hista, o);");
            if (spec.control().estimatesInitialStep()) {
                steps.initialStep();
            }
        }
        s.close();
    }
}
