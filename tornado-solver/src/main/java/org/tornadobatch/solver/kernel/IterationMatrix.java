package org.tornadobatch.solver.kernel;

import static org.tornadobatch.solver.kernel.Code.call;
import static org.tornadobatch.solver.kernel.Code.ex;

import java.util.List;
import java.util.function.IntFunction;

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
 *
 * <p>A fully implicit step ({@link FirkWriter}) takes the block form: {@code M = (B / h) (x) I - I (x) J} for an
 * {@code s x s} matrix {@code B} ({@code A^-1}), {@code s n} rows, row {@code p n + i} for stage {@code p}, state
 * {@code i}; its entries {@code M<r>_<c>}, swaps {@code msw<k>_<r>}, {@code hinv = 1 / h}.
 */
final class IterationMatrix {
    /**
     * A pivot at most {@code PIVOT_TOLERANCE * n * epsilon} of W's largest entry counts as zero: W's condition is then
     * past about {@code 1 / (8 n epsilon)}, and the stages would have no correct digit.
     */
    static final double PIVOT_TOLERANCE = 8;

    /** {@code -Dtornadobatch.jacobianReuse=false}: the Newton methods evaluate J at every attempted step (for comparisons). */
    static final String REUSE_PROPERTY = "tornadobatch.jacobianReuse";

    /**
     * Whether {@code spec}'s method may keep J across steps: adaptive SDIRK and fully implicit steps (Newton's iteration),
     * not Krylov solves (which store no J: {@link KrylovSolve}).
     */
    static boolean mayReuseJacobian(KernelSpec spec) {
        return spec.tableau().usesNewton() && spec.control().controller().isAdaptive() && !spec.krylov();
    }

    /**
     * Whether {@code spec}'s kernel keeps J across steps (RADAU5's rule, {@link StepWriter}): where it
     * {@linkplain #mayReuseJacobian may}, unless {@link #REUSE_PROPERTY} is false. Rosenbrock methods need the exact J at
     * every step; fixed steps cannot retry a step whose Newton iteration failed on an old one.
     */
    static boolean reusesJacobian(KernelSpec spec) {
        if (!mayReuseJacobian(spec)) {
            return false;
        }
        String v = System.getProperty(REUSE_PROPERTY);
        if (v == null || v.isBlank() || v.trim().equals("true")) {
            return true;
        }
        if (v.trim().equals("false")) {
            return false;
        }
        throw new IllegalArgumentException("-D" + REUSE_PROPERTY + ": '" + v + "' (expected: true or false)");
    }

    private final KernelGenerator g;
    private final Code.Ty R;
    private final boolean single;
    private final boolean adaptive;
    private final double gamma;
    private final int n;
    private final boolean reuse;
    private final List<List<Expr>> jac;
    private final List<Expr> dT;
    /** The block form's {@code B} (null: {@code W}), its size {@code s n}, and the names of entries and swaps. */
    private final double[][] blocks;
    private final int size;
    private final String entry;
    private final String swap;
    private final String pivotMin;

    /** {@code withTime}: also {@code df/dt} into {@code dT<i>} (a Rosenbrock step's); else none is differentiated. */
    IterationMatrix(KernelGenerator g, KernelSpec spec, double gamma, boolean withTime) {
        this(g, spec, gamma, withTime, null);
    }

    /** The block form {@code (B / h) (x) I - I (x) J} (no {@code df/dt}). */
    IterationMatrix(KernelGenerator g, KernelSpec spec, double[][] blocks) {
        this(g, spec, 0, false, blocks);
    }

    private IterationMatrix(KernelGenerator g, KernelSpec spec, double gamma, boolean withTime, double[][] blocks) {
        this.g = g;
        this.R = g.real();
        this.single = spec.precision() == Precision.FLOAT32;
        this.adaptive = spec.control().controller().isAdaptive();
        this.gamma = gamma;
        this.n = spec.system().states().size();
        this.reuse = reusesJacobian(spec);
        this.jac = Differentiation.jacobian(spec.system());
        this.dT = withTime ? Differentiation.timeDerivatives(spec.system())
                : java.util.Collections.nCopies(n, (Expr) new Expr.Num(0, null));
        this.blocks = blocks;
        this.size = blocks == null ? n : blocks.length * n;
        this.entry = blocks == null ? "W" : "M";
        this.swap = blocks == null ? "sw" : "msw";
        this.pivotMin = blocks == null ? "pivotMin" : "mPivotMin";
    }

