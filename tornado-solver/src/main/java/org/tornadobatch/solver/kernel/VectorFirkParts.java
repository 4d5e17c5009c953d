package org.tornadobatch.solver.kernel;

import org.tornadobatch.solver.method.Firk;

/**
 * A fully implicit step of a vector kernel in small methods ({@link VectorPartsWriter}'s, for Radau IIA and
 * Gauss-Legendre): {@link FirkWriter}'s simplified Newton iteration on all stages at once, {@link IterationMatrix}'s and
 * {@link ComplexIterationMatrix}'s matrices lane by lane, the same operations in the same order, so the scalar kernel's
 * bits. J and Newton's loop are {@link VectorNewtonParts}'. With the method's transformation (Radau IIA) the real
 * matrix {@code gamma / h - J} is factorised in {@code lu} ({@link VectorLu}) and the complex one
 * {@code (alpha + i beta) / h - J} in {@code cre}, {@code cim} ({@code cMatrix}, {@code cFactor}; pivots' reciprocals in
 * {@code cpr}, {@code cpi}, swaps in {@code csw}); without one the block matrix {@code (A^-1 / h) (x) I - I (x) J} of
 * {@code s n} rows is factorised in {@code lu}. The stage increments Z ({@code zf}, stage-major), the Newton update D
 * ({@code df}) and the transformed D ({@code vf}) are workspace arrays; {@code frStart} writes the predictor and the
 * stage times ({@code tzf}), {@code frResidual}, {@code frSolve} and {@code frUpdate} are one iteration, and
 * {@code frEstimate} the error estimate in {@code ee} (refined once where it exceeds 1 on a lane's first step or after a
 * rejection, {@code refine}: RADAU5's rule, the scalar kernel's {@code retry}).
 */
final class VectorFirkParts extends VectorNewtonParts {
    private final Firk firk;
    private final Firk.Transformation tr;
    private final int st;
    private final double[][] aInv;
    private final double[] d;
    private final boolean estimate;

    VectorFirkParts(VectorSource s, KernelSpec spec, VectorStepWriter w, VectorPartsWriter p) {
        super(s, spec, w, p);
        this.firk = tab.firk();
        this.tr = firk.transformation();
        this.st = tab.stages();
        this.aInv = Firk.inverse(tab.a());
        this.d = FirkWriter.newStateWeights(tab, aInv);
        this.estimate = adaptive && firk.hasEstimate();
        if (estimate && tr == null) {
            throw new IllegalArgumentException(tab.name() + ": a fully implicit estimate without a transformation has no vector kernel");
        }
    }

    @Override
    int luRows() {
        return tr == null ? st * n : n;
    }

    @Override
    void ownFields() {
        String q = s.primitive();
        int sn = st * n;
        s.line("final " + q + "[] zf = new " + q + "[" + sn + " * B], df = new " + q + "[" + sn + " * B], hva = new " + q + "[B];");
        s.line("final double[] tzf = new double[" + st + " * B];");
        if (tr != null) {
            s.line("final " + q + "[] vf = new " + q + "[" + sn + " * B], cre = new " + q + "[" + n * n + " * B], cim = new " + q + "[" + n * n
                    + " * B], cpr = new " + q + "[" + n + " * B], cpi = new " + q + "[" + n + " * B];");
            s.line("final boolean[] csw = new boolean[" + n * n + " * B];");
        } else {
            StringBuilder bq = new StringBuilder();
            for (int a = 0; a < st; a++) {
                for (int b = 0; b < st; b++) {
                    bq.append(a + b > 0 ? ", " : "").append(s.literal(aInv[a][b]));
                }
            }
            s.line("static final " + q + "[] BQ = {" + bq + "};");
        }
        if (estimate) {
            s.line("final " + q + "[] ee = new " + q + "[" + n + " * B], eF = new " + q + "[" + n + " * B];");
            s.line("final boolean[] refine = new boolean[B], refm = new boolean[B];");
        }
    }

