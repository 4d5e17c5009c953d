package org.tornadobatch.solver.kernel;

import static org.tornadobatch.solver.kernel.Code.call;
import static org.tornadobatch.solver.kernel.Code.ex;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.kernel.Code.Body;
import org.tornadobatch.solver.kernel.Code.Ex;
import org.tornadobatch.solver.kernel.Code.Ty;
import org.tornadobatch.solver.method.Firk;

/**
 * The complex matrix of a transformed fully implicit step ({@link FirkWriter} with a {@link Firk.Transformation}),
 * {@code E = (alpha + i beta) / h I - J} for {@code n} states, in pairs of scalar variables {@code CR<i>_<j>} (real
 * parts) and {@code CI<i>_<j>} (imaginary parts), from the {@code J<i>_<j>} that the step's real matrix
 * ({@link IterationMatrix}) declared, with its structure (no second differentiation). Factorised once per step by Gaussian elimination with partial pivoting on
 * {@code |re| + |im|} (as LINPACK's complex {@code DECC}, which RADAU5 uses): swaps recorded as {@code csw<k>_<r>} and
 * replayed on each right-hand side, the pivots' reciprocals kept as {@code CPR<k>}, {@code CPI<k>} (computed with the
 * pivot scaled by its larger part, so that squaring it cannot overflow). A pivot whose {@code |re| + |im|} is not above
 * {@link IterationMatrix#PIVOT_TOLERANCE} times n times the working type's epsilon times E's largest entry (or is not
 * finite) sets the run's {@code singular} flag beside what the real matrix set. Declares {@code hinv = 1 / h}.
 */
final class ComplexIterationMatrix {
    private final Code.Ty R;
    private final boolean single;
    private final int n;
    private final double alpha;
    private final double beta;
    /** The step's real matrix, which declares {@code J} and tells its structure. */
    private final IterationMatrix real;

    ComplexIterationMatrix(KernelGenerator g, KernelSpec spec, Firk.Transformation transformation, IterationMatrix real) {
        this.R = g.real();
        this.single = spec.precision() == Precision.FLOAT32;
        this.n = spec.system().states().size();
        this.alpha = transformation.alpha();
        this.beta = transformation.beta();
        this.real = real;
    }

    private Ex lit(double v) {
        return new Code.Lit(v, single);
    }

    private static String re(int i, int j) {
        return "CR" + i + "_" + j;
    }

    private static String im(int i, int j) {
        return "CI" + i + "_" + j;
    }

    private Ex magnitude(String reName, String imName) {
        return ex(call("abs", ex(reName)), " + ", call("abs", ex(imName)));
    }

