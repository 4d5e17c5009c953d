package org.tornadobatch.solver.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.system.Equation;
import org.tornadobatch.system.Expr;
import org.tornadobatch.system.OdeSystem;

/**
 * A big system's vector kernel in small methods ({@link VectorStepWriter#split}). The right-hand side is written
 * once, in parts of a few equations ({@code rhs<c>}: each loads only the states its equations read), and every
 * stage, the first step's trial evaluation and the next first stage call it, reading the states from a workspace
 * array ({@code ys}, {@code zs}: the stage state, {@code ns}: the new state) and the time from {@code tza}. The
 * per-state work (a stage's state, the new state, the error norm's terms, acceptance, the first step's norms) is
 * a loop over the states, one small method per stage or task. So the generated code grows with the equations, not
 * with stages times states: Lorenz-96 with 40 states is some twenty methods, each far below HotSpot's 8000 bytes,
 * which reach the JIT's thresholds after a few blocks and compile in a fraction of a second. The operations and
 * their order are the fused kernel's, state by state.
 */
final class VectorPartsWriter {
    /** The most expression nodes in one part: about 14 bytes of bytecode each, under HotSpot's 8000-byte limit. */
    static final int PART_MAX_NODES = 400;
    /**
     * The most expression nodes (right-hand side and stage sums, over all stages) written into one method; past it
     * the kernel is written in parts. About 5 to 14 bytes of bytecode per node: HotSpot compiles no method above 8000.
     */
    static final int FUSED_MAX_NODES = 450;
    /** The most nodes of one derivative (with the auxiliaries it reads); past it the system runs the scalar kernel. */
    static final int STAGE_MAX_NODES = PART_MAX_NODES;

    /**
     * Whether {@code spec}'s kernel is written in parts (by this writer): past {@link #FUSED_MAX_NODES}, and a
     * Rosenbrock step past {@link VectorKernelWriter#ROSENBROCK_MAX_WORK} stages x states.
     */
    static boolean splits(KernelSpec spec) {
        ButcherTableau tab = spec.tableau();
        if (tab.usesNewton()) {
            return true; // VectorNewtonParts
        }
        if (tab.isRosenbrock() && tab.stages() * spec.system().states().size() > VectorKernelWriter.ROSENBROCK_MAX_WORK) {
            return true;
        }
        return stageNodes(spec) * tab.stages() > FUSED_MAX_NODES;
    }

    /** Expression nodes of one stage: the right-hand side with every auxiliary, and the stage sums. */
    static int stageNodes(KernelSpec spec) {
        OdeSystem sys = spec.system();
        int n = 0;
        for (Equation e : sys.derivatives()) {
            n += nodes(e.expression());
        }
        for (Equation e : sys.auxiliaries()) {
            n += nodes(e.expression());
        }
        return n + 2 * sys.states().size() * spec.tableau().stages();
    }

    /** Expression nodes of {@code e}. */
    static int nodes(Expr e) {
        return switch (e) {
            case Expr.Num n -> 1;
            case Expr.Ref r -> 1;
            case Expr.Unary u -> 1 + nodes(u.operand());
            case Expr.Binary b -> 1 + nodes(b.left()) + nodes(b.right());
            case Expr.Call c -> 1 + c.args().stream().mapToInt(VectorPartsWriter::nodes).sum();
        };
    }

    private final VectorSource s;
    private final VectorStepWriter w;
    private final OdeSystem sys;
    private final ButcherTableau tab;
    private final int nStates;
    private final boolean fsal;
    private final int last;
    /** Stages computed from z (an FSAL method's last stage is f(n)). */
    private final int explicit;
    /** The parts of the equations of {@code rhs}. */
    private final List<int[]> rhsParts;
    /** A Rosenbrock step's own methods; null for an explicit method. */
    private final VectorRosenbrockParts ros;
    /** A Newton step's own methods (SDIRK or fully implicit); null for the others. */
    private final VectorNewtonParts sd;

