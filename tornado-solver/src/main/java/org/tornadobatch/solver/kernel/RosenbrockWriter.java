package org.tornadobatch.solver.kernel;

import static org.tornadobatch.solver.kernel.Code.call;
import static org.tornadobatch.solver.kernel.Code.ex;

import java.util.List;

import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.kernel.Code.Body;
import org.tornadobatch.solver.kernel.Code.Ex;
import org.tornadobatch.solver.kernel.Code.St;
import org.tornadobatch.solver.kernel.Code.Ty;
import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.Rosenbrock;
import org.tornadobatch.system.Differentiation;
import org.tornadobatch.system.Expr;

/**
 * The stages of a Rosenbrock step ({@link Rosenbrock}), written out for a system of {@code n} states in scalar
 * variables: the Jacobian {@code J} (and {@code df/dt} where the system depends on time) from the symbolic
 * derivatives at the step's start, {@code W = I / (h gamma) - J} factorised once by Gaussian elimination with
 * partial pivoting (row swaps chosen at run time, recorded as flags {@code sw<k>_<r>} and replayed on each
 * right-hand side), then per stage one evaluation of f, one forward and one back substitution. The stages are
 * {@code K<stage>_<i>}, the new state {@code n<i>}; {@code k0_} (f at the step's start) is the first stage's f.
 * A singular or ill-conditioned {@code W} (a pivot not above {@link #PIVOT_TOLERANCE} times n times the working
 * type's epsilon times W's largest entry, or not finite) sets the run's {@code singular} flag: an adaptive step is
 * then rejected like one with a non-finite error (and shrunk: W tends to I / (h gamma)); a fixed step's new state is
 * NaN. A run that fails with the flag set reports {@link org.tornadobatch.solver.RunStatus#SINGULAR_MATRIX} besides.
 */
final class RosenbrockWriter {
    /**
     * A pivot at most {@code PIVOT_TOLERANCE * n * epsilon} of W's largest entry counts as zero: W's condition is then
     * past about {@code 1 / (8 n epsilon)}, and the stages would have no correct digit.
     */
    static final double PIVOT_TOLERANCE = 8;

    private final KernelGenerator g;
    private final Code.Ty R;
    private final boolean single;
    private final boolean adaptive;
    private final ButcherTableau tab;
    private final Rosenbrock ros;
    private final int n;
    private final List<List<Expr>> jac;
    private final List<Expr> dT;

    RosenbrockWriter(KernelGenerator g, KernelSpec spec) {
        this.g = g;
        this.R = g.real();
        this.single = spec.precision() == Precision.FLOAT32;
        this.adaptive = spec.control().controller().isAdaptive();
        this.tab = spec.tableau();
        this.ros = tab.rosenbrock();
        this.n = spec.system().states().size();
        this.jac = Differentiation.jacobian(spec.system());
        this.dT = Differentiation.timeDerivatives(spec.system());
    }

    private Ex lit(double v) {
        return new Code.Lit(v, single);
    }

    private boolean nonZero(int i, int j) {
        return !Differentiation.isZero(jac.get(i).get(j));
    }

    private static String w(int i, int j) {
        return "W" + i + "_" + j;
    }