    @Override
    void startLane() {
        super.startLane();
        if (estimate) {
            s.line("refine[l] = true;");
        }
    }

    @Override
    void acceptReject() {
        super.acceptReject();
        if (estimate) {
            s.line("VectorMask.fromArray(D, refine, o).andNot(accept).or(reject).intoArray(refine, o);");
        }
    }

    @Override
    void stepCalls() {
        s.line("final " + s.maskType() + " singular = newtonMatrix(o" + args(false) + ");");
        s.line("frStart(o" + args(false) + ");");
        s.line("newton(o);");
        s.line("newState(o);");
        if (estimate) {
            s.line("frEstimate(o);");
        }
    }

    @Override
    void matrices() {
        if (tr != null) {
            realMatrix(1 / tr.gamma());
            s.line("singular = singular.or(cMatrix(o" + args(false) + "));");
            return;
        }
        s.line("final " + s.type() + " hinv = " + hinv() + ";");
        s.line("hinv.intoArray(hva, o);");
        s.line(s.type() + " largest = " + s.type() + ".zero(" + s.species() + ");");
        int sn = st * n;
        s.open("for (int r = 0; r < " + sn + "; r++)");
        s.open("for (int c = 0; c < " + sn + "; c++)");
        s.line("final int i = r % " + n + ", j = c % " + n + ", e = i * " + n + " + j;");
        s.line("final " + s.primitive() + " bq = BQ[(r / " + n + ") * " + st + " + c / " + n + "];");
        s.line("final boolean withJ = r / " + n + " == c / " + n + " && NZ[e];");
        s.line("final " + s.type() + " jv = withJ ? " + s.type() + ".fromArray(" + s.species() + ", jw, e * B + o) : null;");
        s.line("final " + s.type() + " mv = i == j && bq != 0 ? (withJ ? hinv.mul(bq).sub(jv) : hinv.mul(bq)) : (withJ ? jv.neg() : "
                + s.type() + ".zero(" + s.species() + "));");
        s.line("mv.intoArray(lu, (r * " + sn + " + c) * B + o);");
        s.line("largest = r + c == 0 ? mv.abs() : largest.max(mv.abs());");
        s.close();
        s.close();
        factorAndPivots(sn);
    }

    /** {@code 1 / h} in the working type, from {@code hh} (ComplexIterationMatrix.build, IterationMatrix.build). */
    private String hinv() {
        return adaptive ? s.type() + ".broadcast(" + s.species() + ", " + s.literal(1) + ").div(hh)"
                : s.type() + ".broadcast(" + s.species() + ", " + s.literal(1) + " / hh)";
    }

    private String vec(String array, String slot) {
        return s.type() + ".fromArray(" + s.species() + ", " + array + ", (" + slot + ") * B + o)";
    }

    @Override
    void methods() {
        newtonMethods(adaptive ? SdirkWriter.MAX_ITERATIONS : FirkWriter.FIXED_MAX_ITERATIONS, false);
        if (tr != null) {
            complexMethods();
        }
        startMethod();
        iterationMethods();
        s.open("void newState(int o)");
        if (!adaptive) {
            s.line("final " + s.maskType() + " bad = " + maskOf("sing") + ".or(" + maskOf("nfl") + ");");
        }
        p.loop();
        // FirkWriter's y + d_0 Z_0 + d_1 Z_1 + ...: the sum from y, term by term.
        String next = p.at("ys", 0);
        for (int q = 0; q < st; q++) {
            if (d[q] != 0) {
                String z = p.at("zf", q * n);
                next += ".add(" + (d[q] == 1 ? z : z + ".mul(" + s.literal(d[q]) + ")") + ")";
            }
        }
        s.line((adaptive ? next : next + ".blend(" + (single ? "Float.NaN" : "Double.NaN") + ", bad)") + ".intoArray(ns, i * B + o);");
        s.close();
        s.close();
        if (estimate) {
            estimateMethod();
            p.errorSum(p.at("ee", 0));
        }
    }

