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
 * A big system's vector kernel in small methods ({@link VectorStepWriter#split}): each stage's derivatives in parts of
 * a few equations (each computing only the stage states its equations read), the new state and the error norm's
 * terms in parts of a few states, the accepted state and the next first stage likewise; the parts meet in the
 * block's workspace arrays ({@code ys}, {@code ks}, {@code ns}: the new state, {@code errA}: the norm's running sum,
 * {@code accm}: the accepted lanes). Every method stays below HotSpot's 8000 bytes of bytecode for JIT compilation
 * ({@link #PART_MAX_NODES}), so a system of many states needs no JVM flag and compiles quickly. The operations and
 * their order are those of the fused kernel, part by part.
 */
final class VectorPartsWriter {
    /** The most expression nodes in one part: about 14 bytes of bytecode each, under HotSpot's 8000-byte limit. */
    static final int PART_MAX_NODES = 400;

    private final VectorSource s;
    private final VectorStepWriter w;
    private final OdeSystem sys;
    private final ButcherTableau tab;
    private final int nStates;
    private final boolean fsal;
    private final int last;
    /** Stages computed from z (an FSAL method's last stage is f(n)). */
    private final int explicit;
    /** Per stage, the parts of its equations. */
    private final List<List<int[]>> stageParts = new ArrayList<>();
    /** The parts of the equations evaluated at a given state (the FSAL stage, the next first stage). */
    private final List<int[]> rhsParts;
    /** The parts of the states for the per-state work (new state, error terms, acceptance). */
    private final List<int[]> stateParts;

    VectorPartsWriter(VectorSource s, KernelSpec spec, VectorStepWriter w) {
        this.s = s;
        this.w = w;
        this.sys = spec.system();
        this.tab = spec.tableau();
        this.nStates = sys.states().size();
        this.fsal = tab.isFsal();
        this.last = tab.stages() - 1;
        this.explicit = fsal ? last : last + 1;
        for (int st = 0; st < explicit; st++) {
            stageParts.add(equationParts(3 * st + 2));
        }
        this.rhsParts = equationParts(1);
        int perState = 4 * tab.stages() + 20;
        int size = Math.max(1, PART_MAX_NODES / perState);
        this.stateParts = new ArrayList<>();
        for (int i = 0; i < nStates; i += size) {
            int[] part = new int[Math.min(size, nStates - i)];
            for (int j = 0; j < part.length; j++) {
                part[j] = i + j;
            }
            stateParts.add(part);
        }
    }

    /** The equations in parts, each at most PART_MAX_NODES nodes, a state it reads costing {@code perState}. */
    private List<int[]> equationParts(int perState) {
        List<int[]> parts = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        Set<Integer> reads = new TreeSet<>();
        int cost = 0;
        for (int i = 0; i < nStates; i++) {
            Set<Integer> r = statesRead(new int[] {i});
            int add = nodes(i);
            Set<Integer> union = new TreeSet<>(reads);
            union.addAll(r);
            if (!current.isEmpty() && cost + add + union.size() * perState > PART_MAX_NODES) {
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

    private int nodes(int equation) {
        return VectorStepWriter.stageNodesOf(sys.derivatives().get(equation).expression());
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

    // ------------------------------------------------------------------------------------------ calls

    private void calls(String prefix, int count, String args) {
        for (int c = 0; c < count; c++) {
            s.line(prefix + c + "(" + args + ");");
        }
    }

    /** In {@code attempt}: the stages, the new state {@code ns} and the error norm's sum {@code errA}. */
    void attemptStages() {
        for (int st = 1; st < explicit; st++) {
            calls("stage" + st + "p", stageParts.get(st).size(), "o");
        }
        calls("finish", stateParts.size(), "o");
        if (fsal) {
            calls("last", rhsParts.size(), "o");
            calls("error", stateParts.size(), "o");
        }
    }

    /** In {@code attempt}, after {@code accm} and {@code tl}: the accepted lanes' state and next first stage. */
    void acceptCalls(boolean adaptive) {
        calls("accept", stateParts.size(), "o");
        if (!fsal) {
            calls("next", rhsParts.size(), adaptive ? "o" : "o, tNext");
        }
    }

    /** The body of {@code step}'s loop over vectors. */
    void fixedStep() {
        for (int st = 1; st < explicit; st++) {
            calls("stage" + st + "p", stageParts.get(st).size(), "o, ts, h");
        }
        calls("finish", stateParts.size(), "o, h");
        if (fsal) {
            calls("last", rhsParts.size(), "o, ts, h");
        }
        acceptCalls(false);
    }

    /** In {@code load}: the first stage at t0 into {@code ks}. */
    void firstStage() {
        calls("first", rhsParts.size(), "o");
    }

    // ------------------------------------------------------------------------------------------ methods

    /** Every part method of the step ({@code adaptive} or fixed), and those of {@code load}. */
    void methods(boolean adaptive) {
        String timeArgs = adaptive ? "" : ", double ts, double h";
        for (int st = 1; st < explicit; st++) {
            for (int c = 0; c < stageParts.get(st).size(); c++) {
                int[] eqs = stageParts.get(st).get(c);
                int stage = st;
                s.open("void stage" + st + "p" + c + "(int o" + timeArgs + ")");
                w.parameters();
                stepSize(adaptive);
                w.coefficients(adaptive, st, st + 1, false);
                for (int i : statesRead(eqs)) {
                    s.line("final " + s.type() + " y" + i + " = " + s.load("ys", String.valueOf(i)) + ";");
                    for (int j = 0; j < st; j++) {
                        if (tab.a()[st].length > j && tab.a()[st][j] != 0) {
                            s.line("final " + s.type() + " k" + j + "_" + i + " = " + s.load("ks", String.valueOf(j * nStates + i)) + ";");
                        }
                    }
                    s.line("final " + s.type() + " z" + i + " = " + VectorStepWriter.increment("y" + i, "hA" + stage + "_", tab.a()[stage], stage, i) + ";");
                }
                double c0 = tab.c()[st];
                String time = adaptive ? "ts.add(h.mul(" + VectorSource.f64(c0) + "))" : "ts + " + VectorSource.f64(c0) + " * h";
                evaluate(time, !adaptive, "z", eqs, st * nStates, null);
                s.close();
            }
        }
        for (int c = 0; c < stateParts.size(); c++) {
            s.open("void finish" + c + "(int o" + (adaptive ? "" : ", double h") + ")");
            stepSize(adaptive);
            w.coefficients(adaptive, 0, 0, true);
            // An FSAL method's error weights read its last stage, computed from ns after this part: see lastErrorTerms.
            boolean errors = adaptive && !fsal;
            if (errors) {
                s.line("FloatVector accE = " + (c == 0 ? "FloatVector.zero(F)" : "FloatVector.fromArray(F, errA, o)") + ";");
            }
            for (int i : stateParts.get(c)) {
                s.line("final " + s.type() + " y" + i + " = " + s.load("ys", String.valueOf(i)) + ";");
                for (int j = 0; j < tab.stages(); j++) {
                    s.line("final " + s.type() + " k" + j + "_" + i + " = " + s.load("ks", String.valueOf(j * nStates + i)) + ";");
                }
                s.line("final " + s.type() + " n" + i + " = " + VectorStepWriter.increment("y" + i, "hB", tab.b(), tab.stages(), i) + ";");
                s.line("n" + i + ".intoArray(ns, " + i + " * B + o);");
                if (errors) {
                    w.errorTerm(i);
                }
            }
            if (errors) {
                s.line("accE.intoArray(errA, o);");
            }
            s.close();
        }
        if (fsal) {
            for (int c = 0; c < rhsParts.size(); c++) {
                s.open("void last" + c + "(int o" + timeArgs + ")");
                w.parameters();
                if (adaptive) {
                    s.line("final DoubleVector ts = DoubleVector.fromArray(D, tl, o);");
                    s.line("final DoubleVector h = DoubleVector.fromArray(D, hl, o);");
                }
                loadStates("ns", "n", statesRead(rhsParts.get(c)));
                evaluate(adaptive ? "ts.add(h)" : "ts + h", !adaptive, "n", rhsParts.get(c), last * nStates, null);
                s.close();
            }
            if (adaptive) {
                lastErrorTerms();
            }
        }
        for (int c = 0; c < stateParts.size(); c++) {
            s.open("void accept" + c + "(int o)");
            if (adaptive) {
                s.line("final " + maskType() + " m = VectorMask.fromArray(" + s.species() + ", accm, o);");
            }
            for (int i : stateParts.get(c)) {
                String n = s.load("ns", String.valueOf(i));
                s.line((adaptive ? s.load("ys", String.valueOf(i)) + ".blend(" + n + ", m)" : n) + ".intoArray(ys, " + i + " * B + o);");
                if (fsal) {
                    String k = s.load("ks", String.valueOf(last * nStates + i));
                    s.line((adaptive ? s.load("ks", String.valueOf(i)) + ".blend(" + k + ", m)" : k) + ".intoArray(ks, " + i + " * B + o);");
                }
            }
            s.close();
        }
        if (!fsal) {
            for (int c = 0; c < rhsParts.size(); c++) {
                s.open("void next" + c + "(int o" + (adaptive ? "" : ", double tNext") + ")");
                w.parameters();
                loadStates("ys", "y", statesRead(rhsParts.get(c)));
                if (adaptive) {
                    s.line("final " + maskType() + " m = VectorMask.fromArray(" + s.species() + ", accm, o);");
                }
                evaluate(adaptive ? "DoubleVector.fromArray(D, tl, o)" : "tNext", !adaptive, "y", rhsParts.get(c), 0, adaptive ? "m" : null);
                s.close();
            }
        }
        for (int c = 0; c < rhsParts.size(); c++) {
            s.open("void first" + c + "(int o)");
            w.parameters();
            loadStates("ys", "y", statesRead(rhsParts.get(c)));
            evaluate("t0", true, "y", rhsParts.get(c), 0, null);
            s.close();
        }
    }

    /**
     * An FSAL method's error terms, in parts after its last stage: from {@code ys}, {@code ns} and every stage, added
     * to {@code errA} in the order of the states, as the fused kernel adds them.
     */
    private void lastErrorTerms() {
        for (int c = 0; c < stateParts.size(); c++) {
            s.open("void error" + c + "(int o)");
            s.line("final DoubleVector h = DoubleVector.fromArray(D, hl, o);");
            s.line("final " + s.type() + " hh = " + s.fromDouble("h") + ";");
            s.line("FloatVector accE = " + (c == 0 ? "FloatVector.zero(F)" : "FloatVector.fromArray(F, errA, o)") + ";");
            for (int i : stateParts.get(c)) {
                s.line("final " + s.type() + " y" + i + " = " + s.load("ys", String.valueOf(i)) + ";");
                s.line("final " + s.type() + " n" + i + " = " + s.load("ns", String.valueOf(i)) + ";");
                for (int j = 0; j < tab.stages(); j++) {
                    s.line("final " + s.type() + " k" + j + "_" + i + " = " + s.load("ks", String.valueOf(j * nStates + i)) + ";");
                }
                w.errorTerm(i);
            }
            s.line("accE.intoArray(errA, o);");
            s.close();
        }
    }

    /**
     * VectorStepWriter.initialStep in parts, in {@code load}: the norms of y0 and f0 ({@code dnfA}, {@code dnyA}), the
     * trial step h0 ({@code hl}), f at y0 + h0 f0 (into the second stage's slot), the second derivative's norm
     * ({@code der2A}), then the estimate into {@code dtl}.
     */
    void initialStep() {
        calls("init1p", stateParts.size(), "o");
        s.line("final DoubleVector dnf = DoubleVector.fromArray(D, dnfA, o), dny = DoubleVector.fromArray(D, dnyA, o);");
        s.line("DoubleVector h0 = dny.div(dnf).sqrt().mul(0.01).blend(1e-6, dnf.compare(VectorOperators.LE, 1e-10).or(dny.compare(VectorOperators.LE, 1e-10)));");
        s.line("h0 = h0.min(dtMax);");
        s.line("h0.intoArray(hl, o);");
        calls("init2p", stateParts.size(), "o");
        calls("initf", rhsParts.size(), "o");
        calls("init3p", stateParts.size(), "o");
        s.line("final DoubleVector der2 = DoubleVector.fromArray(D, der2A, o);");
        w.initialEstimate();
    }

    /** The part methods of {@link #initialStep}. */
    void initialStepMethods() {
        for (int c = 0; c < stateParts.size(); c++) {
            s.open("void init1p" + c + "(int o)");
            s.line("DoubleVector dnf = " + (c == 0 ? "DoubleVector.zero(D)" : "DoubleVector.fromArray(D, dnfA, o)") + ";");
            s.line("DoubleVector dny = " + (c == 0 ? "DoubleVector.zero(D)" : "DoubleVector.fromArray(D, dnyA, o)") + ";");
            for (int i : stateParts.get(c)) {
                s.line("final " + s.type() + " y" + i + " = " + s.load("ys", String.valueOf(i)) + ";");
                s.line("final " + s.type() + " k0_" + i + " = " + s.load("ks", String.valueOf(i)) + ";");
                w.initialNorms(i);
            }
            s.line("dnf.intoArray(dnfA, o);");
            s.line("dny.intoArray(dnyA, o);");
            s.close();
            s.open("void init2p" + c + "(int o)");
            s.line("final DoubleVector h0 = DoubleVector.fromArray(D, hl, o);");
            for (int i : stateParts.get(c)) {
                s.line(s.load("ys", String.valueOf(i)) + ".add(" + s.load("ks", String.valueOf(i)) + ".mul(" + s.fromDouble("h0") + ")).intoArray(ns, "
                        + i + " * B + o);");
            }
            s.close();
            s.open("void init3p" + c + "(int o)");
            s.line("DoubleVector der2 = " + (c == 0 ? "DoubleVector.zero(D)" : "DoubleVector.fromArray(D, der2A, o)") + ";");
            for (int i : stateParts.get(c)) {
                s.line("final " + s.type() + " y" + i + " = " + s.load("ys", String.valueOf(i)) + ";");
                s.line("final " + s.type() + " k0_" + i + " = " + s.load("ks", String.valueOf(i)) + ";");
                s.line("final " + s.type() + " f" + i + " = " + s.load("ks", String.valueOf(nStates + i)) + ";");
                w.initialScale(i);
                w.secondDerivativeTerm(i);
            }
            s.line("der2.intoArray(der2A, o);");
            s.close();
        }
        for (int c = 0; c < rhsParts.size(); c++) {
            s.open("void initf" + c + "(int o)");
            w.parameters();
            s.line("final DoubleVector h0 = DoubleVector.fromArray(D, hl, o);");
            loadStates("ns", "z", statesRead(rhsParts.get(c)));
            evaluate("h0.add(t0)", false, "z", rhsParts.get(c), nStates, null);
            s.close();
        }
    }

    private void stepSize(boolean adaptive) {
        if (adaptive) {
            s.line("final DoubleVector ts = DoubleVector.fromArray(D, tl, o);");
            s.line("final DoubleVector h = DoubleVector.fromArray(D, hl, o);");
            s.line("final " + s.type() + " hh = " + s.fromDouble("h") + ";");
        } else {
            s.line("final " + s.primitive() + " hh = " + (s.single ? "(float) h" : "h") + ";");
        }
    }

    private void loadStates(String array, String prefix, Set<Integer> which) {
        for (int i : which) {
            s.line("final " + s.type() + " " + prefix + i + " = " + s.load(array, String.valueOf(i)) + ";");
        }
    }

    /**
     * The equations {@code eqs} at the states {@code prefix<i>} and time {@code time}, stored to {@code ks} at slot
     * {@code slot + i} (blended with what is there under {@code mask} where given).
     */
    private void evaluate(String time, boolean scalarTime, String prefix, int[] eqs, int slot, String mask) {
        String[] states = new String[nStates];
        for (int i = 0; i < nStates; i++) {
            states[i] = prefix + i;
        }
        List<Expr> exprs = new ArrayList<>();
        for (int i : eqs) {
            exprs.add(sys.derivatives().get(i).expression());
        }
        s.open("");
        VectorExpressions x = w.evaluation(time, scalarTime, states, exprs);
        for (int i : eqs) {
            String v = x.vector(sys.derivatives().get(i).expression());
            String target = String.valueOf(slot + i);
            if (mask != null) {
                v = s.load("ks", target) + ".blend(" + v + ", " + mask + ")";
            }
            s.line(v + ".intoArray(ks, " + target + " * B + o);");
        }
        s.close();
    }

    private String maskType() {
        return s.single ? "VectorMask<Float>" : "VectorMask<Double>";
    }
}
