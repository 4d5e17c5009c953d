package org.tornadobatch.solver.kernel;

import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.Rosenbrock;
import org.tornadobatch.system.Differentiation;
import org.tornadobatch.system.Expr;

/**
 * A Rosenbrock step of a vector kernel in small methods ({@link VectorPartsWriter}'s, for Rosenbrock methods): the
 * operations of {@link VectorRosenbrockWriter} (and so of {@link RosenbrockWriter}) lane by lane in the same order,
 * with the matrix, the stages and the new state in workspace arrays instead of locals. {@code rosJac<c>} evaluate rows
 * of the Jacobian and write {@code W = I / (h gamma) - J} into {@code lu} (and {@code df/dt} into {@code dts});
 * {@code rosMatrix} factorises it by loops over its entries ({@link VectorLu}) and returns the lanes whose W is singular; {@code rosStage<st>} forms a stage's right-hand side into
 * {@code kr} and solves with W ({@code luSolve}); {@code newState} and {@code errorSum} are loops over the states. So a
 * step's code grows with the Jacobian's entries and the equations, not with stages times states squared: the fused
 * step of rodas5p (8 stages) was one method of some 5 KB for 3 states, into which C2 stopped inlining the Vector API.
 */
final class VectorRosenbrockParts {
    private final VectorSource s;
    private final VectorStepWriter w;
    private final VectorPartsWriter p;
    private final ButcherTableau tab;
    private final Rosenbrock ros;
    private final int n;
    private final List<List<Expr>> jac;
    private final List<Expr> dT;
    private final boolean timeTerms;
    /** The Jacobian's rows of each {@code rosJac<c>}. */
    private final List<int[]> rowParts;

    VectorRosenbrockParts(VectorSource s, KernelSpec spec, VectorStepWriter w, VectorPartsWriter p) {
        this.s = s;
        this.w = w;
        this.p = p;
        this.tab = spec.tableau();
        this.ros = tab.rosenbrock();
        this.n = spec.system().states().size();
        this.jac = Differentiation.jacobian(spec.system());
        this.dT = Differentiation.timeDerivatives(spec.system());
        this.timeTerms = dT.stream().anyMatch(e -> !Differentiation.isZero(e));
        this.rowParts = VectorLu.rowParts(jac, dT);
    }

    private String timeArgs(boolean adaptive, boolean declare) {
        return adaptive ? "" : declare ? ", double ts, double h" : ", ts, h";
    }

    /** The workspace of the step: W and its factors, the swaps, the stages and {@code df/dt}. */
    void fields() {
        String q = s.primitive();
        s.line("final " + q + "[] lu = new " + q + "[" + n * n + " * B], kr = new " + q + "[" + n * tab.stages() + " * B];");
        s.line("final boolean[] swm = new boolean[" + n * n + " * B];");
        if (timeTerms) {
            s.line("final " + q + "[] dts = new " + q + "[" + n + " * B];");
            StringBuilder nz = new StringBuilder();
            for (int i = 0; i < n; i++) {
                nz.append(i > 0 ? ", " : "").append(!Differentiation.isZero(dT.get(i)));
            }
            s.line("static final boolean[] DT = {" + nz + "};");
        }
    }

    /** In {@code attempt} (h in {@code hl}): {@code singular}, the stages, the new state and the error norm's sum. */
    void attemptStages() {
        s.line("final " + s.maskType() + " singular = rosMatrix(o);");
        for (int st = 0; st < tab.stages(); st++) {
            s.line("rosStage" + st + "(o);");
        }
        s.line("newState(o);");
        s.line("errorSum(o);");
    }

    /** In {@code step}: a fixed step's matrix (its singular lanes sticky in {@code sing}), stages and new state. */
    void fixedStep() {
        s.line("final " + s.maskType() + " singular = rosMatrix(o, ts, h).or(VectorMask.fromArray(" + s.species() + ", sing, o));");
        s.line("singular.intoArray(sing, o);");
        for (int st = 0; st < tab.stages(); st++) {
            s.line("rosStage" + st + "(o, ts, h);");
        }
        s.line("newState(o, h);");
    }

    /** The step's methods (those that {@link VectorPartsWriter} shares with explicit steps aside). */
    void methods(boolean adaptive) {
        jacobianMethods(adaptive);
        matrixMethod(adaptive);
        for (int st = 0; st < tab.stages(); st++) {
            stageMethod(adaptive, st);
        }
        s.open("void newState(int o" + (adaptive ? "" : ", double h") + ")");
        if (!adaptive) {
            s.line("final " + s.maskType() + " singular = VectorMask.fromArray(" + s.species() + ", sing, o);");
        }
        p.loop();
        String next = combination(p.at("ys", 0), tab.b(), tab.stages());
        s.line((adaptive ? next : next + ".blend(" + (s.single ? "Float.NaN" : "Double.NaN") + ", singular)") + ".intoArray(ns, i * B + o);");
        s.close();
        s.close();
        if (adaptive) {
            // A Rosenbrock step's stages are increments already (h f, not f), and its error weights need not sum to zero.
            p.errorSum(VectorStepWriter.combination(s, tab.errorWeights(), tab.stages(), false, j -> p.at("kr", j * n)));
        }
        VectorLu.methods(s, n);
    }

    /** {@code y + K_j * w_j + ...} at the loop's state over the non-zero weights below {@code upTo}. */
    private String combination(String y, double[] weights, int upTo) {
        StringBuilder sb = new StringBuilder(y);
        for (int j = 0; j < upTo && j < weights.length; j++) {
            if (weights[j] != 0) {
                sb.append(".add(").append(p.at("kr", j * n)).append(".mul(").append(s.literal(weights[j])).append("))");
            }
        }
        return sb.toString();
    }