    /** {@code frStart}: the stage times into {@code tzf} and explicit Euler's predictor {@code Z_p = c_p h f(t, y)}. */
    private void startMethod() {
        s.open("void frStart(int o" + args(true) + ")");
        p.stepSize(adaptive);
        double[] c = tab.c();
        for (int q = 0; q < st; q++) {
            String cq = VectorSource.f64(c[q]);
            s.line((adaptive ? "ts.add(h.mul(" + cq + "))" : "DoubleVector.broadcast(D, ts + " + cq + " * h)") + ".intoArray(tzf, " + q + " * B + o);");
            String lit = s.literal(c[q]);
            s.line("final " + (adaptive ? s.type() + " hc" + q + " = hh.mul(" + lit + ")" : s.primitive() + " hc" + q + " = " + lit + " * hh") + ";");
        }
        p.loop();
        s.line("final " + s.type() + " k0 = " + p.at("ks", 0) + ";");
        for (int q = 0; q < st; q++) {
            s.line("k0.mul(hc" + q + ").intoArray(zf, (" + q * n + " + i) * B + o);");
        }
        s.close();
        s.close();
    }

    @Override
    void iteration() {
        s.line("frResidual(o);");
        s.line("frSolve(o);");
        s.line("frUpdate(o);");
    }

    /** {@code frResidual}, {@code frSolve}, {@code frUpdate}: one iteration of FirkWriter.newton for the active lanes. */
    private void iterationMethods() {
        s.open("void frResidual(int o)");
        for (int q = 0; q < st; q++) {
            p.loop();
            s.line(p.at("ys", 0) + ".add(" + p.at("zf", q * n) + ").intoArray(zs, i * B + o);");
            s.close();
            s.line("DoubleVector.fromArray(D, tzf, " + q + " * B + o).intoArray(tza, o);");
            s.line("rhs(o, zs, df, " + q * n + ");");
        }
        s.line("final " + s.type() + " hinv = " + s.load("hva", "0") + ";");
        p.loop();
        for (int q = 0; q < st; q++) {
            double[] row = aInv[q];
            s.line(p.at("df", q * n) + ".sub(hinv.mul(" + VectorStepWriter.combination(s, row, st, false, r -> p.at("zf", r * n)) + ")).intoArray(df, (" + q * n + " + i) * B + o);");
        }
        s.close();
        s.close();
        s.open("void frSolve(int o)");
        if (tr == null) {
            s.line("luSolve(o, df, 0);");
        } else {
            double[][] t = tr.t();
            double[][] tInv = tr.tInv();
            p.loop();
            for (int q = 0; q < st; q++) {
                s.line(VectorStepWriter.combination(s, tInv[q], st, false, r -> p.at("df", r * n)) + ".intoArray(vf, (" + q * n + " + i) * B + o);");
            }
            s.close();
            s.line("luSolve(o, vf, 0);");
            s.line("cSolve(o);");
            p.loop();
            for (int q = 0; q < st; q++) {
                s.line(VectorStepWriter.combination(s, t[q], st, false, r -> p.at("vf", r * n)) + ".intoArray(df, (" + q * n + " + i) * B + o);");
            }
            s.close();
        }
        s.close();
        s.open("void frUpdate(int o)");
        s.line("final " + s.maskType() + " act = " + maskOf("actn") + ";");
        s.line("FloatVector acc = FloatVector.zero(F);");
        s.open("for (int r = 0; r < " + st * n + "; r++)");
        s.line("final int i = r % " + n + ";");
        s.line("final " + s.type() + " z = " + vec("zf", "r") + ", dv = " + vec("df", "r") + ", z2 = z.add(dv);");
        s.line("z.blend(z2, act).intoArray(zf, r * B + o);");
        String absY = floats(vec("ys", "i") + ".add(z2)") + ".abs()";
        s.line("final FloatVector sc = " + (adaptive ? absY + ".mul(rtv[i]).add(atv[i])"
                : absY + ".add(1.0f).mul(" + VectorSource.f32(single ? SdirkWriter.FIXED_TOLERANCE_32 : SdirkWriter.FIXED_TOLERANCE_64) + ")") + ";");
        s.line("final FloatVector q = " + floats("dv") + ".div(sc);");
        s.line("acc = acc.add(q.mul(q));");
        s.close();
        s.line("((FloatVector) ((DoubleVector) acc.mul(" + VectorSource.f32(1.0 / (st * n)) + ").convertShape(VectorOperators.F2D, D, 0)).sqrt()"
                + ".convertShape(VectorOperators.D2F, F, 0)).intoArray(dnA, o);");
        s.close();
    }