    VectorPartsWriter(VectorSource s, KernelSpec spec, VectorStepWriter w) {
        this.s = s;
        this.w = w;
        this.sys = spec.system();
        this.tab = spec.tableau();
        this.nStates = sys.states().size();
        this.fsal = tab.isFsal();
        this.last = tab.stages() - 1;
        this.explicit = fsal ? last : last + 1;
        this.rhsParts = equationParts();
        this.ros = tab.isRosenbrock() ? new VectorRosenbrockParts(s, spec, w, this) : null;
        this.sd = tab.usesNewton() ? VectorNewtonParts.of(s, spec, w, this) : null;
    }

    /** A Newton step's methods (SDIRK or fully implicit); null for the others. */
    VectorNewtonParts newton() {
        return sd;
    }

    /** The equations in parts, each at most PART_MAX_NODES nodes, a state it reads costing one. */
    private List<int[]> equationParts() {
        List<int[]> parts = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        Set<Integer> reads = new TreeSet<>();
        int cost = 0;
        for (int i = 0; i < nStates; i++) {
            Set<Integer> r = statesRead(new int[] {i});
            int add = nodes(sys.derivatives().get(i).expression());
            Set<Integer> union = new TreeSet<>(reads);
            union.addAll(r);
            if (!current.isEmpty() && cost + add + union.size() > PART_MAX_NODES) {
                parts.add(current.stream().mapToInt(Integer::intValue).toArray());
                current.clear();
                union = new TreeSet<>(r);
                cost = 0;
            }
            current.add(i);
            reads = union;
            cost += add;
        }
        if (!current.isEmpty()) {
            parts.add(current.stream().mapToInt(Integer::intValue).toArray());
        }
        return parts;
    }

    /** The states the equations {@code which} read, directly or through auxiliaries. */
    private Set<Integer> statesRead(int[] which) {
        List<Expr> roots = new ArrayList<>();
        for (int i : which) {
            roots.add(sys.derivatives().get(i).expression());
        }
        Set<String> aux = KernelGenerator.auxiliariesFor(sys, roots);
        for (Equation e : sys.auxiliaries()) {
            if (aux.contains(e.name())) {
                roots.add(e.expression());
            }
        }
        Set<String> names = new java.util.HashSet<>();
        roots.forEach(e -> e.forEachRef(r -> names.add(r.name())));
        Set<Integer> states = new TreeSet<>();
        for (int i = 0; i < nStates; i++) {
            if (names.contains(sys.states().get(i).name())) {
                states.add(i);
            }
        }
        return states;
    }

    /** The Block's workspace of the parts (beside {@code ys}, {@code ks}), and the tolerances as arrays. */
    void fields() {
        String p = s.primitive();
        s.line("final " + p + "[] ns = new " + p + "[" + nStates + " * B], zs = new " + p + "[" + nStates + " * B], fs = new " + p + "["
                + nStates + " * B];");
        s.line("final double[] tza = new double[B];");
        s.line("final float[] errA = new float[B];");
        s.line("final boolean[] accm = new boolean[B];");
        s.line("final double[] dnfA = new double[B], dnyA = new double[B], der2A = new double[B];");
        s.line("final float[] atv = new float[" + nStates + "], rtv = new float[" + nStates + "];");
        if (ros != null) {
            ros.fields();
        }
        if (sd != null) {
            sd.fields();
        }
    }

    /** In the Block's constructor, after {@code at<i>} and {@code rt<i>}: their arrays. */
    void tolerances() {
        for (int i = 0; i < nStates; i++) {
            s.line("atv[" + i + "] = at" + i + ";");
            s.line("rtv[" + i + "] = rt" + i + ";");
        }
        if (sd != null) {
            sd.tolerances();
        }
    }

    // ------------------------------------------------------------------------------------------ calls

