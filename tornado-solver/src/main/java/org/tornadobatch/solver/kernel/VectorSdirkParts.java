package org.tornadobatch.solver.kernel;

import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.Sdirk;
import org.tornadobatch.system.Differentiation;
import org.tornadobatch.system.Expr;

/**
 * A singly diagonally implicit step of a vector kernel in small methods ({@link VectorPartsWriter}'s, for SDIRK and
 * ESDIRK methods): {@link SdirkWriter}'s simplified Newton iteration and {@link IterationMatrix}'s matrix lane by lane,
 * the same operations in the same order. {@code sdJac<c>} evaluate rows of J into {@code jw} in the lanes that need one
 * ({@code needm}: every attempting lane, or with Jacobian reuse those whose {@code needJ} is set, RADAU5's rule as the
 * scalar kernel's); {@code sdMatrix} forms {@code W = I / (h gamma) - J} in {@code lu}, factorises it ({@link VectorLu})
 * and returns the singular lanes; {@code sdStage<st>} starts stage st and {@code sdNewton} iterates its Newton updates for
 * every lane at once, a lane dropping out as it converges or fails ({@code convm}, {@code nfl}; at most
 * {@link SdirkWriter#MAX_ITERATIONS}), counting each lane's iterations, and keeps the attempt's most iterations of a stage ({@code stepItsA}, for
 * Gustafsson's safety) and its largest last contraction rate ({@code rateA}, for the reuse rule). Failure is
 * {@code nfl} (per attempt in adaptive steps, sticky in fixed ones, as the scalar kernel's {@code newtonFail}).
 */
final class VectorSdirkParts {
    private final VectorSource s;
    private final VectorStepWriter w;
    private final VectorPartsWriter p;
    private final ButcherTableau tab;
    private final Sdirk sdirk;
    private final boolean adaptive;
    private final boolean reuse;
    private final boolean single;
    private final int n;
    private final List<List<Expr>> jac;
    private final List<int[]> rowParts;

    VectorSdirkParts(VectorSource s, KernelSpec spec, VectorStepWriter w, VectorPartsWriter p) {
        this.s = s;
        this.w = w;
        this.p = p;
        this.tab = spec.tableau();
        this.sdirk = tab.sdirk();
        this.adaptive = spec.control().controller().isAdaptive();
        this.reuse = IterationMatrix.reusesJacobian(spec);
        this.single = s.single;
        this.n = spec.system().states().size();
        this.jac = Differentiation.jacobian(spec.system());
        this.rowParts = VectorLu.rowParts(jac, null);
    }

    private boolean nonZero(int i, int j) {
        return !Differentiation.isZero(jac.get(i).get(j));
    }

    private String args(boolean declare) {
        return adaptive ? "" : declare ? ", double ts, double h" : ", ts, h";
    }

    private String maskOf(String array) {
        return "VectorMask.fromArray(" + s.species() + ", " + array + ", o)";
    }

    /**
     * {@code x} (a working-type vector) as float32, the conversion written out: through the kernel's {@code toF}, a call
     * that C2 did not inline into the Newton update (its node count), every vector after it ran boxed (5x slower).
     */
    private String floats(String x) {
        return single ? x : "((FloatVector) " + x + ".convertShape(VectorOperators.D2F, F, 0))";
    }

    /** A float32 mask of a working-type mask {@code m}. */
    private String toF(String m) {
        return single ? m : m + ".cast(F)";
    }

