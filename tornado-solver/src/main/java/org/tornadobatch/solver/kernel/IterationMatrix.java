package org.tornadobatch.solver.kernel;

import static org.tornadobatch.solver.kernel.Code.call;
import static org.tornadobatch.solver.kernel.Code.ex;

import java.util.List;

import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.kernel.Code.Body;
import org.tornadobatch.solver.kernel.Code.Ex;
import org.tornadobatch.solver.kernel.Code.St;
import org.tornadobatch.solver.kernel.Code.Ty;
import org.tornadobatch.system.Differentiation;
import org.tornadobatch.system.Expr;

/**
 * The matrix of an implicit step, {@code W = I / (h gamma) - J}, for a system of {@code n} states in scalar variables:
 * the Jacobian {@code J} (and, where asked, {@code df/dt}) from the symbolic derivatives at the step's start, {@code W}
 * factorised once by Gaussian elimination with partial pivoting (row swaps chosen at run time, recorded as flags
 * {@code sw<k>_<r>} and replayed on each right-hand side), and solves with it: a forward and a back substitution. A
 * singular or ill-conditioned {@code W} (a pivot not above {@link #PIVOT_TOLERANCE} times n times the working type's
 * epsilon times W's largest entry, or not finite) sets the run's {@code singular} flag. Used by the Rosenbrock
 * ({@link RosenbrockWriter}) and SDIRK ({@link SdirkWriter}) steps; {@code inv} is {@code 1 / (h gamma)}.
 */
final class IterationMatrix {
    /**
     * A pivot at most {@code PIVOT_TOLERANCE * n * epsilon} of W's largest entry counts as zero: W's condition is then
     * past about {@code 1 / (8 n epsilon)}, and the stages would have no correct digit.
     */
    static final double PIVOT_TOLERANCE = 8;

    private final KernelGenerator g;
    private final Code.Ty R;
    private final boolean single;
    private final boolean adaptive;
    private final double gamma;
    private final int n;
    private final List<List<Expr>> jac;
    private final List<Expr> dT;

    /** {@code withTime}: also {@code df/dt} into {@code dT<i>} (a Rosenbrock step's); else none is differentiated. */
    IterationMatrix(KernelGenerator g, KernelSpec spec, double gamma, boolean withTime) {
        this.g = g;
        this.R = g.real();
        this.single = spec.precision() == Precision.FLOAT32;
        this.adaptive = spec.control().controller().isAdaptive();
        this.gamma = gamma;
        this.n = spec.system().states().size();
        this.jac = Differentiation.jacobian(spec.system());
        this.dT = withTime ? Differentiation.timeDerivatives(spec.system())
                : java.util.Collections.nCopies(n, (Expr) new Expr.Num(0, null));
    }

    private Ex lit(double v) {
        return new Code.Lit(v, single);
    }

    private boolean nonZero(int i, int j) {
        return !Differentiation.isZero(jac.get(i).get(j));
    }

    /** Whether {@code df_i/dt} is not zero ({@code dT<i>} declared). */
    boolean dependsOnTime(int i) {
        return !Differentiation.isZero(dT.get(i));
    }

    /** Whether any {@code df_i/dt} is not zero. */
    boolean dependsOnTime() {
        return dT.stream().anyMatch(e -> !Differentiation.isZero(e));
    }

    private static String w(int i, int j) {
        return "W" + i + "_" + j;
    }

    /**
     * The statements that evaluate {@code J} (and {@code dT}) at time {@code tStart} and the state, build {@code W} with
     * {@code hh}, factorise it and set {@code singular}: adaptive steps from this attempt's matrix alone (a rejected step
     * may be retried smaller), fixed steps from any step's (its NaN state ends the run).
     */
    void build(Body b, String tStart) {
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
        b.declare(true, R, "inv", lit(1), " / (hh * ", lit(gamma), ")");
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
        List<Object> smallPivot = new java.util.ArrayList<>(adaptive ? List.of() : List.of("singular || "));
        for (int k = 0; k < n; k++) {
            smallPivot.addAll(List.of(k > 0 ? " || !(" : "!(", call("abs", ex(w(k, k))), " > pivotMin)"));
        }
        b.assign("singular", new Code.Cat(smallPivot));
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

    /** Solves {@code W v = (the right-hand side, in v<i>)} in place: the recorded swaps, L, then U. */
    void solve(Body b, String v) {
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
