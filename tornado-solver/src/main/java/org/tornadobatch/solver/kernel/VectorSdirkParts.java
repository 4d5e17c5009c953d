package org.tornadobatch.solver.kernel;

import org.tornadobatch.solver.method.Sdirk;

/**
 * A singly diagonally implicit step of a vector kernel in small methods ({@link VectorPartsWriter}'s, for SDIRK and
 * ESDIRK methods): {@link SdirkWriter}'s simplified Newton iteration and {@link IterationMatrix}'s matrix lane by lane,
 * the same operations in the same order. J, the matrix {@code W = I / (h gamma) - J} in {@code lu} and Newton's loop
 * are {@link VectorNewtonParts}'; {@code sdStage<st>} starts stage st from its predictor in {@code yn} and iterates it
 * ({@code newton}: {@code rhs}, {@code sdResidual}, {@code luSolve}, {@code sdUpdate} per iteration), then forms K.
 */
final class VectorSdirkParts extends VectorNewtonParts {
    private final Sdirk sdirk;
    /** The Krylov solves ({@link org.tornadobatch.solver.method.LinearSolver#KRYLOV}); null where W is factorised. */
    private final VectorKrylov krylov;

    VectorSdirkParts(VectorSource s, KernelSpec spec, VectorStepWriter w, VectorPartsWriter p) {
        super(s, spec, w, p);
        this.sdirk = tab.sdirk();
        this.krylov = spec.krylov() ? new VectorKrylov(s, spec, w, jac) : null;
    }

    @Override
    int luRows() {
        return krylov == null ? n : 0;
    }

    @Override
    boolean formsJacobian() {
        return krylov == null;
    }

    /** The stages and the Newton iterate beside the shared workspace, and {@code 1 / (h gamma)}. */
    @Override
    void ownFields() {
        String q = s.primitive();
        s.line("final " + q + "[] kr = new " + q + "[" + n * tab.stages() + " * B], yn = new " + q + "[" + n + " * B], inva = new " + q + "[B];");
        if (krylov != null) {
            krylov.fields();
        }
    }

    @Override
    void stepCalls() {
        s.line("final " + s.maskType() + " singular = newtonMatrix(o" + args(false) + ");");
        for (int st = 0; st < tab.stages(); st++) {
            if (sdirk.implicit(st)) {
                s.line("sdStage" + st + "(o" + args(false) + ");");
            }
        }
        s.line("newState(o" + (adaptive ? "" : ", h") + ");");
    }

    @Override
    void matrices() {
        if (krylov != null) {
            inverse(sdirk.gamma());
            s.line("inv.intoArray(inva, o); // the stages', the residual's and the products'");
            krylov.matrix();
            return;
        }
        realMatrix(sdirk.gamma());
        s.line("inv.intoArray(inva, o); // the stages' and the residual's");
    }

    /** The step's methods (those that {@link VectorPartsWriter} shares with explicit steps aside). */
    @Override
    void methods() {
        newtonMethods(SdirkWriter.MAX_ITERATIONS, true);
        if (krylov != null) {
            krylov.methods();
        }
        for (int st = 0; st < tab.stages(); st++) {
            if (sdirk.implicit(st)) {
                stageMethod(st);
            }
        }
        iterationMethods();
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
    }

    /** Stage {@code j}'s value at the loop's state: {@code ks}' first slot for an explicit first stage, else {@code kr}'s. */
    private String stage(int j) {
        return sdirk.implicit(j) ? p.at("kr", j * n) : p.at("ks", 0);
    }

    /** SdirkWriter.combination at the loop's state: {@code w_0 stage_0 + ...} over the non-zero weights below {@code upTo}. */
    private String combination(double[] wts, int upTo) {
        return VectorStepWriter.combination(s, wts, upTo, false, this::stage);
    }

    /**
     * {@code sdStage<st>}: the stage's start ({@code zs}, the predictor in {@code yn}, its time in {@code tza}; {@code 1 /
     * (h gamma)} is newtonMatrix's, in {@code inva}), Newton's iteration ({@code newton}), and K.
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
        s.line("newton(o);");
        p.loop();
        s.line(p.at("yn", 0) + ".sub(" + p.at("zs", 0) + ").mul(inv).intoArray(kr, (" + st * n + " + i) * B + o);");
        s.close();
        s.close();
    }

    @Override
    void iteration() {
        s.line("rhs(o, yn, fs, 0);");
        s.line("sdResidual(o);");
        s.line(krylov != null ? krylov.solveCall() : "luSolve(o, fs, 0);");
        s.line("sdUpdate(o);");
    }

    /** {@code sdResidual} and {@code sdUpdate}: SdirkWriter.implicitStage's residual and update of the active lanes. */
    private void iterationMethods() {
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
}