    private Ex lit(double v) {
        return new Code.Lit(v, single);
    }

    /** Whether {@code df_i/dy_j} is not zero (where {@code J<i>_<j>} is declared). */
    boolean nonZero(int i, int j) {
        return !Differentiation.isZero(jac.get(i).get(j));
    }

    /**
     * The smallest pivot that does not count as zero, as a multiple of the matrix's largest entry, for {@code size} rows:
     * {@link #PIVOT_TOLERANCE} times {@code size} times the working type's epsilon.
     */
    static double pivotFactor(int size, boolean single) {
        return PIVOT_TOLERANCE * size * (single ? Math.ulp(1.0f) : Math.ulp(1.0));
    }

    /** Whether {@code df_i/dt} is not zero ({@code dT<i>} declared). */
    boolean dependsOnTime(int i) {
        return !Differentiation.isZero(dT.get(i));
    }

    /** Whether any {@code df_i/dt} is not zero. */
    boolean dependsOnTime() {
        return dT.stream().anyMatch(e -> !Differentiation.isZero(e));
    }

    private String w(int i, int j) {
        return entry + i + "_" + j;
    }

    /** Whether entry (r, c) may be non-zero before elimination. */
    private boolean structural(int r, int c) {
        if (blocks == null) {
            return r == c || nonZero(r, c);
        }
        int i = r % n;
        int j = c % n;
        return (i == j && blocks[r / n][c / n] != 0) || (r / n == c / n && nonZero(i, j));
    }

    /** Entry (r, c) of the block form: {@code B_pq hinv [i == j] - J_ij [p == q]}. */
    private Object[] blockEntry(int r, int c) {
        int i = r % n;
        int j = c % n;
        double bpq = blocks[r / n][c / n];
        boolean withJ = r / n == c / n && nonZero(i, j);
        if (i == j && bpq != 0) {
            return withJ ? new Object[] {lit(bpq), " * hinv - J" + i + "_" + j} : new Object[] {lit(bpq), " * hinv"};
        }
        return withJ ? new Object[] {"-J" + i + "_" + j} : new Object[] {lit(0)};
    }

    /**
     * The statements that evaluate {@code J} (and {@code dT}) at time {@code tStart} and the state, build {@code W} with
     * {@code hh}, factorise it and set {@code singular}: adaptive steps from this attempt's matrix alone (a rejected step
     * may be retried smaller), fixed steps from any step's (its NaN state ends the run).
     */
    void build(Body b, String tStart) {
        build(b, tStart, true, false);
    }