    /** The workspace: J, W and its factors, the stages, the Newton iterate, and the per-lane flags and counts. */
    void fields() {
        String q = s.primitive();
        s.line("final " + q + "[] lu = new " + q + "[" + n * n + " * B], jw = new " + q + "[" + n * n + " * B], kr = new " + q + "["
                + n * tab.stages() + " * B], yn = new " + q + "[" + n + " * B];");
        s.line("final boolean[] swm = new boolean[" + n * n + " * B], needm = new boolean[B], actm = new boolean[B], actn = new boolean[B], nfl = new boolean[B], convm = new boolean[B];");
        s.line("final boolean[] needJ = new boolean[B], fresh = new boolean[B];");
        s.line("final long[] nits = new long[B], jev = new long[B], lun = new long[B];");
        s.line("final float[] stepItsA = new float[B], rateA = new float[B], dnA = new float[B], dPrevA = new float[B], dOldA = new float[B], itsA = new float[B];");
        s.line("final " + q + "[] inva = new " + q + "[B];");
        StringBuilder nz = new StringBuilder();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                nz.append(i + j > 0 ? ", " : "").append(nonZero(i, j));
            }
        }
        s.line("static final boolean[] NZ = {" + nz + "};");
        s.line("float newtonTol;");
    }

    /** In the Block's constructor, after the tolerances: SdirkWriter.newtonTolerance. */
    void tolerances() {
        s.line("float newtonRt = rt0;");
        for (int i = 1; i < n; i++) {
            s.line("if (rt" + i + " < newtonRt) newtonRt = rt" + i + ";");
        }
        String tenEps = VectorSource.f32(10 * (single ? Math.ulp(1.0f) : Math.ulp(1.0)));
        s.line("float tolN = (float) Math.sqrt(newtonRt);");
        s.line("if (" + tenEps + " / newtonRt > tolN) tolN = " + tenEps + " / newtonRt;");
        s.line("if (tolN > " + VectorSource.f32(SdirkWriter.KAPPA) + ") tolN = " + VectorSource.f32(SdirkWriter.KAPPA) + ";");
        s.line("newtonTol = tolN;");
    }

    /** In the block's loop over its lanes {@code l}: a run's flags and counts at its start (J needed at the first step). */
    void startLane() {
        s.line("needJ[l] = true;");
        s.line("fresh[l] = false;");
        s.line("nfl[l] = false;");
        s.line("nits[l] = 0;");
        s.line("jev[l] = 0;");
        s.line("lun[l] = 0;");
    }

    /** In {@code attempt} (h in {@code hl}, the attempting lanes {@code act}): {@code singular}, {@code newtonFail}, the error's sum. */
    void attemptStages() {
        s.line("act" + (single ? ".cast(F)" : "") + ".intoArray(actm, o);");
        stageCalls();
        s.line("errorSum(o);");
        s.line("final " + s.maskType() + " newtonFail = " + maskOf("nfl") + ";");
    }

    private void stageCalls() {
        s.line("final " + s.maskType() + " singular = sdMatrix(o" + args(false) + ");");
        for (int st = 0; st < tab.stages(); st++) {
            if (sdirk.implicit(st)) {
                s.line("sdStage" + st + "(o" + args(false) + ");");
            }
        }
        s.line("newState(o" + (adaptive ? "" : ", h") + ");");
    }

    /** In {@code step}: a fixed step's matrix (its singular lanes sticky in {@code sing}), stages and new state. */
    void fixedStep() {
        stageCalls();
    }

    /** In {@code attempt} after {@code accept} and {@code reject}: {@code retry}, the lanes to step again with a fresh J, and needJ. */
    void acceptReject() {
        if (!reuse) {
            s.line("final VectorMask<Double> retry = D.maskAll(false);");
            return;
        }
        // RADAU5's rule (StepWriter): J again after an accepted step whose last contraction rate passed 1e-3; a Newton
        // failure or a singular W on an old J retries the same step with a fresh one.
        String fail = "newtonFail.or(singular)" + (single ? ".cast(D)" : "");
        s.line("final VectorMask<Double> retry = reject.and(" + fail + ").andNot(" + maskOf("fresh") + (single ? ".cast(D)" : "") + ");");
        s.line("final VectorMask<Double> rough = FloatVector.fromArray(F, rateA, o).compare(VectorOperators.GT, 0.001f).cast(D);");
        String need = maskOf("needJ") + (single ? ".cast(D)" : "");
        s.line(need + ".andNot(accept).or(accept.and(rough)).or(retry)" + (single ? ".cast(F)" : "") + ".intoArray(needJ, o);");
    }

    /** Gustafsson's safety with Newton's iterations (StepWriter.gain): {@code safety (1 + 2 maxIts) / (stepIts + 2 maxIts)}. */
    String safety(double safety) {
        int m = SdirkWriter.MAX_ITERATIONS;
        return "FloatVector.broadcast(F, " + VectorSource.f32(safety * (1 + 2 * m)) + ").div(FloatVector.fromArray(F, stepItsA, o).add("
                + VectorSource.f32(2 * m) + "))";
    }

    /** The step's methods (those that {@link VectorPartsWriter} shares with explicit steps aside). */
    void methods() {
        jacobianMethods();
        matrixMethod();
        for (int st = 0; st < tab.stages(); st++) {
            if (sdirk.implicit(st)) {
                stageMethod(st);
            }
        }
        newtonMethods();
        s.open("void newState(int o" + (adaptive ? "" : ", double h") + ")");
        if (adaptive) {
            s.line("final DoubleVector h = DoubleVector.fromArray(D, hl, o);");
            s.line("final " + s.type() + " hh = " + s.fromDouble("h") + ";");
        } else {
            s.line("final " + s.primitive() + " hh = " + (single ? "(float) h" : "h") + ";");
            s.line("final " + s.maskType() + " bad = " + maskOf("sing") + ".or(" + maskOf("nfl") + ");");
        }
        p.loop();
        String next = p.at("ys", 0) + ".add(" + combination(tab.b(), tab.stages()) + ".mul(hh))";
        s.line((adaptive ? next : next + ".blend(" + (single ? "Float.NaN" : "Double.NaN") + ", bad)") + ".intoArray(ns, i * B + o);");
        s.close();
        s.close();
        if (adaptive) {
            p.errorSum("hh.mul(" + VectorStepWriter.combination(s, tab.errorWeights(), tab.stages(), true, this::stage) + ")");
        }
        VectorLu.methods(s, n);
    }

    /** Stage {@code j}'s value at the loop's state: {@code ks}' first slot for an explicit first stage, else {@code kr}'s. */
    private String stage(int j) {
        return sdirk.implicit(j) ? p.at("kr", j * n) : p.at("ks", 0);
    }

    /** SdirkWriter.combination at the loop's state: {@code w_0 stage_0 + ...} over the non-zero weights below {@code upTo}. */
    private String combination(double[] wts, int upTo) {
        String acc = null;
        for (int j = 0; j < upTo && j < wts.length; j++) {
            if (wts[j] != 0) {
                String term = stage(j) + ".mul(" + s.literal(wts[j]) + ")";
                acc = acc == null ? term : acc + ".add(" + term + ")";
            }
        }
        return acc == null ? s.type() + ".zero(" + s.species() + ")" : acc;
    }

    private void jacobianMethods() {
        for (int c = 0; c < rowParts.size(); c++) {
            int[] rows = rowParts.get(c);
            s.open("void sdJac" + c + "(int o" + args(true) + ")");
            if (adaptive) {
                s.line("final DoubleVector ts = DoubleVector.fromArray(D, tl, o);");
            }
            s.line("final " + s.maskType() + " need = " + maskOf("needm") + ";");
            w.parameters();
            List<Expr> used = new ArrayList<>();
            for (int i : rows) {
                for (int j = 0; j < n; j++) {
                    if (nonZero(i, j)) {
                        used.add(jac.get(i).get(j));
                    }
                }
            }
            String[] states = new String[n];
            for (int i = 0; i < n; i++) {
                states[i] = "y" + i;
                s.line("final " + s.type() + " y" + i + " = " + s.load("ys", String.valueOf(i)) + ";");
            }
            VectorExpressions x = w.evaluation("ts", !adaptive, states, used);
            for (int i : rows) {
                for (int j = 0; j < n; j++) {
                    if (nonZero(i, j)) {
                        String slot = String.valueOf(i * n + j);
                        s.line(s.load("jw", slot) + ".blend(" + x.vector(jac.get(i).get(j)) + ", need).intoArray(jw, " + slot + " * B + o);");
                    }
                }
            }
            s.close();
        }
    }

    private void matrixMethod() {
        s.open(s.maskType() + " sdMatrix(int o" + args(true) + ")");
        p.stepSize(adaptive);
        if (adaptive) {
            s.line("final " + s.maskType() + " act0 = " + maskOf("actm") + ";");
            // This attempt's Newton failure and statistics start afresh (SdirkWriter.stages).
            s.line(maskOf("nfl") + ".andNot(act0).intoArray(nfl, o);");
            s.line("FloatVector.fromArray(F, stepItsA, o).blend(0.0f, " + toF("act0") + ").intoArray(stepItsA, o);");
            s.line("FloatVector.fromArray(F, rateA, o).blend(0.0f, " + toF("act0") + ").intoArray(rateA, o);");
        } else {
            s.line("final " + s.maskType() + " act0 = IntVector.fromArray(I, code, o).compare(VectorOperators.EQ, 0).cast(" + s.species() + ");");
            s.line("act0.intoArray(actm, o);");
        }
        s.line("final " + s.maskType() + " need = " + (reuse ? maskOf("needJ") + ".and(act0)" : "act0") + ";");
        s.open("if (need.anyTrue())");
        s.line("need.intoArray(needm, o);");
        for (int c = 0; c < rowParts.size(); c++) {
            s.line("sdJac" + c + "(o" + args(false) + ");");
        }
        s.line("LongVector.fromArray(J, jev, o).add(1L, need.cast(J)).intoArray(jev, o);");
        s.close();
        if (reuse) {
            s.line(maskOf("fresh") + ".andNot(act0).or(need).intoArray(fresh, o);");
            s.line(maskOf("needJ") + ".andNot(need).intoArray(needJ, o);");
        }
        String gamma = s.literal(sdirk.gamma());
        s.line("final " + s.type() + " inv = " + (adaptive ? s.type() + ".broadcast(" + s.species() + ", " + s.literal(1) + ").div(hh.mul(" + gamma + "))"
                : s.type() + ".broadcast(" + s.species() + ", " + s.literal(1) + " / (hh * " + gamma + "))") + ";");
        s.line("inv.intoArray(inva, o); // the stages' and the residual's");
        s.line(s.type() + " largest = " + s.type() + ".zero(" + s.species() + ");");
        s.open("for (int i = 0; i < " + n + "; i++)");
        s.open("for (int j = 0; j < " + n + "; j++)");
        s.line("final int e = i * " + n + " + j;");
        s.line("final " + s.type() + " jv = " + s.type() + ".fromArray(" + s.species() + ", jw, e * B + o);");
        s.line("final " + s.type() + " wv = i == j ? (NZ[e] ? inv.sub(jv) : inv) : (NZ[e] ? jv.neg() : " + s.type() + ".zero(" + s.species() + "));");
        s.line("wv.intoArray(lu, e * B + o);");
        s.line("largest = e == 0 ? wv.abs() : largest.max(wv.abs());");
        s.close();
        s.close();
        s.line("final " + s.type() + " pivotMin = largest.mul(" + s.literal(IterationMatrix.pivotFactor(n, single)) + ");");
        s.line("luFactor(o);");
        s.line("LongVector.fromArray(J, lun, o).add(1L, act0.cast(J)).intoArray(lun, o);");
        s.line(s.maskType() + " singular = " + (adaptive ? s.species() + ".maskAll(false)" : maskOf("sing")) + ";");
        s.open("for (int k = 0; k < " + n + "; k++)");
        s.line("singular = singular.or(" + s.type() + ".fromArray(" + s.species() + ", lu, (k * " + (n + 1) + ") * B + o).abs().compare(VectorOperators.GT, pivotMin).not());");
        s.close();
        s.line("singular.intoArray(sing, o);");
        s.line("return singular;");
        s.close();
    }

    /**
     * {@code sdStage<st>}: the stage's start ({@code zs}, the predictor in {@code yn}, its time in {@code tza}; {@code 1 /
     * (h gamma)} is sdMatrix's, in {@code inva}), Newton's iteration ({@code sdNewton}), and K.
     */
    private void stageMethod(int st) {
        s.open("void sdStage" + st + "(int o" + args(true) + ")");
        p.stepSize(adaptive);
        String gamma = s.literal(sdirk.gamma());
        s.line("final " + s.type() + " inv = " + s.load("inva", "0") + ";");
        String hg = adaptive ? "hh.mul(" + gamma + ")" : "hh * " + gamma;
        p.loop();
        String zS = st == 0 ? p.at("ys", 0) : p.at("ys", 0) + ".add(" + combination(tab.a()[st], st) + ".mul(hh))";
        s.line("final " + s.type() + " z = " + zS + ";");
        s.line("z.intoArray(zs, i * B + o);");
        String pred = st == 0 ? p.at("ks", 0) : stage(st - 1);
        s.line("z.add(" + pred + ".mul(" + hg + ")).intoArray(yn, i * B + o);");
        s.close();
        double c = tab.c()[st];
        s.line((adaptive ? "ts.add(h.mul(" + VectorSource.f64(c) + "))" : "DoubleVector.broadcast(D, ts + " + VectorSource.f64(c) + " * h)") + ".intoArray(tza, o);");
        s.line("sdNewton(o);");
        p.loop();
        s.line(p.at("yn", 0) + ".sub(" + p.at("zs", 0) + ").mul(inv).intoArray(kr, (" + st * n + " + i) * B + o);");
        s.close();
        s.close();
    }

    /**
     * {@code sdNewton}, {@code sdResidual} and {@code sdUpdate}: one stage's simplified Newton iteration from the
     * predictor in {@code yn} (SdirkWriter.implicitStage): every lane that attempts the step ({@code actm}) iterates
     * until it converges or fails; the residual, the solve and the update are methods of their own, meeting in the
     * workspace, so that C2 inlines the Vector API into each (in one method, past its node count, it did not).
     */
    private void newtonMethods() {
        s.open("void sdNewton(int o)");
        // The iteration's state lives in the workspace, not in loop-carried vectors and masks: C2 boxed those (every
        // iteration allocated them), which cost more than the loads and stores.
        s.line("final " + s.maskType() + " act0 = " + maskOf("actm") + ";");
        s.line(s.species() + ".maskAll(false).intoArray(convm, o);");
        s.line("FloatVector.zero(F).intoArray(dPrevA, o);");
        s.line("FloatVector.zero(F).intoArray(dOldA, o);");
        s.line("FloatVector.zero(F).intoArray(itsA, o);");
        s.open("for (int it = 0; it < " + SdirkWriter.MAX_ITERATIONS + "; it++)");
        s.open("if (!sdIterate(o, it))");
        s.line("break;");
        s.close();
        s.close();
        s.line(maskOf("nfl") + ".or(act0.andNot(" + maskOf("convm") + ")).intoArray(nfl, o);");
        if (adaptive) {
            // SdirkWriter.newtonStatistics: the attempt's most iterations of a stage and its largest last contraction rate.
            s.line("final VectorMask<Float> act0F = VectorMask.fromArray(F, actm, o);");
            s.line("final FloatVector its = FloatVector.fromArray(F, itsA, o), dPrev = FloatVector.fromArray(F, dPrevA, o), dOld = FloatVector.fromArray(F, dOldA, o);");
            s.line("final FloatVector sIts = FloatVector.fromArray(F, stepItsA, o);");
            s.line("sIts.blend(its, its.compare(VectorOperators.GT, sIts).and(act0F)).intoArray(stepItsA, o);");
            s.line("final FloatVector rt = FloatVector.fromArray(F, rateA, o);");
            s.line("rt.blend(dPrev.div(dOld), its.compare(VectorOperators.GT, 1.0f).and(dPrev.compare(VectorOperators.GT, rt.mul(dOld))).and(act0F)).intoArray(rateA, o);");
        }
        s.close();
        s.open("boolean sdIterate(int o, int it)");
        s.line("final " + s.maskType() + " act = " + maskOf("actm") + ".andNot(" + maskOf("convm") + ").andNot(" + maskOf("nfl") + ");");
        s.open("if (!act.anyTrue())");
        s.line("return false;");
        s.close();
        s.line("act.intoArray(actn, o);");
        s.line("final VectorMask<Float> actF = VectorMask.fromArray(F, actn, o);"); // no cast across shapes: C2 boxed those
        s.line("LongVector.fromArray(J, nits, o).add(1L, act.cast(J)).intoArray(nits, o);");
        s.line("FloatVector.fromArray(F, itsA, o).add(1.0f, actF).intoArray(itsA, o);");
        s.line("rhs(o, yn, fs, 0);");
        s.line("sdResidual(o);");
        s.line("luSolve(o, fs, 0);");
        s.line("sdUpdate(o);");
        s.line("final FloatVector dn = FloatVector.fromArray(F, dnA, o), dPrev = FloatVector.fromArray(F, dPrevA, o);");
        convergence();
        s.line("VectorMask.fromArray(F, convm, o).or(cv.and(actF)).intoArray(convm, o);");
        s.line("VectorMask.fromArray(F, nfl, o).or(fl.and(actF)).intoArray(nfl, o);");
        s.line("FloatVector.fromArray(F, dOldA, o).blend(dPrev, actF).intoArray(dOldA, o);");
        s.line("dPrev.blend(dn, actF).intoArray(dPrevA, o);");
        s.line("return true;");
        s.close();
        s.open("void sdResidual(int o)");
        s.line("final " + s.type() + " inv = " + s.load("inva", "0") + ";");
        p.loop();
        s.line(p.at("fs", 0) + ".sub(" + p.at("yn", 0) + ".sub(" + p.at("zs", 0) + ").mul(inv)).intoArray(fs, i * B + o);");
        s.close();
        s.close();
        s.open("void sdUpdate(int o)");
        s.line("final " + s.maskType() + " act = " + maskOf("actn") + ";");
        s.line("FloatVector acc = FloatVector.zero(F);");
        p.loop();
        s.line("final " + s.type() + " d = " + p.at("fs", 0) + ", y = " + p.at("yn", 0) + ".add(d);");
        s.line(p.at("yn", 0) + ".blend(y, act).intoArray(yn, i * B + o);");
        String absY = floats("y") + ".abs()";
        s.line("final FloatVector sc = " + (adaptive ? absY + ".mul(rtv[i]).add(atv[i])"
                : absY + ".add(1.0f).mul(" + VectorSource.f32(single ? SdirkWriter.FIXED_TOLERANCE_32 : SdirkWriter.FIXED_TOLERANCE_64) + ")") + ";");
        s.line("final FloatVector q = " + floats("d") + ".div(sc);");
        s.line("acc = acc.add(q.mul(q));");
        s.close();
        s.line("((FloatVector) ((DoubleVector) acc.mul(" + VectorSource.f32(1.0 / n) + ").convertShape(VectorOperators.F2D, D, 0)).sqrt()"
                + ".convertShape(VectorOperators.D2F, F, 0)).intoArray(dnA, o);");
        s.close();
    }

    /**
     * SdirkWriter.convergence as float32 masks {@code cv} (converged) and {@code fl} (failed) of this iteration; the tests
     * of later iterations under the mask {@code later} rather than a branch (a mask merged after one was boxed by C2).
     */
    private void convergence() {
        s.line("final VectorMask<Float> later = F.maskAll(it > 0);");
        String cv = "dn.compare(VectorOperators.LE, " + (adaptive ? "newtonTol" : "1.0f") + ")";
        if (adaptive) {
            cv += ".or(dn.compare(VectorOperators.GE, dPrev).and(dn.compare(VectorOperators.LE, " + VectorSource.f32(SdirkWriter.KAPPA) + ")).and(later))"
                    + ".or(dn.compare(VectorOperators.LT, dPrev).and(dn.mul(dn).compare(VectorOperators.LE, dPrev.sub(dn).mul(newtonTol))).and(later))";
        }
        s.line("final VectorMask<Float> cv = " + cv + ";");
        s.line("final VectorMask<Float> fl = dn.compare(VectorOperators.LT, 3e38f).not().or(dn.compare(VectorOperators.GE, dPrev).and(later)).andNot(cv);");
    }
}
