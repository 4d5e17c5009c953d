package org.tornadobatch.solver.kernel;

import static org.tornadobatch.solver.kernel.VectorSource.f32;
import static org.tornadobatch.solver.kernel.VectorSource.f64;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.tornadobatch.solver.RunStatus;
import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.system.Equation;
import org.tornadobatch.system.Expr;
import org.tornadobatch.system.OdeSystem;

/**
 * The stepping methods of a vector kernel ({@link VectorKernelWriter}): one fixed step, or one attempted adaptive
 * step with its error norm and controller, for one vector of runs, lane for lane the operations of
 * {@link StepWriter}'s scalar code in the same order. An adaptive step's decisions (accept, reject, the next step
 * size, a failure) are masks: a lane that has reached the event, or failed, keeps its values while the others
 * go on. Big systems are written in parts ({@link VectorPartsWriter}, where {@link #split}), meeting in the
 * workspace arrays, so that no generated method is too large for the JIT compilers.
 */
final class VectorStepWriter {
    private final VectorSource s;
    private final OdeSystem sys;
    private final ButcherTableau tab;
    private final StepControl ctl;
    private final int nStates;
    private final boolean split;
    /** The methods of a split kernel; null where one method holds a step. */
    private final VectorPartsWriter parts;
    /** The stages of a Rosenbrock method; null for an explicit one. */
    private final VectorRosenbrockWriter rosenbrock;
    /** The controller's gain and the initial step. */
    private final VectorControlWriter control;
    /** The drivers' values, lane by lane. */
    private final VectorDriverWriter drivers;

    VectorStepWriter(VectorSource s, KernelSpec spec) {
        this.s = s;
        this.sys = spec.system();
        this.tab = spec.tableau();
        this.ctl = spec.control();
        this.nStates = sys.states().size();
        this.split = VectorPartsWriter.splits(spec);
        this.parts = split ? new VectorPartsWriter(s, spec, this) : null;
        this.rosenbrock = tab.isRosenbrock() ? new VectorRosenbrockWriter(s, spec, this) : null;
        this.control = new VectorControlWriter(s, spec, this);
        this.drivers = new VectorDriverWriter(s, spec);
    }

    /** The writer of the drivers' values. */
    VectorDriverWriter drivers() {
        return drivers;
    }

    boolean split() {
        return split;
    }

    /** The writer of a split kernel's methods; null where one method holds a step. */
    VectorPartsWriter parts() {
        return parts;
    }

    /** In {@code load}: the first stage at t0 ({@code k0_<i>} declared and stored to {@code ks}). */
    void firstStage() {
        if (split) {
            parts.firstStage();
            return;
        }
        s.line(s.type() + " " + String.join(", ", names("k0_")) + ";");
        rhs("t0", true, names("y"), "k0_");
        for (int i = 0; i < nStates; i++) {
            s.line("k0_" + i + ".intoArray(ks, " + i + " * B + o);");
        }
    }

    // ------------------------------------------------------------------------------------------ right-hand side

    /**
     * Assigns {@code target<i>} (declared by the caller) the derivatives at the float64 time {@code time} (a vector
     * expression, or a {@code double} one where {@code scalarTime}) and the states {@code states}, in a block with
     * the auxiliaries they need. Parameters are the locals {@code p<i>}.
     */
    void rhs(String time, boolean scalarTime, String[] states, String target) {
        List<Expr> derivatives = sys.derivatives().stream().map(Equation::expression).toList();
        s.open("");
        VectorExpressions w = evaluation(time, scalarTime, states, derivatives);
        for (int i = 0; i < nStates; i++) {
            s.line(target + i + " = " + w.vector(derivatives.get(i)) + ";");
        }
        s.close();
    }