    /**
     * As {@link #build(Body, String)}; {@code withJacobian} false: {@code J} was evaluated by another matrix's build of this
     * step; {@code orSingular}: {@code singular} also keeps what that matrix set.
     */
    void build(Body b, String tStart, boolean withJacobian, boolean orSingular) {
        if (withJacobian) {
            jacobian(b, tStart);
        }
        if (blocks == null) {
            b.declare(true, R, "inv", lit(1), " / (hh * ", lit(gamma), ")");
        } else {
            b.declare(true, R, "hinv", lit(1), " / hh");
        }
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                if (blocks != null) {
                    b.declare(false, R, w(i, j), blockEntry(i, j));
                    continue;
                }
                String jij = nonZero(i, j) ? "J" + i + "_" + j : null;
                Object[] value = i == j ? (jij == null ? new Object[] {"inv"} : new Object[] {"inv - " + jij})
                        : (jij == null ? new Object[] {lit(0)} : new Object[] {"-" + jij});
                b.declare(false, R, w(i, j), value);
            }
        }
        Ex largest = call("abs", ex(w(0, 0)));
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                if ((i > 0 || j > 0) && structural(i, j)) {
                    largest = call("max", largest, call("abs", ex(w(i, j))));
                }
            }
        }
        b.declare(true, R, pivotMin, lit(pivotFactor(size, single)), " * ", largest);
        factorise(b);
        b.increment("luCount");
        List<Object> smallPivot = new java.util.ArrayList<>(adaptive && !orSingular ? List.of() : List.of("singular || "));
        for (int k = 0; k < size; k++) {
            smallPivot.addAll(List.of(k > 0 ? " || !(" : "!(", call("abs", ex(w(k, k))), " > " + pivotMin + ")"));
        }
        b.assign("singular", new Code.Cat(smallPivot));
    }

    /**
     * Declares {@code J} (and {@code dT}) and evaluates them at {@code tStart} and the state; where J is kept across steps
     * (declared by the kernel, {@link #declareJacobian}), evaluates it only where {@code needJac}, and sets {@code jacFresh}.
     */
    private void jacobian(Body b, String tStart) {
        if (reuse) {
            b.when(ex("needJac"), x -> {
                x.addAll(g.jacobian(ex(tStart), g.stateNames(), jac, dT));
                x.increment("jacEvals");
                x.assign("needJac", "false");
                x.assign("jacFresh", "true");
            }, x -> x.assign("jacFresh", "false"));
            return;
        }
        declare(b);
        b.addAll(g.jacobian(ex(tStart), g.stateNames(), jac, dT));
        b.increment("jacEvals");
    }

    private void declare(Body b) {
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
    }

    /** The declarations of a J kept across steps ({@link #reusesJacobian}), for the run's start. */
    static List<St> declareJacobian(KernelGenerator g, KernelSpec spec) {
        return Body.of(new IterationMatrix(g, spec, 1, false)::declare);
    }

    /** Gaussian elimination of {@code W} in place: U above the diagonal, the multipliers of L below it. */
    private void factorise(Body b) {
        for (int k = 0; k < size; k++) {
            for (int r = k + 1; r < size; r++) {
                int row = r;
                int col = k;
                b.declare(true, Ty.BOOL, swap + k + "_" + r, call("abs", ex(w(r, k))), " > ", call("abs", ex(w(k, k))));
                b.when(ex(swap + k + "_" + r), x -> {
                    for (int j = 0; j < size; j++) {
                        int cj = j;
                        x.block(y -> {
                            y.declare(true, R, "tmp", w(col, cj));
                            y.assign(w(col, cj), w(row, cj));
                            y.assign(w(row, cj), "tmp");
                        });
                    }
                });
            }
            for (int r = k + 1; r < size; r++) {
                b.assign(w(r, k), w(r, k) + " / " + w(k, k));
                for (int j = k + 1; j < size; j++) {
                    b.update(w(r, j), "-=", w(r, k) + " * " + w(k, j));
                }
            }
        }
    }

    /** Solves {@code W v = (the right-hand side, in v<i>)} in place: the recorded swaps, L, then U. */
    void solve(Body b, String v) {
        solve(b, i -> v + i);
    }

    /** As {@link #solve(Body, String)}, with entry {@code i} of the right-hand side named {@code v.apply(i)}. */
    void solve(Body b, IntFunction<String> v) {
        for (int k = 0; k < size; k++) {
            for (int r = k + 1; r < size; r++) {
                String row = v.apply(r);
                String col = v.apply(k);
                b.when(ex(swap + k + "_" + r), x -> x.block(y -> {
                    y.declare(true, R, "tmp", col);
                    y.assign(col, row);
                    y.assign(row, "tmp");
                }));
            }
        }
        for (int r = 1; r < size; r++) {
            for (int k = 0; k < r; k++) {
                b.update(v.apply(r), "-=", w(r, k) + " * " + v.apply(k));
            }
        }
        for (int r = size - 1; r >= 0; r--) {
            for (int k = r + 1; k < size; k++) {
                b.update(v.apply(r), "-=", w(r, k) + " * " + v.apply(k));
            }
            b.assign(v.apply(r), v.apply(r) + " / " + w(r, r));
        }
    }
}