    /** The stages of one step from time {@code tStart} with step {@code h} ({@code hh} in the working type), and {@code n<i>}. */
    List<St> stages(String tStart) {
        Body b = new Body();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (nonZero(i, j)) {
                    b.declare(false, R, "J" + i + "_" + j, lit(0));
                }
            }
            if (!Differentiation.isZero(dT.get(i))) {
                b.declare(false, R, "dT" + i, lit(0));
            }
        }
        b.addAll(g.jacobian(ex(tStart), g.stateNames(), jac, dT));
        b.declare(true, R, "inv", lit(1), " / (hh * ", lit(ros.gamma()), ")");
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                String jij = nonZero(i, j) ? "J" + i + "_" + j : null;
                Object[] value = i == j ? (jij == null ? new Object[] {"inv"} : new Object[] {"inv - " + jij})
                        : (jij == null ? new Object[] {lit(0)} : new Object[] {"-" + jij});
                b.declare(false, R, w(i, j), value);
            }
        }
        Ex largest = call("abs", ex(w(0, 0)));
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if ((i > 0 || j > 0) && (i == j || nonZero(i, j))) {
                    largest = call("max", largest, call("abs", ex(w(i, j))));
                }
            }
        }
        b.declare(true, R, "pivotMin", lit(PIVOT_TOLERANCE * n * (single ? Math.ulp(1.0f) : Math.ulp(1.0))), " * ", largest);
        factorise(b);
        // Adaptive: this attempt's matrix (a rejected step may be retried smaller). Fixed: any step's (its NaN state ends the run).
        List<Object> smallPivot = new java.util.ArrayList<>(adaptive ? List.of() : List.of("singular || "));
        for (int k = 0; k < n; k++) {
            smallPivot.addAll(List.of(k > 0 ? " || !(" : "!(", call("abs", ex(w(k, k))), " > pivotMin)"));
        }
        b.assign("singular", new Code.Cat(smallPivot));
        for (int st = 0; st < tab.stages(); st++) {
            for (int i = 0; i < n; i++) {
                b.declare(false, R, "K" + st + "_" + i);
            }
            int stage = st;
            b.block(x -> stage(x, stage, tStart));
        }
        double[] m = tab.b();
        for (int i = 0; i < n; i++) {
            Ex next = sum("y" + i, m, tab.stages(), i);
            // A fixed step cannot be shrunk: its state becomes NaN, which ends the run (with SINGULAR_MATRIX beside).
            b.declare(true, R, "n" + i, adaptive ? next : ex("singular ? ", new Code.NaN(single), " : ", next));
        }
        return b.statements();
    }

    /**
     * Stage {@code stage} into {@code K<stage>_}: f at {@code y + sum a K} (or {@code k0_} for the first stage), plus
     * the earlier stages' {@code c / h} terms and {@code h gamma_i df/dt}, then the solve with the factorised W.
     */
    private void stage(Body x, int stage, String tStart) {
        double[][] a = tab.a();
        double[][] c = ros.c();
        double[] alpha = tab.c();
        double[] gammas = ros.gammas();
        String f = "k0_";
        if (stage > 0) {
            String[] z = new String[n];
            for (int i = 0; i < n; i++) {
                z[i] = "z" + i;
                x.declare(true, R, z[i], sum("y" + i, a[stage], stage, i));
                x.declare(false, R, "f" + i);
            }
            x.addAll(g.rhs(ex(tStart + " + ", new Code.Lit(alpha[stage], false), " * h"), z, "f"));
            f = "f";
        }
        for (int j = 0; j < stage; j++) {
            if (c[stage][j] != 0) {
                x.declare(true, R, "hC" + stage + "_" + j, lit(c[stage][j]), " / hh");
            }
        }
        if (gammas[stage] != 0 && dT.stream().anyMatch(e -> !Differentiation.isZero(e))) {
            x.declare(true, R, "hG" + stage, "hh * ", lit(gammas[stage]));
        }
        for (int i = 0; i < n; i++) {
            StringBuilder v = new StringBuilder(f + i);
            for (int j = 0; j < stage; j++) {
                if (c[stage][j] != 0) {
                    v.append(" + hC").append(stage).append('_').append(j).append(" * K").append(j).append('_').append(i);
                }
            }
            if (gammas[stage] != 0 && !Differentiation.isZero(dT.get(i))) {
                v.append(" + hG").append(stage).append(" * dT").append(i);
            }
            x.assign("K" + stage + "_" + i, v.toString());
        }
        solve(x, stage);
    }

    /** {@code y + w[0] * K0_i + ...} over the non-zero weights below {@code upTo}. */
    private Ex sum(String y, double[] weights, int upTo, int i) {
        List<Object> parts = new java.util.ArrayList<>(List.of(y));
        for (int j = 0; j < upTo && j < weights.length; j++) {
            if (weights[j] != 0) {
                parts.add(" + ");
                parts.add(lit(weights[j]));
                parts.add(" * K" + j + "_" + i);
            }
        }
        return new Code.Cat(parts);
    }

    /** Gaussian elimination of {@code W} in place: U above the diagonal, the multipliers of L below it. */
    private void factorise(Body b) {
        for (int k = 0; k < n; k++) {
            for (int r = k + 1; r < n; r++) {
                int row = r;
                int col = k;
                b.declare(true, Ty.BOOL, "sw" + k + "_" + r, call("abs", ex(w(r, k))), " > ", call("abs", ex(w(k, k))));
                b.when(ex("sw" + k + "_" + r), x -> {
                    for (int j = 0; j < n; j++) {
                        int cj = j;
                        x.block(y -> {
                            y.declare(true, R, "tmp", w(col, cj));
                            y.assign(w(col, cj), w(row, cj));
                            y.assign(w(row, cj), "tmp");
                        });
                    }
                });
            }
            for (int r = k + 1; r < n; r++) {
                b.assign(w(r, k), w(r, k) + " / " + w(k, k));
                for (int j = k + 1; j < n; j++) {
                    b.update(w(r, j), "-=", w(r, k) + " * " + w(k, j));
                }
            }
        }
    }

    /** Solves {@code W K<stage>_ = (its right-hand side, in K<stage>_)} in place: the recorded swaps, L, then U. */
    private void solve(Body b, int stage) {
        String v = "K" + stage + "_";
        for (int k = 0; k < n; k++) {
            for (int r = k + 1; r < n; r++) {
                int row = r;
                int col = k;
                b.when(ex("sw" + k + "_" + r), x -> x.block(y -> {
                    y.declare(true, R, "tmp", v + col);
                    y.assign(v + col, v + row);
                    y.assign(v + row, "tmp");
                }));
            }
        }
        for (int r = 1; r < n; r++) {
            for (int k = 0; k < r; k++) {
                b.update(v + r, "-=", w(r, k) + " * " + v + k);
            }
        }
        for (int r = n - 1; r >= 0; r--) {
            for (int k = r + 1; k < n; k++) {
                b.update(v + r, "-=", w(r, k) + " * " + v + k);
            }
            b.assign(v + r, v + r + " / " + w(r, r));
        }
    }
}