    /** {@code c} of the working type: from a scalar {@code hh} in fixed steps, a vector one in adaptive steps. */
    private String scalarOrVector(boolean adaptive, String scalarExpr, String vectorExpr) {
        return adaptive ? vectorExpr : s.type() + ".broadcast(" + s.species() + ", " + scalarExpr + ")";
    }

    private void jacobianMethods(boolean adaptive) {
        String gamma = s.literal(ros.gamma());
        for (int c = 0; c < rowParts.size(); c++) {
            int[] rows = rowParts.get(c);
            s.open("void rosJac" + c + "(int o" + timeArgs(adaptive, true) + ")");
            p.stepSize(adaptive);
            w.parameters();
            List<Expr> used = new ArrayList<>();
            for (int i : rows) {
                for (int j = 0; j < n; j++) {
                    if (!Differentiation.isZero(jac.get(i).get(j))) {
                        used.add(jac.get(i).get(j));
                    }
                }
                if (!Differentiation.isZero(dT.get(i))) {
                    used.add(dT.get(i));
                }
            }
            String[] states = new String[n];
            for (int i = 0; i < n; i++) {
                states[i] = "y" + i;
                s.line("final " + s.type() + " y" + i + " = " + s.load("ys", String.valueOf(i)) + ";");
            }
            VectorExpressions x = w.evaluation(adaptive ? "ts" : "ts", !adaptive, states, used);
            s.line("final " + s.type() + " inv = " + scalarOrVector(adaptive, s.literal(1) + " / (hh * " + gamma + ")",
                    s.type() + ".broadcast(" + s.species() + ", " + s.literal(1) + ").div(hh.mul(" + gamma + "))") + ";");
            for (int i : rows) {
                for (int j = 0; j < n; j++) {
                    Expr e = jac.get(i).get(j);
                    String jij = Differentiation.isZero(e) ? null : "(" + x.vector(e) + ")";
                    String value = i == j ? (jij == null ? "inv" : "inv.sub" + jij) : (jij == null ? s.type() + ".zero(" + s.species() + ")" : jij + ".neg()");
                    s.line(value + ".intoArray(lu, " + (i * n + j) + " * B + o);");
                }
                if (timeTerms) {
                    String d = Differentiation.isZero(dT.get(i)) ? s.type() + ".zero(" + s.species() + ")" : x.vector(dT.get(i));
                    s.line(d + ".intoArray(dts, " + i + " * B + o);");
                }
            }
            s.close();
        }
    }

    private void matrixMethod(boolean adaptive) {
        s.open(s.maskType() + " rosMatrix(int o" + timeArgs(adaptive, true) + ")");
        for (int c = 0; c < rowParts.size(); c++) {
            s.line("rosJac" + c + "(o" + timeArgs(adaptive, false) + ");");
        }
        s.line(s.type() + " largest = " + s.load("lu", "0") + ".abs();");
        s.open("for (int e = 1; e < " + n * n + "; e++)");
        s.line("largest = largest.max(" + s.type() + ".fromArray(" + s.species() + ", lu, e * B + o).abs());");
        s.close();
        s.line(s.maskType() + " singular = " + s.species() + ".maskAll(false);");
        VectorLu.factorWithPivotTest(s, n);
        s.line("return singular;");
        s.close();
    }

    private void stageMethod(boolean adaptive, int st) {
        double[][] a = tab.a();
        double[][] c = ros.c();
        s.open("void rosStage" + st + "(int o" + timeArgs(adaptive, true) + ")");
        p.stepSize(adaptive);
        String f = "ks";
        if (st > 0) {
            p.loop();
            s.line(combination(p.at("ys", 0), a[st], st) + ".intoArray(zs, i * B + o);");
            s.close();
            double alpha = tab.c()[st];
            s.line((adaptive ? "ts.add(h.mul(" + VectorSource.f64(alpha) + "))" : "DoubleVector.broadcast(D, ts + " + VectorSource.f64(alpha) + " * h)")
                    + ".intoArray(tza, o);");
            s.line("rhs(o, zs, fs, 0);");
            f = "fs";
        }
        for (int j = 0; j < st; j++) {
            if (c[st][j] != 0) {
                String lit = s.literal(c[st][j]);
                s.line("final " + s.type() + " hC" + j + " = " + scalarOrVector(adaptive, lit + " / hh", s.type() + ".broadcast(" + s.species() + ", " + lit + ").div(hh)")
                        + ";");
            }
        }
        double gammaSt = ros.gammas()[st];
        boolean time = timeTerms && gammaSt != 0;
        if (time) {
            s.line("final " + s.type() + " hG = " + scalarOrVector(adaptive, "hh * " + s.literal(gammaSt), "hh.mul(" + s.literal(gammaSt) + ")") + ";");
        }
        p.loop();
        StringBuilder v = new StringBuilder(s.type() + " v = " + p.at(f, 0));
        for (int j = 0; j < st; j++) {
            if (c[st][j] != 0) {
                v.append(".add(").append(p.at("kr", j * n)).append(".mul(hC").append(j).append("))");
            }
        }
        s.line(v + ";");
        if (time) {
            s.open("if (DT[i])");
            s.line("v = v.add(" + p.at("dts", 0) + ".mul(hG));");
            s.close();
        }
        s.line("v.intoArray(kr, (" + st * n + " + i) * B + o);");
        s.close();
        s.line("luSolve(o, kr, " + st * n + ");");
        s.close();
    }
}
