package org.tornadobatch.solver.kernel;

import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.system.Differentiation;
import org.tornadobatch.system.Expr;

/**
 * {@link KrylovSolve}'s BiCGStab for every lane of a vector at once (an SDIRK step's solves, {@link VectorSdirkParts}):
 * the same operations in the same order, lane by lane, so the scalar kernel's bits. J is never stored: {@code krDiag<c>}
 * evaluate its diagonal for the preconditioner {@code pdv} at the step's start ({@code ys}, time {@code tkr}), and
 * {@code krJv<c>} the products {@code J v} row part by row part from the generated derivatives. The iteration's vectors
 * ({@code cgx}, {@code cgr}, {@code cgh}, {@code cgp}, {@code cgv}, {@code cgq}, {@code cgs}, {@code cgt}) and scalars
 * ({@code kRho}, {@code kAlpha}, {@code kOmega}, {@code kTol}, {@code kRn}) are workspace arrays, a lane's end
 * ({@code kdn}) and success ({@code kok}) lane masks: a lane that has converged or broken down keeps its iterate while the
 * others go on (only {@code cgx} and the flags are blended: the rest is scratch once a lane is done), and a lane that did
 * not converge fails its Newton iteration ({@code nfl}).
 */
final class VectorKrylov {
    private static final String[] VECTORS = {"cgx", "cgr", "cgh", "cgp", "cgv", "cgq", "cgs", "cgt"};

    private final VectorSource s;
    private final VectorStepWriter w;
    private final int n;
    private final boolean adaptive;
    private final int maxIterations;
    private final double eta;
    private final List<List<Expr>> jac;
    private final List<int[]> rowParts;

    VectorKrylov(VectorSource s, KernelSpec spec, VectorStepWriter w, List<List<Expr>> jac) {
        this.s = s;
        this.w = w;
        this.n = spec.system().states().size();
        this.adaptive = spec.control().controller().isAdaptive();
        this.jac = jac;
        this.rowParts = VectorLu.rowParts(jac, null);
        this.maxIterations = KrylovSolve.maxIterations(n);
        this.eta = s.single ? KrylovSolve.TOLERANCE_32 : KrylovSolve.TOLERANCE_64;
    }

    private String vec(String array, String slot) {
        return s.type() + ".fromArray(" + s.species() + ", " + array + ", (" + slot + ") * B + o)";
    }

    private String mask(String array) {
        return "VectorMask.fromArray(" + s.species() + ", " + array + ", o)";
    }

    private String one() {
        return s.type() + ".broadcast(" + s.species() + ", " + s.literal(1) + ")";
    }

    /** The workspace: the iteration's vectors and scalars, the preconditioner, the time of J, the lanes' flags. */
    void fields() {
        String q = s.primitive();
        StringBuilder v = new StringBuilder();
        for (String name : VECTORS) {
            v.append(v.length() > 0 ? ", " : "").append(name).append(" = new ").append(q).append("[").append(n).append(" * B]");
        }
        s.line("final " + q + "[] " + v + ", pdv = new " + q + "[" + n + " * B];");
        s.line("final " + q + "[] kRho = new " + q + "[B], kAlpha = new " + q + "[B], kOmega = new " + q + "[B], kTol = new " + q
                + "[B], kRn = new " + q + "[B];");
        s.line("final double[] tkr = new double[B];");
        s.line("final boolean[] kdn = new boolean[B], kok = new boolean[B], kact = new boolean[B];");
    }

    /**
     * In {@code newtonMatrix} (the attempting lanes {@code act0}, {@code inv} in {@code inva}): the time of J, the step's
     * start, and the preconditioner from J's diagonal, counted as one evaluation of J (KrylovSolve.build).
     */
    void matrix() {
        s.line((adaptive ? "DoubleVector.fromArray(D, tl, o)" : "DoubleVector.broadcast(D, ts)") + ".intoArray(tkr, o);");
        for (int c = 0; c < rowParts.size(); c++) {
            s.line("krDiag" + c + "(o);");
        }
        s.line("LongVector.fromArray(J, jev, o).add(1L, act0.cast(J)).intoArray(jev, o);");
    }