    /** {@code cMatrix}: ComplexIterationMatrix.build from J in {@code jw}; returns the lanes whose pivots are too small. */
    private void complexMethods() {
        String t = s.type();
        String zero = t + ".zero(" + s.species() + ")";
        s.open(s.maskType() + " cMatrix(int o" + args(true) + ")");
        p.stepSize(adaptive);
        s.line("final " + s.maskType() + " act0 = " + maskOf("actm") + ";");
        s.line("final " + t + " hinv = " + hinv() + ";");
        s.line("hinv.intoArray(hva, o);");
        s.line("final " + t + " ar = hinv.mul(" + s.literal(tr.alpha()) + "), bi = hinv.mul(" + s.literal(tr.beta()) + ");");
        s.line(t + " largest = bi.abs();");
        s.open("for (int i = 0; i < " + n + "; i++)");
        s.open("for (int j = 0; j < " + n + "; j++)");
        s.line("final int e = i * " + n + " + j;");
        s.line("final " + t + " jv = " + vec("jw", "e") + ";");
        s.line("final " + t + " re = i == j ? (NZ[e] ? ar.sub(jv) : ar) : (NZ[e] ? jv.neg() : " + zero + ");");
        s.line("re.intoArray(cre, e * B + o);");
        s.line("(i == j ? bi : " + zero + ").intoArray(cim, e * B + o);");
        s.line("largest = largest.max(re.abs());");
        s.close();
        s.close();
        s.line("final " + t + " pivotMin = largest.mul(" + s.literal(IterationMatrix.pivotFactor(n, single)) + ");");
        s.line("cFactor(o);");
        s.line("LongVector.fromArray(J, lun, o).add(1L, act0.cast(J)).intoArray(lun, o);");
        s.line(s.maskType() + " small = " + s.species() + ".maskAll(false);");
        s.open("for (int k = 0; k < " + n + "; k++)");
        s.line("final int e = k * " + (n + 1) + ";");
        s.line("small = small.or(" + vec("cre", "e") + ".abs().add(" + vec("cim", "e") + ".abs()).compare(VectorOperators.GT, pivotMin).not());");
        s.close();
        s.line("return small;");
        s.close();
        factorMethod();
        solveMethod();
    }

