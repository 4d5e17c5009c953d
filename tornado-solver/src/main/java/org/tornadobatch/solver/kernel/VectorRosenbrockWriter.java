package org.tornadobatch.solver.kernel;

import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.Rosenbrock;
import org.tornadobatch.system.Differentiation;
import org.tornadobatch.system.Expr;

/**
 * A Rosenbrock step of a vector kernel: {@link RosenbrockWriter}'s operations lane by lane, in the same order. The
 * Jacobian from the symbolic derivatives, {@code W = I / (h gamma) - J} factorised by Gaussian elimination with
 * partial pivoting, whose row swaps (chosen per lane at run time) are blends under the masks {@code sw<k>_<r>},
 * replayed on each stage's right-hand side; then the stages {@code K<stage>_<i>} and the new state {@code n<i>}. A
 * lane whose W is singular or ill-conditioned sets its {@code singular} mask: an adaptive step is rejected there,
 * a fixed step's new state is NaN (the mask is sticky in fixed steps, as the scalar kernel's flag).
 */
final class VectorRosenbrockWriter {
    private final VectorSource s;
    private final VectorStepWriter w;
    private final ButcherTableau tab;
    private final Rosenbrock ros;
    private final boolean adaptive;
    private final int n;
    private final List<List<Expr>> jac;
    private final List<Expr> dT;

    VectorRosenbrockWriter(VectorSource s, KernelSpec spec, VectorStepWriter w) {
        this.s = s;
        this.w = w;
        this.tab = spec.tableau();
        this.ros = tab.rosenbrock();
        this.adaptive = spec.control().controller().isAdaptive();
        this.n = spec.system().states().size();
        this.jac = Differentiation.jacobian(spec.system());
        this.dT = Differentiation.timeDerivatives(spec.system());
    }

    /** The Jacobian's and (a Rosenbrock step's) time derivatives' expressions (for the vector kernels' coverage check). */
    static List<Expr> derivatives(KernelSpec spec) {
        List<Expr> all = new ArrayList<>();
        Differentiation.jacobian(spec.system()).forEach(all::addAll);
        if (spec.tableau().isRosenbrock()) {
            all.addAll(Differentiation.timeDerivatives(spec.system()));
        }
        return all;
    }

    private boolean nonZero(int i, int j) {
        return !Differentiation.isZero(jac.get(i).get(j));
    }

    private static String w(int i, int j) {
        return "W" + i + "_" + j;
    }

    /** {@code c} as a vector of the working type: {@code hh} is a scalar in fixed steps, a vector in adaptive ones. */
    private String scalarOrVector(String scalarExpr, String vectorExpr) {
        return adaptive ? vectorExpr : s.type() + ".broadcast(" + s.species() + ", " + scalarExpr + ")";
    }

    private String zero() {
        return s.type() + ".zero(" + s.species() + ")";
    }