    /** In {@code sdIterate}, in place of the LU's solve: {@code fs = W^-1 fs} for the Newton iteration's lanes ({@code actn}). */
    String solveCall() {
        return "krSolve(o);";
    }

    /** The methods: the diagonal, the products, the solve and its iteration. */
    void methods() {
        for (int c = 0; c < rowParts.size(); c++) {
            evaluation("krDiag" + c, rowParts.get(c), true);
            evaluation("krJv" + c, rowParts.get(c), false);
        }
        productMethod();
        solveMethod();
        iterationMethods();
    }

    /** J's entries of {@code rows} at the step's start: the diagonal into {@code pdv} as the preconditioner, or {@code dst = J src}. */
    private void evaluation(String name, int[] rows, boolean diagonal) {
        String q = s.primitive();
        s.open("void " + name + "(int o" + (diagonal ? "" : ", " + q + "[] src, " + q + "[] dst") + ")");
        s.line("final DoubleVector ts = DoubleVector.fromArray(D, tkr, o);");
        w.parameters();
        List<Expr> used = new ArrayList<>();
        for (int i : rows) {
            for (int j = 0; j < n; j++) {
                if (!Differentiation.isZero(jac.get(i).get(j)) && (!diagonal || i == j)) {
                    used.add(jac.get(i).get(j));
                }
            }
        }
        String[] states = new String[n];
        for (int i = 0; i < n; i++) {
            states[i] = "y" + i;
            s.line("final " + s.type() + " y" + i + " = " + s.load("ys", String.valueOf(i)) + ";");
        }
        VectorExpressions x = w.evaluation("ts", false, states, used);
        if (diagonal) {
            s.line("final " + s.type() + " inv = " + s.load("inva", "0") + ";");
        }
        for (int i : rows) {
            if (diagonal) {
                Expr d = jac.get(i).get(i);
                s.open("");
                s.line("final " + s.type() + " wd = " + (Differentiation.isZero(d) ? "inv" : "inv.sub(" + x.vector(d) + ")") + ";");
                // A zero or non-finite diagonal entry leaves its row unscaled (wd - wd is 0 only where wd is finite).
                s.line(one() + ".blend(" + one() + ".div(wd), wd.compare(VectorOperators.NE, " + s.literal(0) + ").and(wd.sub(wd).compare("
                        + "VectorOperators.EQ, " + s.literal(0) + "))).intoArray(pdv, " + i + " * B + o);");
                s.close();
                continue;
            }
            String acc = null;
            for (int j = 0; j < n; j++) {
                if (!Differentiation.isZero(jac.get(i).get(j))) {
                    String term = x.vector(jac.get(i).get(j)) + ".mul(" + vec("src", String.valueOf(j)) + ")";
                    acc = acc == null ? term : acc + ".add(" + term + ")";
                }
            }
            s.line((acc == null ? s.type() + ".zero(" + s.species() + ")" : acc) + ".intoArray(dst, " + i + " * B + o);");
        }
        s.close();
    }

    /** {@code krW(o, src, dst)}: {@code dst = W src = src / (h gamma) - J src}, counted in the lanes of {@code kact}. */
    private void productMethod() {
        String q = s.primitive();
        s.open("void krW(int o, " + q + "[] src, " + q + "[] dst)");
        for (int c = 0; c < rowParts.size(); c++) {
            s.line("krJv" + c + "(o, src, dst);");
        }
        s.line("final " + s.type() + " inv = " + s.load("inva", "0") + ";");
        s.open("for (int i = 0; i < " + n + "; i++)");
        s.line(vec("src", "i") + ".mul(inv).sub(" + vec("dst", "i") + ").intoArray(dst, i * B + o);");
        s.close();
        s.line("LongVector.fromArray(J, jev, o).add(1L, " + mask("kact") + ".cast(J)).intoArray(jev, o);");
        s.close();
    }