    /** In {@code attempt}: the stages, the new state {@code ns} and the error norm's sum {@code errA}. */
    void attemptStages() {
        if (ros != null) {
            ros.attemptStages();
            return;
        }
        if (sd != null) {
            sd.attemptStages();
            return;
        }
        for (int st = 1; st < explicit; st++) {
            s.line("stage" + st + "(o);");
        }
        s.line("newState(o);");
        if (fsal) {
            s.line("lastStage(o);");
        }
        s.line("errorSum(o);");
    }

    /** In {@code attempt}, after {@code accm} and {@code tl}: the accepted lanes' state and next first stage. */
    void acceptCalls(boolean adaptive) {
        s.line("acceptState(o);");
        if (!fsal) {
            s.line(adaptive ? "nextFirst(o);" : "nextFirst(o, tNext);");
        }
    }

    /** The body of {@code step}'s loop over vectors. */
    void fixedStep() {
        if (ros != null || sd != null) {
            if (ros != null) {
                ros.fixedStep();
            } else {
                sd.fixedStep();
            }
            acceptCalls(false);
            return;
        }
        for (int st = 1; st < explicit; st++) {
            s.line("stage" + st + "(o, ts, h);");
        }
        s.line("newState(o, h);");
        if (fsal) {
            s.line("lastStage(o, ts, h);");
        }
        acceptCalls(false);
    }

    /** In {@code load}: the first stage at t0 into {@code ks}. */
    void firstStage() {
        s.line("DoubleVector.broadcast(D, t0).intoArray(tza, o);");
        s.line("rhs(o, ys, ks, 0);");
    }

    // ------------------------------------------------------------------------------------------ methods

    /** A working-type vector of {@code array} at state {@code i + offset} (the loop's {@code i}). */
    String at(String array, int offset) {
        return s.type() + ".fromArray(" + s.species() + ", " + array + ", " + (offset == 0 ? "i" : "(" + offset + " + i)") + " * B + o)";
    }

    void loop() {
        s.open("for (int i = 0; i < " + nStates + "; i++)");
    }

    /** VectorStepWriter.increment at the loop's state. */
    private String increment(String y, String products, double[] wts, int upTo) {
        return VectorStepWriter.increment(y, products, wts, upTo, j -> at("ks", j * nStates));
    }

    /** Every method of the step ({@code adaptive} or fixed), and those of {@code load}. */
    void methods(boolean adaptive) {
        if (ros != null) {
            ros.methods(adaptive);
        } else if (sd != null) {
            sd.methods();
        } else {
            explicitMethods(adaptive);
        }
        acceptMethods(adaptive);
        rhsMethods();
    }

    /** The stages, the new state, an FSAL method's last stage and the error norm's sum of an explicit step. */
    private void explicitMethods(boolean adaptive) {
        String timeArgs = adaptive ? "" : ", double ts, double h";
        for (int st = 1; st < explicit; st++) {
            s.open("void stage" + st + "(int o" + timeArgs + ")");
            stepSize(adaptive);
            w.coefficients(adaptive, st, st + 1, false);
            loop();
            s.line(increment(at("ys", 0), "hA" + st + "_", tab.a()[st], st) + ".intoArray(zs, i * B + o);");
            s.close();
            double c0 = tab.c()[st];
            s.line((adaptive ? "ts.add(h.mul(" + VectorSource.f64(c0) + "))" : "DoubleVector.broadcast(D, ts + " + VectorSource.f64(c0) + " * h)")
                    + ".intoArray(tza, o);");
            s.line("rhs(o, zs, ks, " + st * nStates + ");");
            s.close();
        }
        s.open("void newState(int o" + (adaptive ? "" : ", double h") + ")");
        stepSize(adaptive);
        w.coefficients(adaptive, 0, 0, true);
        loop();
        s.line(increment(at("ys", 0), "hB", tab.b(), tab.stages()) + ".intoArray(ns, i * B + o);");
        s.close();
        s.close();
        if (fsal) {
            s.open("void lastStage(int o" + timeArgs + ")");
            s.line(adaptive ? "DoubleVector.fromArray(D, tl, o).add(DoubleVector.fromArray(D, hl, o)).intoArray(tza, o);"
                    : "DoubleVector.broadcast(D, ts + h).intoArray(tza, o);");
            s.line("rhs(o, ns, ks, " + last * nStates + ");");
            s.close();
        }
        if (adaptive) {
            errorSum("hh.mul(" + errorCombination() + ")");
        }
    }