    /** {@code cFactor}: ComplexIterationMatrix.factorise, pivoting on {@code |re| + |im|}, swaps as lane masks in {@code csw}. */
    private void factorMethod() {
        String t = s.type();
        s.open("void cFactor(int o)");
        s.open("for (int k = 0; k < " + n + "; k++)");
        s.open("for (int r = k + 1; r < " + n + "; r++)");
        String kk = "k * " + (n + 1);
        String rk = "r * " + n + " + k";
        s.line("final " + s.maskType() + " sw = " + vec("cre", rk) + ".abs().add(" + vec("cim", rk) + ".abs()).compare(VectorOperators.GT, "
                + vec("cre", kk) + ".abs().add(" + vec("cim", kk) + ".abs()));");
        s.line("sw.intoArray(csw, (k * " + n + " + r) * B + o);");
        s.open("if (sw.anyTrue())");
        s.open("for (int j = 0; j < " + n + "; j++)");
        for (String a : new String[] {"cre", "cim"}) {
            s.open("");
            s.line("final " + t + " x = " + vec(a, "k * " + n + " + j") + ", z = " + vec(a, "r * " + n + " + j") + ";");
            s.line("x.blend(z, sw).intoArray(" + a + ", (k * " + n + " + j) * B + o);");
            s.line("z.blend(x, sw).intoArray(" + a + ", (r * " + n + " + j) * B + o);");
            s.close();
        }
        s.close();
        s.close();
        s.close();
        s.line("final " + t + " pr = " + vec("cre", kk) + ", pi = " + vec("cim", kk) + ";");
        s.line("final " + t + " m = pr.abs().max(pi.abs()), cr = pr.div(m), ci = pi.div(m), cd = cr.mul(cr).add(ci.mul(ci)).mul(m);");
        s.line("final " + t + " pR = cr.div(cd), pI = ci.neg().div(cd);");
        s.line("pR.intoArray(cpr, k * B + o);");
        s.line("pI.intoArray(cpi, k * B + o);");
        s.open("for (int r = k + 1; r < " + n + "; r++)");
        s.line("final " + t + " a = " + vec("cre", rk) + ", b = " + vec("cim", rk) + ";");
        s.line("final " + t + " lr = a.mul(pR).sub(b.mul(pI)), li = a.mul(pI).add(b.mul(pR));");
        s.line("lr.intoArray(cre, (" + rk + ") * B + o);");
        s.line("li.intoArray(cim, (" + rk + ") * B + o);");
        s.open("for (int j = k + 1; j < " + n + "; j++)");
        String rj = "r * " + n + " + j";
        String kj = "k * " + n + " + j";
        s.line("final " + t + " ur = " + vec("cre", kj) + ", ui = " + vec("cim", kj) + ";");
        s.line(vec("cre", rj) + ".sub(lr.mul(ur).sub(li.mul(ui))).intoArray(cre, (" + rj + ") * B + o);");
        s.line(vec("cim", rj) + ".sub(lr.mul(ui).add(li.mul(ur))).intoArray(cim, (" + rj + ") * B + o);");
        s.close();
        s.close();
        s.close();
        s.close();
    }

    /** {@code cSolve}: ComplexIterationMatrix.solve on {@code V_1 + i V_2} in {@code vf}: the swaps, L, then U. */
    private void solveMethod() {
        String t = s.type();
        String re = n + " + ";
        String im = 2 * n + " + ";
        s.open("void cSolve(int o)");
        s.open("for (int k = 0; k < " + n + "; k++)");
        s.open("for (int r = k + 1; r < " + n + "; r++)");
        s.line("final " + s.maskType() + " sw = VectorMask.fromArray(" + s.species() + ", csw, (k * " + n + " + r) * B + o);");
        s.open("if (sw.anyTrue())");
        for (String part : new String[] {re, im}) {
            s.open("");
            s.line("final " + t + " x = " + vec("vf", part + "k") + ", z = " + vec("vf", part + "r") + ";");
            s.line("x.blend(z, sw).intoArray(vf, (" + part + "k) * B + o);");
            s.line("z.blend(x, sw).intoArray(vf, (" + part + "r) * B + o);");
            s.close();
        }
        s.close();
        s.close();
        s.close();
        s.open("for (int r = 1; r < " + n + "; r++)");
        substitute("0", "r", re, im);
        s.line("vr.intoArray(vf, (" + re + "r) * B + o);");
        s.line("vi.intoArray(vf, (" + im + "r) * B + o);");
        s.close();
        s.open("for (int r = " + (n - 1) + "; r >= 0; r--)");
        substitute("r + 1", String.valueOf(n), re, im);
        s.line("final " + t + " pR = " + vec("cpr", "r") + ", pI = " + vec("cpi", "r") + ";");
        s.line("vr.mul(pR).sub(vi.mul(pI)).intoArray(vf, (" + re + "r) * B + o);");
        s.line("vr.mul(pI).add(vi.mul(pR)).intoArray(vf, (" + im + "r) * B + o);");
        s.close();
        s.close();
    }