    /**
     * Declares the time {@code tw} in the working type, the drivers and the auxiliaries that {@code exprs} need, and
     * returns the writer of expressions over them.
     */
    VectorExpressions evaluation(String time, boolean scalarTime, String[] states, List<Expr> exprs) {
        s.line("final " + s.type() + " tw = " + (scalarTime
                ? s.type() + ".broadcast(" + s.species() + ", " + (s.single ? "(float) (" + time + ")" : time) + ")"
                : s.fromDouble(time)) + ";");
        Map<String, String> names = new java.util.HashMap<>();
        for (int i = 0; i < nStates; i++) {
            names.put(sys.states().get(i).name(), states[i]);
        }
        for (int i = 0; i < sys.parameters().size(); i++) {
            names.put(sys.parameters().get(i).name(), "p" + i);
        }
        names.put("t", "tw");
        Set<String> needed = KernelGenerator.auxiliariesFor(sys, exprs);
        List<Expr> used = new java.util.ArrayList<>(exprs);
        sys.auxiliaries().stream().filter(a -> needed.contains(a.name())).forEach(a -> used.add(a.expression()));
        names.putAll(drivers.values(time, scalarTime, used));
        VectorExpressions w = new VectorExpressions(s.single, names);
        for (Equation aux : sys.auxiliaries()) {
            if (needed.contains(aux.name())) {
                s.line("final " + s.type() + " a_" + aux.name() + " = " + w.vector(aux.expression()) + ";");
                names.put(aux.name(), "a_" + aux.name());
            }
        }
        return w;
    }

    /** Declares the parameters {@code p<i>} of the vector at offset {@code o}. */
    void parameters() {
        for (int i = 0; i < sys.parameters().size(); i++) {
            s.line("final " + s.type() + " p" + i + " = " + s.load("ps", String.valueOf(i)) + ";");
        }
    }

    // ------------------------------------------------------------------------------------------ stages

    String[] names(String prefix) {
        String[] n = new String[nStates];
        for (int i = 0; i < nStates; i++) {
            n[i] = prefix + i;
        }
        return n;
    }

    /**
     * The coefficient products {@code hA<st>_<j>} and {@code hB<j>} of the step {@code hh} (a scalar of the working
     * type in fixed steps, a vector in adaptive ones), for the stages {@code from..to-1} (and the weights where
     * {@code weights}).
     */
    void coefficients(boolean vector, int from, int to, boolean weights) {
        String decl = vector ? s.type() : s.primitive();
        String mul = vector ? "hh.mul(%s)" : "hh * %s";
        double[][] a = tab.a();
        for (int st = Math.max(from, 1); st < to; st++) {
            for (int j = 0; j < st && j < a[st].length; j++) {
                if (a[st][j] != 0) {
                    s.line("final " + decl + " hA" + st + "_" + j + " = " + mul.formatted(s.literal(a[st][j])) + ";");
                }
            }
        }
        double[] b = tab.b();
        for (int j = 0; weights && j < b.length; j++) {
            if (b[j] != 0) {
                s.line("final " + decl + " hB" + j + " = " + mul.formatted(s.literal(b[j])) + ";");
            }
        }
    }

    /** {@code y<i> + k<j>_<i> * p<j> + ...} over the non-zero weights below {@code upTo}, in the scalar kernel's order. */
    static String increment(String y, String products, double[] w, int upTo, int i) {
        return increment(y, products, w, upTo, j -> "k" + j + "_" + i);
    }

    /** {@code y + k(j) * p<j> + ...} over the non-zero weights below {@code upTo}, {@code k(j)} naming stage j's value. */
    static String increment(String y, String products, double[] w, int upTo, java.util.function.IntFunction<String> k) {
        StringBuilder sb = new StringBuilder(y);
        for (int j = 0; j < upTo && j < w.length; j++) {
            if (w[j] != 0) {
                sb.append(".add(").append(k.apply(j)).append(".mul(").append(products).append(j).append("))");
            }
        }
        return sb.toString();
    }

    /**
     * Stage {@code st} ({@code k<st>_<i>}, declared here) from the states {@code y<i>} and the earlier stages, the
     * step starting at {@code ts} (a vector or scalar float64 expression) of size {@code h}.
     */
    void stage(int st, String ts, boolean scalarTime) {
        StringBuilder decl = new StringBuilder(s.type());
        for (int i = 0; i < nStates; i++) {
            decl.append(i > 0 ? ", " : " ").append("k").append(st).append("_").append(i);
        }
        s.line(decl + ";");
        s.open("");
        for (int i = 0; i < nStates; i++) {
            s.line("final " + s.type() + " z" + i + " = " + increment("y" + i, "hA" + st + "_", tab.a()[st], st, i) + ";");
        }
        double c = tab.c()[st];
        String time = scalarTime ? ts + " + " + f64(c) + " * h" : ts + ".add(h.mul(" + f64(c) + "))";
        rhs(time, scalarTime, names("z"), "k" + st + "_");
        s.close();
    }