    /** Builds {@code E} with {@code hinv} from {@code hh} and the declared {@code J}, factorises it, and adds its pivots to {@code singular}. */
    void build(Body b) {
        b.declare(true, R, "hinv", lit(1), " / hh");
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                boolean withJ = real.nonZero(i, j);
                String jij = "J" + i + "_" + j;
                if (i == j) {
                    b.declare(false, R, re(i, j), withJ ? new Object[] {lit(alpha), " * hinv - " + jij} : new Object[] {lit(alpha), " * hinv"});
                    b.declare(false, R, im(i, j), lit(beta), " * hinv");
                } else {
                    b.declare(false, R, re(i, j), withJ ? new Object[] {"-" + jij} : new Object[] {lit(0)});
                    b.declare(false, R, im(i, j), lit(0));
                }
            }
        }
        Ex largest = call("abs", ex(im(0, 0)));
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i == j || real.nonZero(i, j)) {
                    largest = call("max", largest, call("abs", ex(re(i, j))));
                }
            }
        }
        b.declare(true, R, "cPivotMin", lit(IterationMatrix.pivotFactor(n, single)), " * ", largest);
        factorise(b);
        b.increment("luCount");
        List<Object> smallPivot = new ArrayList<>(List.of("singular"));
        for (int k = 0; k < n; k++) {
            smallPivot.addAll(List.of(" || !(", magnitude(re(k, k), im(k, k)), " > cPivotMin)"));
        }
        b.assign("singular", new Code.Cat(smallPivot));
    }

    /** Elimination in place: U above the diagonal, L's multipliers below it, and the pivots' reciprocals. */
    private void factorise(Body b) {
        for (int k = 0; k < n; k++) {
            int col = k;
            for (int r = k + 1; r < n; r++) {
                int row = r;
                b.declare(true, Ty.BOOL, "csw" + k + "_" + r, magnitude(re(r, k), im(r, k)), " > ", magnitude(re(k, k), im(k, k)));
                b.when(ex("csw" + k + "_" + r), x -> {
                    for (int j = 0; j < n; j++) {
                        for (boolean real : new boolean[] {true, false}) {
                            String a = real ? re(col, j) : im(col, j);
                            String c = real ? re(row, j) : im(row, j);
                            x.block(y -> {
                                y.declare(true, R, "tmp", a);
                                y.assign(a, c);
                                y.assign(c, "tmp");
                            });
                        }
                    }
                });
            }
            String m = "cpm" + k;
            b.declare(true, R, m, call("max", call("abs", ex(re(k, k))), call("abs", ex(im(k, k)))));
            b.declare(true, R, "cpr" + k, re(k, k) + " / " + m);
            b.declare(true, R, "cpi" + k, im(k, k) + " / " + m);
            b.declare(true, R, "cpd" + k, "(cpr" + k + " * cpr" + k + " + cpi" + k + " * cpi" + k + ") * " + m);
            b.declare(true, R, "CPR" + k, "cpr" + k + " / cpd" + k);
            b.declare(true, R, "CPI" + k, "-cpi" + k + " / cpd" + k);
            for (int r = k + 1; r < n; r++) {
                int row = r;
                b.block(x -> {
                    x.declare(true, R, "lr", re(row, col) + " * CPR" + col + " - " + im(row, col) + " * CPI" + col);
                    x.declare(true, R, "li", re(row, col) + " * CPI" + col + " + " + im(row, col) + " * CPR" + col);
                    x.assign(re(row, col), "lr");
                    x.assign(im(row, col), "li");
                });
                for (int j = k + 1; j < n; j++) {
                    b.update(re(r, j), "-=", re(r, k) + " * " + re(k, j) + " - " + im(r, k) + " * " + im(k, j));
                    b.update(im(r, j), "-=", re(r, k) + " * " + im(k, j) + " + " + im(r, k) + " * " + re(k, j));
                }
            }
        }
    }

    /** Solves {@code E v = (the right-hand side)} in place, {@code v_i = reName(i) + i imName(i)}: the swaps, L, then U. */
    void solve(Body b, IntFunction<String> reName, IntFunction<String> imName) {
        for (int k = 0; k < n; k++) {
            for (int r = k + 1; r < n; r++) {
                String[][] pairs = {{reName.apply(k), reName.apply(r)}, {imName.apply(k), imName.apply(r)}};
                b.when(ex("csw" + k + "_" + r), x -> {
                    for (String[] p : pairs) {
                        x.block(y -> {
                            y.declare(true, R, "tmp", p[0]);
                            y.assign(p[0], p[1]);
                            y.assign(p[1], "tmp");
                        });
                    }
                });
            }
        }
        for (int r = 1; r < n; r++) {
            for (int k = 0; k < r; k++) {
                subtract(b, r, k, reName, imName);
            }
        }
        for (int r = n - 1; r >= 0; r--) {
            for (int k = r + 1; k < n; k++) {
                subtract(b, r, k, reName, imName);
            }
            String vr = reName.apply(r);
            String vi = imName.apply(r);
            int row = r;
            b.block(x -> {
                x.declare(true, R, "a", vr);
                x.assign(vr, "a * CPR" + row + " - " + vi + " * CPI" + row);
                x.assign(vi, "a * CPI" + row + " + " + vi + " * CPR" + row);
            });
        }
    }

    /** {@code v_r -= E_rk v_k}. */
    private void subtract(Body b, int r, int k, IntFunction<String> reName, IntFunction<String> imName) {
        String vr = reName.apply(k);
        String vi = imName.apply(k);
        b.update(reName.apply(r), "-=", re(r, k) + " * " + vr + " - " + im(r, k) + " * " + vi);
        b.update(imName.apply(r), "-=", re(r, k) + " * " + vi + " + " + im(r, k) + " * " + vr);
    }
}
