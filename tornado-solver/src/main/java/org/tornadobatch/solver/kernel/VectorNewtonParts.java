package org.tornadobatch.solver.kernel;

import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.system.Differentiation;
import org.tornadobatch.system.Expr;

/**
 * What the vector kernels of the methods with Newton's iteration share ({@link VectorSdirkParts} for SDIRK and ESDIRK
 * steps, {@link VectorFirkParts} for fully implicit ones), lane by lane as the scalar kernel's {@link SdirkWriter} and
 * {@link IterationMatrix}: {@code newtonJac<c>} evaluate rows of J into {@code jw} in the lanes that need one
 * ({@code needm}: every attempting lane, or with Jacobian reuse those whose {@code needJ} is set, RADAU5's rule);
 * {@code newtonMatrix} forms the step's matrices from it, factorises them ({@link VectorLu}) and returns the singular
 * lanes (with Krylov solves, {@link VectorKrylov}, neither J nor a matrix is stored); {@code newton} iterates the Newton updates of every lane at once, a lane dropping out as it converges or fails
 * ({@code convm}, {@code nfl}), counting each lane's iterations, and keeps the attempt's most iterations ({@code stepItsA},
 * for Gustafsson's safety) and its largest last contraction rate ({@code rateA}, for the reuse rule). Failure is
 * {@code nfl} (per attempt in adaptive steps, sticky in fixed ones, as the scalar kernel's {@code newtonFail}).
 */
abstract class VectorNewtonParts {
    final VectorSource s;
    final VectorStepWriter w;
    final VectorPartsWriter p;
    final ButcherTableau tab;
    final boolean adaptive;
    final boolean reuse;
    final boolean single;
    final int n;
    final List<List<Expr>> jac;
    private final List<int[]> rowParts;

    VectorNewtonParts(VectorSource s, KernelSpec spec, VectorStepWriter w, VectorPartsWriter p) {
        this.s = s;
        this.w = w;
        this.p = p;
        this.tab = spec.tableau();
        this.adaptive = spec.control().controller().isAdaptive();
        this.reuse = IterationMatrix.reusesJacobian(spec);
        this.single = s.single;
        this.n = spec.system().states().size();
        this.jac = Differentiation.jacobian(spec.system());
        this.rowParts = VectorLu.rowParts(jac, null);
    }

    /** The writer of {@code spec}'s Newton step: SDIRK/ESDIRK or fully implicit. */
    static VectorNewtonParts of(VectorSource s, KernelSpec spec, VectorStepWriter w, VectorPartsWriter p) {
        return spec.tableau().isSdirk() ? new VectorSdirkParts(s, spec, w, p) : new VectorFirkParts(s, spec, w, p);
    }

    final boolean nonZero(int i, int j) {
        return !Differentiation.isZero(jac.get(i).get(j));
    }

    /** The time arguments of a fixed step's methods (adaptive steps read theirs from {@code tl}, {@code hl}). */
    final String args(boolean declare) {
        return adaptive ? "" : declare ? ", double ts, double h" : ", ts, h";
    }

    final String maskOf(String array) {
        return "VectorMask.fromArray(" + s.species() + ", " + array + ", o)";
    }

    /**
     * {@code x} (a working-type vector) as float32, the conversion written out: through the kernel's {@code toF}, a call
     * that C2 did not inline into the Newton update (its node count), every vector after it ran boxed (5x slower).
     */
    final String floats(String x) {
        return single ? x : "((FloatVector) " + x + ".convertShape(VectorOperators.D2F, F, 0))";
    }

    /** A float32 mask of a working-type mask {@code m}. */
    final String toF(String m) {
        return single ? m : m + ".cast(F)";
    }

    /** Rows of the LU in {@code lu} ({@link VectorLu}); 0 where nothing is factorised. */
    abstract int luRows();

    /** Whether the step evaluates J into {@code jw} (not with Krylov solves, which store none). */
    boolean formsJacobian() {
        return true;
    }

    /** The step's own workspace beside the shared one. */
    abstract void ownFields();

    /** The calls of one step in {@code attempt} (adaptive, after {@code actm}) or {@code step} (fixed): its matrix, stages, new state. */
    abstract void stepCalls();

    /** The step's own methods beside {@code newtonJac<c>}, {@code newtonMatrix}'s start and {@code newton}. */
    abstract void methods();

    /** In {@code newtonMatrix}, after J: the step's matrices from {@code jw} and their factors; declares the mask {@code singular}. */
    abstract void matrices();