    /** The accepted lanes' state (and an FSAL method's first stage) and the next first stage. */
    private void acceptMethods(boolean adaptive) {
        s.open("void acceptState(int o)");
        if (adaptive) {
            s.line("final " + s.maskType() + " m = VectorMask.fromArray(" + s.species() + ", accm, o);");
        }
        loop();
        String n = at("ns", 0);
        s.line((adaptive ? at("ys", 0) + ".blend(" + n + ", m)" : n) + ".intoArray(ys, i * B + o);");
        if (fsal) {
            String k = at("ks", last * nStates);
            s.line((adaptive ? at("ks", 0) + ".blend(" + k + ", m)" : k) + ".intoArray(ks, i * B + o);");
        }
        s.close();
        s.close();
        if (!fsal) {
            s.open("void nextFirst(int o" + (adaptive ? "" : ", double tNext") + ")");
            if (adaptive) {
                s.line("DoubleVector.fromArray(D, tl, o).intoArray(tza, o);");
                s.line("rhs(o, ys, fs, 0);");
                s.line("final " + s.maskType() + " m = VectorMask.fromArray(" + s.species() + ", accm, o);");
                loop();
                s.line(at("ks", 0) + ".blend(" + at("fs", 0) + ", m).intoArray(ks, i * B + o);");
                s.close();
            } else {
                s.line("DoubleVector.broadcast(D, tNext).intoArray(tza, o);");
                s.line("rhs(o, ys, ks, 0);");
            }
            s.close();
        }
    }

    /**
     * The error norm's sum of squares into {@code errA}: VectorStepWriter.errorTerm for each state in order, from
     * {@code ys}, {@code ns} and the error {@code estimate} at the loop's state.
     */
    void errorSum(String estimate) {
        s.open("void errorSum(int o)");
        s.line("final DoubleVector h = DoubleVector.fromArray(D, hl, o);");
        s.line("final " + s.type() + " hh = " + s.fromDouble("h") + ";");
        s.line("FloatVector accE = FloatVector.zero(F);");
        loop();
        s.line("final FloatVector err = " + s.toFloat(estimate) + ".abs().max(" + VectorSource.f32(1e-16) + ");");
        s.line("final FloatVector sc = " + s.toFloat(at("ys", 0)) + ".abs().max(" + s.toFloat(at("ns", 0)) + ".abs()).mul(rtv[i]).add(atv[i]);");
        s.line("final FloatVector q = err.div(sc);");
        s.line("accE = accE.add(q.mul(q));");
        s.close();
        s.line("accE.intoArray(errA, o);");
        s.close();
    }

    /** VectorStepWriter.combination of an explicit method, at the loop's state. */
    private String errorCombination() {
        return VectorStepWriter.combination(s, tab.errorWeights(), tab.stages(), true, j -> at("ks", j * nStates));
    }

    /** {@code rhs(o, src, dst, slot)}: the derivatives at the states in {@code src} and the time in {@code tza}, into {@code dst}. */
    private void rhsMethods() {
        String p = s.primitive();
        s.open("void rhs(int o, " + p + "[] src, " + p + "[] dst, int slot)");
        for (int c = 0; c < rhsParts.size(); c++) {
            s.line("rhs" + c + "(o, src, dst, slot);");
        }
        s.close();
        for (int c = 0; c < rhsParts.size(); c++) {
            int[] eqs = rhsParts.get(c);
            s.open("void rhs" + c + "(int o, " + p + "[] src, " + p + "[] dst, int slot)");
            w.parameters();
            String[] states = new String[nStates];
            for (int i = 0; i < nStates; i++) {
                states[i] = "x" + i;
            }
            for (int i : statesRead(eqs)) {
                s.line("final " + s.type() + " x" + i + " = " + s.load("src", String.valueOf(i)) + ";");
            }
            List<Expr> exprs = new ArrayList<>();
            for (int i : eqs) {
                exprs.add(sys.derivatives().get(i).expression());
            }
            VectorExpressions x = w.evaluation("DoubleVector.fromArray(D, tza, o)", false, states, exprs);
            for (int i : eqs) {
                s.line(x.vector(sys.derivatives().get(i).expression()) + ".intoArray(dst, (slot + " + i + ") * B + o);");
            }
            s.close();
        }
    }