    /** Declares {@code y<i>} and the stages below {@code upTo} from the workspace. */
    void loadStates(int upTo) {
        for (int i = 0; i < nStates; i++) {
            s.line(s.type() + " y" + i + " = " + s.load("ys", String.valueOf(i)) + ";");
        }
        for (int st = 0; st < upTo; st++) {
            for (int i = 0; i < nStates; i++) {
                s.line("final " + s.type() + " k" + st + "_" + i + " = " + s.load("ks", String.valueOf(st * nStates + i)) + ";");
            }
        }
    }

    void storeStage(int st, String prefix) {
        for (int i = 0; i < nStates; i++) {
            s.line(prefix + i + ".intoArray(ks, " + (st * nStates + i) + " * B + o);");
        }
    }

    /**
     * The stages of one step: written in place (fused), or as calls of the stage methods ({@link #stageMethods}),
     * then read back. Declares {@code n<i>}, the new state, and for FSAL methods the last stage at it.
     */
    private void stages(String ts, boolean scalarTime) {
        if (rosenbrock != null) {
            loadStates(1);
            rosenbrock.stages(ts, scalarTime);
            return;
        }
        int last = tab.stages() - 1;
        boolean fsal = tab.isFsal();
        int explicit = fsal ? last : last + 1; // stages written from z; an FSAL method's last is f(n)
        loadStates(1);
        coefficients(!scalarTime, 1, explicit, true);
        for (int st = 1; st < explicit; st++) {
            stage(st, ts, scalarTime);
        }
        for (int i = 0; i < nStates; i++) {
            s.line("final " + s.type() + " n" + i + " = " + increment("y" + i, "hB", tab.b(), tab.stages(), i) + ";");
        }
        if (fsal) {
            s.line(s.type() + " " + String.join(", ", names("k" + last + "_")) + ";");
            rhs(scalarTime ? ts + " + h" : ts + ".add(h)", scalarTime, names("n"), "k" + last + "_");
        }
    }

    // ------------------------------------------------------------------------------------------ fixed steps

    /**
     * {@code step(ts, h, tNext)}: one fixed step of size {@code h} from {@code ts} for each vector of the block with a
     * lane alive, the first stage of the next step at {@code tNext} (an FSAL method's last stage).
     */
    void fixedStep() {
        s.open("void step(double ts, double h, double tNext)");
        s.open("for (int o = 0; o < lim; o += L)");
        s.open("if (!alive[o / L])");
        s.line("continue;");
        s.close();
        if (split) {
            parts.fixedStep();
            s.close();
            s.close();
            parts.methods(false);
            return;
        }
        parameters();
        s.line("final " + s.primitive() + " hh = " + (s.single ? "(float) h" : "h") + ";");
        if (rosenbrock != null) {
            s.line("final " + s.maskType() + " singPrev = VectorMask.fromArray(" + s.species() + ", sing, o);");
        }
        stages("ts", true);
        if (rosenbrock != null) {
            s.line("singular.intoArray(sing, o);");
        }
        for (int i = 0; i < nStates; i++) {
            s.line("n" + i + ".intoArray(ys, " + i + " * B + o);");
        }
        if (tab.isFsal()) {
            storeStage(0, "k" + (tab.stages() - 1) + "_");
        } else {
            s.line(s.type() + " " + String.join(", ", names("f")) + ";");
            rhs("tNext", true, names("n"), "f");
            storeStage(0, "f");
        }
        s.close();
        s.close();
    }

    // ------------------------------------------------------------------------------------------ adaptive steps