    /**
     * The stages of one step from {@code tStart} (a float64 vector, or a scalar in fixed steps) of size {@code h}
     * ({@code hh} in the working type), with {@code y<i>} and {@code k0_<i>} declared: declares {@code K<st>_<i>},
     * {@code n<i>} and the mask {@code singular} (fixed steps: or'ed with {@code singPrev}).
     */
    void stages(String tStart, boolean scalarTime) {
        List<Expr> used = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (nonZero(i, j)) {
                    s.line(s.type() + " J" + i + "_" + j + ";");
                    used.add(jac.get(i).get(j));
                }
            }
            if (!Differentiation.isZero(dT.get(i))) {
                s.line(s.type() + " dT" + i + ";");
                used.add(dT.get(i));
            }
        }
        s.open("");
        String[] states = new String[n];
        for (int i = 0; i < n; i++) {
            states[i] = "y" + i;
        }
        VectorExpressions x = w.evaluation(tStart, scalarTime, states, used);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (nonZero(i, j)) {
                    s.line("J" + i + "_" + j + " = " + x.vector(jac.get(i).get(j)) + ";");
                }
            }
            if (!Differentiation.isZero(dT.get(i))) {
                s.line("dT" + i + " = " + x.vector(dT.get(i)) + ";");
            }
        }
        s.close();
        String gamma = s.literal(ros.gamma());
        s.line("final " + s.type() + " inv = " + scalarOrVector(s.literal(1) + " / (hh * " + gamma + ")",
                s.type() + ".broadcast(" + s.species() + ", " + s.literal(1) + ").div(hh.mul(" + gamma + "))") + ";");
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                String jij = nonZero(i, j) ? "J" + i + "_" + j : null;
                String value = i == j ? (jij == null ? "inv" : "inv.sub(" + jij + ")") : (jij == null ? zero() : jij + ".neg()");
                s.line(s.type() + " " + w(i, j) + " = " + value + ";");
            }
        }
        String largest = w(0, 0) + ".abs()";
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if ((i > 0 || j > 0) && (i == j || nonZero(i, j))) {
                    largest = largest + ".max(" + w(i, j) + ".abs())";
                }
            }
        }
        double tol = IterationMatrix.PIVOT_TOLERANCE * n * (s.single ? Math.ulp(1.0f) : Math.ulp(1.0));
        s.line("final " + s.type() + " pivotMin = " + largest + ".mul(" + s.literal(tol) + ");");
        factorise();
        StringBuilder small = new StringBuilder(adaptive ? "" : "singPrev.or(");
        for (int k = 0; k < n; k++) {
            String m = w(k, k) + ".abs().compare(VectorOperators.GT, pivotMin).not()";
            small.append(k == 0 ? m : ".or(" + m + ")");
        }
        s.line("final " + s.maskType() + " singular = " + small + (adaptive ? "" : ")") + ";");
        for (int st = 0; st < tab.stages(); st++) {
            StringBuilder decl = new StringBuilder(s.type());
            for (int i = 0; i < n; i++) {
                decl.append(i > 0 ? ", " : " ").append("K").append(st).append("_").append(i);
            }
            s.line(decl + ";");
            s.open("");
            stage(st, tStart, scalarTime);
            s.close();
        }
        for (int i = 0; i < n; i++) {
            String next = sum("y" + i, tab.b(), tab.stages(), i);
            s.line("final " + s.type() + " n" + i + " = " + (adaptive ? next : next + ".blend(" + (s.single ? "Float.NaN" : "Double.NaN")
                    + ", singular)") + ";");
        }
    }

    private void stage(int stage, String tStart, boolean scalarTime) {
        double[][] a = tab.a();
        double[][] c = ros.c();
        double[] alpha = tab.c();
        double[] gammas = ros.gammas();
        String f = "k0_";
        if (stage > 0) {
            String[] z = new String[n];
            for (int i = 0; i < n; i++) {
                z[i] = "z" + i;
                s.line("final " + s.type() + " z" + i + " = " + sum("y" + i, a[stage], stage, i) + ";");
            }
            s.line(s.type() + " " + String.join(", ", prefixed("f")) + ";");
            String time = scalarTime ? tStart + " + " + VectorSource.f64(alpha[stage]) + " * h" : tStart + ".add(h.mul(" + VectorSource.f64(alpha[stage]) + "))";
            w.rhs(time, scalarTime, z, "f");
            f = "f";
        }
        for (int j = 0; j < stage; j++) {
            if (c[stage][j] != 0) {
                String lit = s.literal(c[stage][j]);
                s.line("final " + s.type() + " hC" + stage + "_" + j + " = " + scalarOrVector(lit + " / hh",
                        s.type() + ".broadcast(" + s.species() + ", " + lit + ").div(hh)") + ";");
            }
        }
        boolean timeTerms = gammas[stage] != 0 && dT.stream().anyMatch(e -> !Differentiation.isZero(e));
        if (timeTerms) {
            s.line("final " + s.type() + " hG" + stage + " = " + scalarOrVector("hh * " + s.literal(gammas[stage]), "hh.mul(" + s.literal(gammas[stage]) + ")")
                    + ";");
        }
        for (int i = 0; i < n; i++) {
            StringBuilder v = new StringBuilder(f + i);
            for (int j = 0; j < stage; j++) {
                if (c[stage][j] != 0) {
                    v.append(".add(K").append(j).append('_').append(i).append(".mul(hC").append(stage).append('_').append(j).append("))");
                }
            }
            if (timeTerms && !Differentiation.isZero(dT.get(i))) {
                v.append(".add(dT").append(i).append(".mul(hG").append(stage).append("))");
            }
            s.line("K" + stage + "_" + i + " = " + v + ";");
        }
        solve(stage);
    }

    private String[] prefixed(String p) {
        String[] r = new String[n];
        for (int i = 0; i < n; i++) {
            r[i] = p + i;
        }
        return r;
    }

    /** {@code y + K0_i * w[0] + ...} over the non-zero weights below {@code upTo}, in the scalar kernel's order. */
    private String sum(String y, double[] weights, int upTo, int i) {
        StringBuilder sb = new StringBuilder(y);
        for (int j = 0; j < upTo && j < weights.length; j++) {
            if (weights[j] != 0) {
                sb.append(".add(K").append(j).append('_').append(i).append(".mul(").append(s.literal(weights[j])).append("))");
            }
        }
        return sb.toString();
    }

    /** RosenbrockWriter.factorise, each row swap a blend under its lane mask. */
    private void factorise() {
        for (int k = 0; k < n; k++) {
            for (int r = k + 1; r < n; r++) {
                String sw = "sw" + k + "_" + r;
                s.line("final " + s.maskType() + " " + sw + " = " + w(r, k) + ".abs().compare(VectorOperators.GT, " + w(k, k) + ".abs());");
                for (int j = 0; j < n; j++) {
                    s.open("");
                    s.line("final " + s.type() + " tmp = " + w(k, j) + ";");
                    s.line(w(k, j) + " = " + w(k, j) + ".blend(" + w(r, j) + ", " + sw + ");");
                    s.line(w(r, j) + " = " + w(r, j) + ".blend(tmp, " + sw + ");");
                    s.close();
                }
            }
            for (int r = k + 1; r < n; r++) {
                s.line(w(r, k) + " = " + w(r, k) + ".div(" + w(k, k) + ");");
                for (int j = k + 1; j < n; j++) {
                    s.line(w(r, j) + " = " + w(r, j) + ".sub(" + w(r, k) + ".mul(" + w(k, j) + "));");
                }
            }
        }
    }

    /** RosenbrockWriter.solve: the recorded swaps (blends), L, then U, on {@code K<stage>_}. */
    private void solve(int stage) {
        String v = "K" + stage + "_";
        for (int k = 0; k < n; k++) {
            for (int r = k + 1; r < n; r++) {
                s.open("");
                s.line("final " + s.type() + " tmp = " + v + k + ";");
                s.line(v + k + " = " + v + k + ".blend(" + v + r + ", sw" + k + "_" + r + ");");
                s.line(v + r + " = " + v + r + ".blend(tmp, sw" + k + "_" + r + ");");
                s.close();
            }
        }
        for (int r = 1; r < n; r++) {
            for (int k = 0; k < r; k++) {
                s.line(v + r + " = " + v + r + ".sub(" + w(r, k) + ".mul(" + v + k + "));");
            }
        }
        for (int r = n - 1; r >= 0; r--) {
            for (int k = r + 1; k < n; k++) {
                s.line(v + r + " = " + v + r + ".sub(" + w(r, k) + ".mul(" + v + k + "));");
            }
            s.line(v + r + " = " + v + r + ".div(" + w(r, r) + ");");
        }
    }
}