    /** {@code sum_i a_i b_i} from the first term (as KrylovSolve.dot's sum), in a local {@code name}. */
    private void dot(String name, String a, String b) {
        s.line(s.type() + " " + name + " = " + vec(a, "0") + ".mul(" + vec(b, "0") + ");");
        s.open("for (int i = 1; i < " + n + "; i++)");
        s.line(name + " = " + name + ".add(" + vec(a, "i") + ".mul(" + vec(b, "i") + "));");
        s.close();
    }

    /** In a loop over the states {@code i}: {@code x += coef q} in the live lanes. */
    private void advance(String coef) {
        s.line("final " + s.type() + " x = " + vec("cgx", "i") + ";");
        s.line("x.blend(x.add(" + coef + ".mul(" + vec("cgq", "i") + ")), live).intoArray(cgx, i * B + o);");
    }

    /** The live lanes whose residual's squared norm {@code norm} is within the tolerance: {@code done}, and {@code kok}. */
    private void converged(String norm) {
        s.line("final " + s.maskType() + " done = live.and(" + norm + ".compare(VectorOperators.LE, " + vec("kTol", "0") + "));");
        s.line(mask("kok") + ".or(done).intoArray(kok, o);");
    }

    /** {@code krSolve}: the start (x = 0, r = r^ = b), the iterations, the failure of unconverged lanes, {@code fs = x}. */
    private void solveMethod() {
        String t = s.type();
        s.open("void krSolve(int o)");
        s.line("final " + s.maskType() + " act = " + mask("actn") + ";");
        s.open("for (int i = 0; i < " + n + "; i++)");
        s.line("final " + t + " b = " + vec("fs", "i") + ";");
        s.line("b.intoArray(cgr, i * B + o);");
        s.line("b.intoArray(cgh, i * B + o);");
        for (String z : new String[] {"cgx", "cgp", "cgv"}) {
            s.line(t + ".zero(" + s.species() + ").intoArray(" + z + ", i * B + o);");
        }
        s.close();
        for (String a : new String[] {"kRho", "kAlpha", "kOmega"}) {
            s.line(one() + ".intoArray(" + a + ", o);");
        }
        dot("bb", "fs", "fs");
        s.line("final " + t + " tol = bb.mul(" + s.literal(eta * eta) + ");");
        s.line("tol.intoArray(kTol, o);");
        // A zero right-hand side is solved by zero; a non-finite one fails. Lanes outside the Newton iteration are done.
        s.line("final " + s.maskType() + " ok = tol.compare(VectorOperators.EQ, " + s.literal(0) + ");");
        s.line("ok.intoArray(kok, o);");
        s.line("ok.or(act.not()).intoArray(kdn, o);");
        s.repeat(maxIterations, "krIterate(o)");
        s.line(mask("nfl") + ".or(act.andNot(" + mask("kok") + ")).intoArray(nfl, o);");
        s.open("for (int i = 0; i < " + n + "; i++)");
        s.line(vec("cgx", "i") + ".intoArray(fs, i * B + o);");
        s.close();
        s.close();
    }