    /**
     * {@code attempt(tEv)}: one attempted step towards {@code tEv} for each lane of the block that is alive and short
     * of it, as {@link StepWriter}'s adaptive step; true while a lane still has to step.
     */
    void adaptiveStep() {
        s.open("boolean attempt(double tEv)");
        s.line("boolean more = false;");
        s.open("for (int o = 0; o < lim; o += L)");
        s.line("IntVector cd = IntVector.fromArray(I, code, o);");
        s.line("DoubleVector t = DoubleVector.fromArray(D, tl, o);");
        s.line("VectorMask<Double> act = cd.compare(VectorOperators.EQ, 0).cast(D).and(t.compare(VectorOperators.LT, tEv));");
        s.open("if (!act.anyTrue())");
        s.line("continue;");
        s.close();
        s.line("LongVector na = LongVector.fromArray(J, acc, o);");
        s.line("LongVector nr = LongVector.fromArray(J, rej, o);");
        s.line("final VectorMask<Double> over = act.and(na.add(nr).compare(VectorOperators.GE, maxSteps).cast(D));");
        s.open("if (over.anyTrue())");
        s.line("cd = cd.lanewise(VectorOperators.OR, " + RunStatus.MAX_STEPS_EXCEEDED.bit() + ", over.cast(I));");
        s.line("cd.intoArray(code, o);");
        s.line("act = act.andNot(over);");
        s.open("if (!act.anyTrue())");
        s.line("continue;");
        s.close();
        s.close();
        parameters();
        s.line("DoubleVector dt = DoubleVector.fromArray(D, dtl, o);");
        s.line("final DoubleVector rem = t.neg().add(tEv);");
        s.line("final VectorMask<Double> hit = rem.compare(VectorOperators.LE, dt.mul(1.000001));");
        s.line("final DoubleVector h = dt.blend(rem, hit);");
        s.line("final " + s.type() + " hh = " + s.fromDouble("h") + ";");
        if (split) {
            s.line("h.intoArray(hl, o);");
            parts.attemptStages();
            s.line("FloatVector accE = FloatVector.fromArray(F, errA, o);");
        } else {
            stages("t", false);
            s.line("FloatVector accE = FloatVector.zero(F);");
            for (int i = 0; i < nStates; i++) {
                errorTerm(i);
            }
        }
        errorTail();
        if (rosenbrock != null) {
            // A step on a singular matrix is rejected like a non-finite one (RosenbrockWriter).
            s.line("singular.intoArray(sing, o);");
            s.line("err = err.blend(" + f32(1e8) + ", singular.cast(F));");
            s.line("final VectorMask<Float> accF = err.compare(VectorOperators.LE, 1.0f);");
        } else if (tab.usesNewton()) {
            // A Newton iteration that failed, or a singular matrix, is rejected like a non-finite step (StepWriter).
            s.line("err = err.blend(" + f32(1e8) + ", singular.or(newtonFail)" + (s.single ? "" : ".cast(F)") + ");");
            s.line("final VectorMask<Float> accF = err.compare(VectorOperators.LE, 1.0f);");
        } else {
            s.line("final VectorMask<Float> accF = err.compare(VectorOperators.LE, 1.0f);");
        }
        control.gain();
        // Accepted lanes: the new state, time, counts, history and step; rejected ones: the count, a failure or a smaller step.
        s.line("final VectorMask<Double> accept = act.and(accF.cast(D));");
        s.line("final VectorMask<Double> reject = act.andNot(accF.cast(D));");
        if (tab.usesNewton()) {
            parts.newton().acceptReject(); // retry: the lanes that take the same step again with a fresh J
        }
        s.line("final " + s.maskType() + " acceptW = " + s.mask("accept") + ";");
        if (split) {
            s.line("acceptW.intoArray(accm, o);");
        } else {
            for (int i = 0; i < nStates; i++) {
                s.line("y" + i + " = y" + i + ".blend(n" + i + ", acceptW);");
                s.line("y" + i + ".intoArray(ys, " + i + " * B + o);");
            }
        }
        s.line("t = t.blend(t.add(h).blend(tEv, hit), accept);");
        s.line("t.intoArray(tl, o);");
        s.line("na.add(1L, accept.cast(J)).intoArray(acc, o);");
        s.line("final VectorMask<Double> upd = accept.andNot(hit.and(h.compare(VectorOperators.LT, dt.mul(0.999999))));");
        s.line("final VectorMask<Float> updF = upd.cast(F);");
        s.line("le2.blend(le1, updF).intoArray(le2a, o);");
        s.line("le1.blend(le, updF).intoArray(le1a, o);");
        s.line("DoubleVector.fromArray(D, dtp, o).blend(h, upd).intoArray(dtp, o);");
        s.line("hist.or(updF).intoArray(hista, o);");
        s.line("final DoubleVector hg = h.mul(toD(gain));");
        s.line("dt = dt.blend(hg.max(dtMin).min(dtMax), upd);");
        // The next first stage of accepted lanes.
        int last = tab.stages() - 1;
        if (split) {
            parts.acceptCalls(true);
        } else if (tab.isFsal()) {
            for (int i = 0; i < nStates; i++) {
                s.line("k0_" + i + ".blend(k" + last + "_" + i + ", acceptW).intoArray(ks, " + i + " * B + o);");
            }
        } else {
            s.line(s.type() + " " + String.join(", ", names("f")) + ";");
            rhs("t", false, names("y"), "f");
            for (int i = 0; i < nStates; i++) {
                s.line("k0_" + i + ".blend(f" + i + ", acceptW).intoArray(ks, " + i + " * B + o);");
            }
        }
        s.line("nr.add(1L, reject.cast(J)).intoArray(rej, o);");
        String shrinks = tab.usesNewton() ? "reject.andNot(retry)" : "reject";
        s.line("final VectorMask<Double> small = " + shrinks + ".and(h.compare(VectorOperators.LE, dtMin));");
        s.line("cd = cd.lanewise(VectorOperators.OR, " + RunStatus.STEP_TOO_SMALL.bit() + ", small.cast(I));");
        s.line("cd = cd.lanewise(VectorOperators.OR, " + RunStatus.NON_FINITE_STATE.bit() + ", small.cast(I).andNot(finiteErr.cast(I)));");
        s.line("cd.intoArray(code, o);");
        s.line("dt = dt.blend(hg.max(dtMin), " + shrinks + ".andNot(small));");
        if (tab.usesNewton()) {
            s.line("dt = dt.blend(h, retry);");
        }
        s.line("dt.intoArray(dtl, o);");
        s.line("more |= act.andNot(small).and(t.compare(VectorOperators.LT, tEv)).anyTrue();");
        s.close();
        s.line("return more;");
        s.close();
        if (split) {
            parts.methods(true);
            parts.initialStepMethods();
        }
    }