    /** In {@code newtonIterate}: the residual, the solve and the update of the active lanes ({@code actn}), the update's norm in {@code dnA}. */
    abstract void iteration();

    /** The workspace: J, W and its factors, the per-lane flags and counts, and the step's own. */
    final void fields() {
        String q = s.primitive();
        int lu = luRows() * luRows();
        s.line("final " + q + "[] lu = new " + q + "[" + lu + " * B], jw = new " + q + "[" + (formsJacobian() ? n * n : 0) + " * B];");
        s.line("final boolean[] swm = new boolean[" + lu + " * B], needm = new boolean[B], actm = new boolean[B], actn = new boolean[B], nfl = new boolean[B], convm = new boolean[B];");
        s.line("final boolean[] needJ = new boolean[B], fresh = new boolean[B];");
        s.line("final long[] nits = new long[B], jev = new long[B], lun = new long[B];");
        s.line("final float[] stepItsA = new float[B], rateA = new float[B], dnA = new float[B], dPrevA = new float[B], dOldA = new float[B], itsA = new float[B];");
        StringBuilder nz = new StringBuilder();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                nz.append(i + j > 0 ? ", " : "").append(nonZero(i, j));
            }
        }
        s.line("static final boolean[] NZ = {" + nz + "};");
        s.line("float newtonTol;");
        ownFields();
    }

    /** In the Block's constructor, after the tolerances: SdirkWriter.newtonTolerance. */
    final void tolerances() {
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
    final void attemptStages() {
        s.line("act" + (single ? ".cast(F)" : "") + ".intoArray(actm, o);");
        stepCalls();
        s.line("errorSum(o);");
        s.line("final " + s.maskType() + " newtonFail = " + maskOf("nfl") + ";");
    }

    /** In {@code step}: a fixed step's matrix (its singular lanes sticky in {@code sing}), stages and new state. */
    final void fixedStep() {
        stepCalls();
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
    final String safety(double safety) {
        int m = SdirkWriter.MAX_ITERATIONS;
        return "FloatVector.broadcast(F, " + VectorSource.f32(safety * (1 + 2 * m)) + ").div(FloatVector.fromArray(F, stepItsA, o).add("
                + VectorSource.f32(2 * m) + "))";
    }

    /** The methods of J, the matrix and Newton's iteration ({@code maxIterations}, {@code rateTest}: SdirkWriter.convergence's), and the LU's. */
    final void newtonMethods(int maxIterations, boolean rateTest) {
        if (formsJacobian()) {
            jacobianMethods();
        }
        matrixMethod();
        newtonLoop(maxIterations, rateTest);
        if (luRows() > 0) {
            VectorLu.methods(s, luRows());
        }
    }

    private void jacobianMethods() {
        for (int c = 0; c < rowParts.size(); c++) {
            int[] rows = rowParts.get(c);
            s.open("void newtonJac" + c + "(int o" + args(true) + ")");
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

    /** {@code newtonMatrix}: the attempt's flags, J where needed, then {@link #matrices}; the singular lanes into {@code sing}. */
    private void matrixMethod() {
        s.open(s.maskType() + " newtonMatrix(int o" + args(true) + ")");
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
        if (formsJacobian()) {
            s.line("final " + s.maskType() + " need = " + (reuse ? maskOf("needJ") + ".and(act0)" : "act0") + ";");
            s.open("if (need.anyTrue())");
            s.line("need.intoArray(needm, o);");
            for (int c = 0; c < rowParts.size(); c++) {
                s.line("newtonJac" + c + "(o" + args(false) + ");");
            }
            s.line("LongVector.fromArray(J, jev, o).add(1L, need.cast(J)).intoArray(jev, o);");
            s.close();
        }
        if (reuse) {
            s.line(maskOf("fresh") + ".andNot(act0).or(need).intoArray(fresh, o);");
            s.line(maskOf("needJ") + ".andNot(need).intoArray(needJ, o);");
        }
        s.line(s.maskType() + " singular = " + (adaptive ? s.species() + ".maskAll(false)" : maskOf("sing")) + ";");
        matrices();
        s.line("singular.intoArray(sing, o);");
        s.line("return singular;");
        s.close();
    }

    /**
     * In {@link #matrices}: {@code W = I / (h gamma) - J} (as IterationMatrix.build, {@code inv} declared) in {@code lu},
     * factorised, counted in {@code lun}, its small pivots added to {@code singular}.
     */
    final void realMatrix(double gamma) {
        inverse(gamma);
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
        factorAndPivots(n);
    }

    /** {@code inv = 1 / (h gamma)} in the working type, from {@code hh} (IterationMatrix.build, KrylovSolve.build). */
    final void inverse(double gamma) {
        String lit = s.literal(gamma);
        s.line("final " + s.type() + " inv = " + (adaptive ? s.type() + ".broadcast(" + s.species() + ", " + s.literal(1) + ").div(hh.mul(" + lit + "))"
                : s.type() + ".broadcast(" + s.species() + ", " + s.literal(1) + " / (hh * " + lit + "))") + ";");
    }

    /** {@code luFactor} of the {@code rows} in {@code lu} whose largest entry is {@code largest}, counted, its small pivots into {@code singular}. */
    final void factorAndPivots(int rows) {
        VectorLu.factorWithPivotTest(s, rows);
        s.line("LongVector.fromArray(J, lun, o).add(1L, act0.cast(J)).intoArray(lun, o);");
    }

    /**
     * {@code newton} and {@code newtonIterate}: Newton's iteration from the start the step wrote, for every lane that
     * attempts the step ({@code actm}) until it converges or fails, each iteration's work ({@link #iteration}) in methods
     * of its own, meeting in the workspace, so that C2 inlines the Vector API into each (in one method, past its node
     * count, it did not).
     */
    private void newtonLoop(int maxIterations, boolean rateTest) {
        s.open("void newton(int o)");
        // The iteration's state lives in the workspace, not in loop-carried vectors and masks: C2 boxed those (every
        // iteration allocated them), which cost more than the loads and stores.
        s.line("final " + s.maskType() + " act0 = " + maskOf("actm") + ";");
        s.line(s.species() + ".maskAll(false).intoArray(convm, o);");
        s.line("FloatVector.zero(F).intoArray(dPrevA, o);");
        s.line("FloatVector.zero(F).intoArray(dOldA, o);");
        s.line("FloatVector.zero(F).intoArray(itsA, o);");
        s.repeat(maxIterations, "newtonIterate(o, it)");
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
        s.open("boolean newtonIterate(int o, int it)");
        s.line("final " + s.maskType() + " act = " + maskOf("actm") + ".andNot(" + maskOf("convm") + ").andNot(" + maskOf("nfl") + ");");
        s.open("if (!act.anyTrue())");
        s.line("return false;");
        s.close();
        s.line("act.intoArray(actn, o);");
        s.line("final VectorMask<Float> actF = VectorMask.fromArray(F, actn, o);"); // no cast across shapes: C2 boxed those
        s.line("LongVector.fromArray(J, nits, o).add(1L, act.cast(J)).intoArray(nits, o);");
        s.line("FloatVector.fromArray(F, itsA, o).add(1.0f, actF).intoArray(itsA, o);");
        iteration();
        s.line("final FloatVector dn = FloatVector.fromArray(F, dnA, o), dPrev = FloatVector.fromArray(F, dPrevA, o);");
        convergence(rateTest);
        s.line("VectorMask.fromArray(F, convm, o).or(cv.and(actF)).intoArray(convm, o);");
        s.line("VectorMask.fromArray(F, nfl, o).or(fl.and(actF)).intoArray(nfl, o);");
        s.line("FloatVector.fromArray(F, dOldA, o).blend(dPrev, actF).intoArray(dOldA, o);");
        s.line("dPrev.blend(dn, actF).intoArray(dPrevA, o);");
        s.line("return true;");
        s.close();
    }

    /**
     * SdirkWriter.convergence as float32 masks {@code cv} (converged) and {@code fl} (failed) of this iteration; the tests
     * of later iterations under the mask {@code later} rather than a branch (a mask merged after one was boxed by C2).
     */
    private void convergence(boolean rateTest) {
        s.line("final VectorMask<Float> later = F.maskAll(it > 0);");
        String cv = "dn.compare(VectorOperators.LE, " + (adaptive ? "newtonTol" : "1.0f") + ")";
        if (adaptive) {
            cv += ".or(dn.compare(VectorOperators.GE, dPrev).and(dn.compare(VectorOperators.LE, " + VectorSource.f32(SdirkWriter.KAPPA) + ")).and(later))";
            if (rateTest) {
                cv += ".or(dn.compare(VectorOperators.LT, dPrev).and(dn.mul(dn).compare(VectorOperators.LE, dPrev.sub(dn).mul(newtonTol))).and(later))";
            }
        }
        s.line("final VectorMask<Float> cv = " + cv + ";");
        s.line("final VectorMask<Float> fl = dn.compare(VectorOperators.LT, 3e38f).not().or(dn.compare(VectorOperators.GE, dPrev).and(later)).andNot(cv);");
    }
}