    /** ComplexIterationMatrix.subtract for {@code k} from {@code from} below {@code to}: {@code v_r -= E_rk v_k} into {@code vr}, {@code vi}. */
    private void substitute(String from, String to, String re, String im) {
        String t = s.type();
        s.line(t + " vr = " + vec("vf", re + "r") + ", vi = " + vec("vf", im + "r") + ";");
        s.open("for (int k = " + from + "; k < " + to + "; k++)");
        s.line("final " + t + " a = " + vec("cre", "r * " + n + " + k") + ", b = " + vec("cim", "r * " + n + " + k") + ";");
        s.line("final " + t + " xr = " + vec("vf", re + "k") + ", xi = " + vec("vf", im + "k") + ";");
        s.line("vr = vr.sub(a.mul(xr).sub(b.mul(xi)));");
        s.line("vi = vi.sub(a.mul(xi).add(b.mul(xr)));");
        s.close();
    }

    /**
     * {@code frEstimate}: FirkWriter.errorEstimate, {@code ee = W^-1 (f(t, y) + sum_p e_p Z_p / h)} with the real matrix, refined
     * once in the lanes that {@code refine} and whose estimate's norm exceeds 1.
     */
    private void estimateMethod() {
        s.open("void frEstimate(int o)");
        s.line("final " + s.type() + " hinv = " + s.load("hva", "0") + ";");
        p.loop();
        s.line("final " + s.type() + " e = hinv.mul(" + VectorStepWriter.combination(s, firk.estimateWeights(), st, false, q -> p.at("zf", q * n)) + ");");
        s.line("e.intoArray(eF, i * B + o);");
        s.line(p.at("ks", 0) + ".add(e).intoArray(ee, i * B + o);");
        s.close();
        s.line("luSolve(o, ee, 0);");
        s.line("final VectorMask<Float> mF = VectorMask.fromArray(F, refine, o).and(VectorMask.fromArray(F, actm, o));");
        s.open("if (mF.anyTrue())");
        s.line("FloatVector acc = FloatVector.zero(F);");
        p.loop();
        s.line("final FloatVector q = " + floats(p.at("ee", 0)) + ".div(" + floats(p.at("ys", 0)) + ".abs().max(" + floats(p.at("ns", 0))
                + ".abs()).mul(rtv[i]).add(atv[i]));");
        s.line("acc = acc.add(q.mul(q));");
        s.close();
        s.line("final VectorMask<Float> bigF = mF.and(acc.compare(VectorOperators.GT, " + VectorSource.f32(n) + "));");
        s.open("if (bigF.anyTrue())");
        s.line("bigF.intoArray(refm, o);");
        s.line("final " + s.maskType() + " big = " + maskOf("refm") + ";");
        p.loop();
        s.line(p.at("ys", 0) + ".add(" + p.at("ee", 0) + ").intoArray(zs, i * B + o);");
        s.close();
        s.line("DoubleVector.fromArray(D, tl, o).intoArray(tza, o);");
        s.line("rhs(o, zs, fs, 0);");
        p.loop();
        s.line(p.at("fs", 0) + ".add(" + p.at("eF", 0) + ").intoArray(fs, i * B + o);");
        s.close();
        s.line("luSolve(o, fs, 0);");
        p.loop();
        s.line(p.at("ee", 0) + ".blend(" + p.at("fs", 0) + ", big).intoArray(ee, i * B + o);");
        s.close();
        s.close();
        s.close();
        s.close();
    }
}