    /**
     * State {@code i}'s term of the error norm, added to {@code accE}: {@code (err_i / (atol_i + rtol_i max(|y_i|,
     * |n_i|)))^2} in float32, from {@code hh}, {@code y<i>}, {@code n<i>} and the stages, as StepWriter's.
     */
    void errorTerm(int i) {
        s.open("");
        // A Rosenbrock step's stages K are increments already (h f, not f).
        String estimate = rosenbrock != null ? combination(tab.errorWeights(), tab.stages(), i) : "hh.mul(" + combination(tab.errorWeights(), tab.stages(), i) + ")";
        s.line("final FloatVector err = " + s.toFloat(estimate) + ".abs().max(" + f32(1e-16) + ");");
        s.line("final FloatVector sc = " + s.toFloat("y" + i) + ".abs().max(" + s.toFloat("n" + i) + ".abs()).mul(rt" + i + ").add(at" + i + ");");
        s.line("final FloatVector q = err.div(sc);");
        s.line("accE = accE.add(q.mul(q));");
        s.close();
    }

    /** From the sum {@code accE}: the error norm {@code err}, {@code finiteErr} and {@code accF} (float32 masks). */
    private void errorTail() {
        s.line("FloatVector err = accE.mul(" + f32(1.0 / nStates) + ").sqrt();");
        s.line("final VectorMask<Float> finiteErr = err.compare(VectorOperators.LT, " + f32(3e38) + ");");
        s.line("err = err.blend(" + f32(1e8) + ", finiteErr.not());");
    }

    /** StepWriter.combination: in float32 kernels the differences from the first stage. */
    private String combination(double[] w, int upTo, int i) {
        String kk = rosenbrock != null ? "K" : "k";
        return combination(s, w, upTo, rosenbrock == null, j -> kk + j + "_" + i);
    }

    /**
     * The error estimate's combination of the stages {@code k(j)} with the weights {@code w} below {@code upTo}; in
     * float32 kernels of explicit methods ({@code explicit}) the differences from the first stage.
     */
    static String combination(VectorSource s, double[] w, int upTo, boolean explicit, java.util.function.IntFunction<String> k) {
        boolean differences = s.single && explicit; // a Rosenbrock method's error weights need not sum to zero
        String acc = null;
        for (int j = differences ? 1 : 0; j < upTo && j < w.length; j++) {
            if (w[j] == 0) {
                continue;
            }
            String kj = differences ? k.apply(j) + ".sub(" + k.apply(0) + ")" : k.apply(j);
            String term = w[j] == 1 ? kj : kj + ".mul(" + s.literal(w[j]) + ")";
            acc = acc == null ? term : acc + ".add(" + term + ")";
        }
        return acc == null ? s.type() + ".zero(" + s.species() + ")" : acc;
    }

    /** StepWriter.initialStep, lane by lane ({@link VectorControlWriter#initialStep}). */
    void initialStep() {
        control.initialStep();
    }

    /** The first step from {@code dnf}, {@code h0} and {@code der2} ({@link VectorControlWriter#initialEstimate}). */
    void initialEstimate() {
        control.initialEstimate();
    }
}