    /**
     * VectorStepWriter.initialStep in parts, in {@code load}: the norms of y0 and f0 ({@code dnfA}, {@code dnyA}), the
     * trial step h0 ({@code hl}), f at y0 + h0 f0 (into the second stage's slot), the second derivative's norm
     * ({@code der2A}), then the estimate into {@code dtl}.
     */
    void initialStep() {
        s.line("initNorms(o);");
        s.line("final DoubleVector dnf = DoubleVector.fromArray(D, dnfA, o), dny = DoubleVector.fromArray(D, dnyA, o);");
        s.line("DoubleVector h0 = dny.div(dnf).sqrt().mul(0.01).blend(1e-6, dnf.compare(VectorOperators.LE, 1e-10).or(dny.compare(VectorOperators.LE, 1e-10)));");
        s.line("h0 = h0.min(dtMax);");
        s.line("h0.intoArray(hl, o);");
        s.line("initTrial(o);");
        s.line("final DoubleVector der2 = DoubleVector.fromArray(D, der2A, o);");
        w.initialEstimate();
    }

    /** The methods of {@link #initialStep}. */
    void initialStepMethods() {
        String sk = "final DoubleVector sk = " + s.toDouble(at("ys", 0)) + ".abs().mul((double) rtv[i]).add((double) atv[i]);";
        s.open("void initNorms(int o)");
        s.line("DoubleVector dnf = DoubleVector.zero(D);");
        s.line("DoubleVector dny = DoubleVector.zero(D);");
        loop();
        s.line(sk);
        s.line("final DoubleVector qf = " + s.toDouble(at("ks", 0)) + ".div(sk);");
        s.line("final DoubleVector qy = " + s.toDouble(at("ys", 0)) + ".div(sk);");
        s.line("dnf = dnf.add(qf.mul(qf));");
        s.line("dny = dny.add(qy.mul(qy));");
        s.close();
        s.line("dnf.intoArray(dnfA, o);");
        s.line("dny.intoArray(dnyA, o);");
        s.close();
        s.open("void initTrial(int o)");
        s.line("final DoubleVector h0 = DoubleVector.fromArray(D, hl, o);");
        s.line("final " + s.type() + " hz = " + s.fromDouble("h0") + ";");
        loop();
        s.line(at("ys", 0) + ".add(" + at("ks", 0) + ".mul(hz)).intoArray(ns, i * B + o);");
        s.close();
        s.line("h0.add(t0).intoArray(tza, o);");
        s.line("rhs(o, ns, ks, " + nStates + ");");
        s.line("DoubleVector der2 = DoubleVector.zero(D);");
        loop();
        s.line(sk);
        s.line("final DoubleVector qd = " + s.toDouble(at("ks", nStates)) + ".sub(" + s.toDouble(at("ks", 0)) + ").div(sk);");
        s.line("der2 = der2.add(qd.mul(qd));");
        s.close();
        s.line("der2.intoArray(der2A, o);");
        s.close();
    }

    void stepSize(boolean adaptive) {
        if (adaptive) {
            s.line("final DoubleVector ts = DoubleVector.fromArray(D, tl, o);");
            s.line("final DoubleVector h = DoubleVector.fromArray(D, hl, o);");
            s.line("final " + s.type() + " hh = " + s.fromDouble("h") + ";");
        } else {
            s.line("final " + s.primitive() + " hh = " + (s.single ? "(float) h" : "h") + ";");
        }
    }
}