    /** One iteration of KrylovSolve.iteration for the live lanes, in methods meeting in the workspace. */
    private void iterationMethods() {
        String t = s.type();
        String m = s.maskType();
        s.open("boolean krIterate(int o)");
        s.line("final " + m + " live = " + mask("actn") + ".andNot(" + mask("kdn") + ");");
        s.open("if (!live.anyTrue())");
        s.line("return false;");
        s.close();
        s.line("live.intoArray(kact, o);");
        s.line("krDirection(o);");
        s.line("krW(o, cgq, cgv);");
        s.open("if (krHalf(o))");
        s.line("krW(o, cgq, cgt);");
        s.line("krEnd(o);");
        s.close();
        s.line("return true;");
        s.close();

        // rho_new = (r^, r); a breakdown where it is 0 (or not finite); p = r + beta (p - omega v), q = pd p.
        s.open("void krDirection(int o)");
        s.line("final " + m + " live = " + mask("kact") + ";");
        dot("rn", "cgh", "cgr");
        s.line("rn.intoArray(kRn, o);");
        s.line("final " + m + " broken = rn.abs().compare(VectorOperators.GT, " + s.literal(0) + ").not();");
        s.line(mask("kdn") + ".or(live.and(broken)).intoArray(kdn, o);");
        s.line("live.andNot(broken).intoArray(kact, o);");
        s.line("final " + t + " omega = " + vec("kOmega", "0") + ";");
        s.line("final " + t + " beta = rn.div(" + vec("kRho", "0") + ").mul(" + vec("kAlpha", "0") + ".div(omega));");
        s.open("for (int i = 0; i < " + n + "; i++)");
        s.line("final " + t + " pn = " + vec("cgr", "i") + ".add(beta.mul(" + vec("cgp", "i") + ".sub(omega.mul(" + vec("cgv", "i") + "))));");
        s.line("pn.intoArray(cgp, i * B + o);");
        s.line(vec("pdv", "i") + ".mul(pn).intoArray(cgq, i * B + o);");
        s.close();
        s.close();

        // alpha = rho_new / (r^, v), s = r - alpha v, x += alpha q; converged where (s, s) <= tol; else q = pd s.
        s.open("boolean krHalf(int o)");
        s.line("final " + m + " live = " + mask("kact") + ";");
        dot("hv", "cgh", "cgv");
        s.line("final " + t + " alpha = " + vec("kRn", "0") + ".div(hv);");
        s.line("alpha.intoArray(kAlpha, o);");
        s.open("for (int i = 0; i < " + n + "; i++)");
        s.line(vec("cgr", "i") + ".sub(alpha.mul(" + vec("cgv", "i") + ")).intoArray(cgs, i * B + o);");
        advance("alpha");
        s.close();
        dot("ss", "cgs", "cgs");
        converged("ss");
        s.line(mask("kdn") + ".or(done).intoArray(kdn, o);");
        s.line("final " + m + " rest = live.andNot(done);");
        s.line("rest.intoArray(kact, o);");
        s.open("if (!rest.anyTrue())");
        s.line("return false;");
        s.close();
        s.open("for (int i = 0; i < " + n + "; i++)");
        s.line(vec("pdv", "i") + ".mul(" + vec("cgs", "i") + ").intoArray(cgq, i * B + o);");
        s.close();
        s.line("return true;");
        s.close();

        // omega = (t, s) / (t, t), x += omega q, r = s - omega t, rho = rho_new; converged where (r, r) <= tol; a
        // breakdown where omega is 0 or not finite.
        s.open("void krEnd(int o)");
        s.line("final " + m + " live = " + mask("kact") + ";");
        dot("tt", "cgt", "cgt");
        dot("ts", "cgt", "cgs");
        s.line("final " + t + " omega = ts.div(tt);");
        s.line("omega.intoArray(kOmega, o);");
        s.open("for (int i = 0; i < " + n + "; i++)");
        advance("omega");
        s.line(vec("cgs", "i") + ".sub(omega.mul(" + vec("cgt", "i") + ")).intoArray(cgr, i * B + o);");
        s.close();
        s.line(vec("kRn", "0") + ".intoArray(kRho, o);");
        dot("rr", "cgr", "cgr");
        converged("rr");
        s.line("final " + m + " broken = omega.abs().compare(VectorOperators.GT, " + s.literal(0) + ").not().or(omega.sub(omega).compare("
                + "VectorOperators.EQ, " + s.literal(0) + ").not());");
        s.line(mask("kdn") + ".or(done).or(live.and(broken)).intoArray(kdn, o);");
        s.close();
    }
}
