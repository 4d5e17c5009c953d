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
import org.tornadobatch.system.Differentiation;
import org.tornadobatch.system.Expr;

/**
 * An SDIRK step's linear solves without a matrix ({@link org.tornadobatch.solver.method.LinearSolver#KRYLOV}): {@code W d =
 * r} with {@code W = I / (h gamma) - J} by BiCGStab (van der Vorst 1992) preconditioned from the right by W's diagonal,
 * each product {@code W v = v / (h gamma) - J v} from {@link KernelGenerator#jacobianProduct} at the step's start (the
 * state {@code y<i>}, time {@code tStart}), so the run keeps eight vectors of n (the iterate, residuals, directions)
 * and no J: memory grows as n, a product costs J's non-zero entries. {@link #build} declares {@code inv = 1 / (h gamma)}
 * and the preconditioner {@code pd<i> = 1 / W_ii} (1 where W_ii is zero or not finite); {@link #solve} iterates until the
 * residual is at most {@link #TOLERANCE_64} (float32: {@link #TOLERANCE_32}) of the right-hand side in the 2-norm, at
 * most {@link #maxIterations} times; a breakdown or no convergence sets {@code newtonFail} (the step is then rejected
 * and shrunk, or a fixed step's state becomes NaN). Each evaluation of J's entries (the diagonal once per step, two
 * products per iteration) counts in {@code jacEvals}; nothing is factorised ({@code luCount} stays 0).
 */
final class KrylovSolve {
    /** Relative residual at which a float64 solve stops (the Newton iteration's own test then decides). */
    static final double TOLERANCE_64 = 1e-6;
    /** Relative residual at which a float32 solve stops. */
    static final double TOLERANCE_32 = 1e-4;

    private final KernelGenerator g;
    private final Code.Ty R;
    private final boolean single;
    private final int n;
    private final double gamma;
    private final List<List<Expr>> jac;

    KrylovSolve(KernelGenerator g, KernelSpec spec, double gamma) {
        this.g = g;
        this.R = g.real();
        this.single = spec.precision() == Precision.FLOAT32;
        this.n = spec.system().states().size();
        this.gamma = gamma;
        this.jac = Differentiation.jacobian(spec.system());
    }

    /** BiCGStab iterations per solve of {@code n} states before it counts as failed: twice the states, at least 20, at most 200. */
    static int maxIterations(int n) {
        return Math.min(200, Math.max(20, 2 * n));
    }

    private Ex lit(double v) {
        return new Code.Lit(v, single);
    }

    /** {@code inv}, and the preconditioner {@code pd<i>} from J's diagonal at {@code tStart} and the state. */
    void build(Body b, String tStart) {
        b.declare(true, R, "inv", lit(1), " / (hh * ", lit(gamma), ")");
        for (int i = 0; i < n; i++) {
            b.declare(false, R, "pd" + i, lit(1));
        }
        List<List<Expr>> diagonal = new ArrayList<>();
        Expr zero = new Expr.Num(0, null);
        for (int i = 0; i < n; i++) {
            List<Expr> row = new ArrayList<>(java.util.Collections.nCopies(n, zero));
            row.set(i, jac.get(i).get(i));
            diagonal.add(row);
        }
        b.block(x -> {
            for (int i = 0; i < n; i++) {
                if (!Differentiation.isZero(jac.get(i).get(i))) {
                    x.declare(false, R, "J" + i + "_" + i, lit(0));
                }
            }
            x.addAll(g.jacobian(ex(tStart), g.stateNames(), diagonal, java.util.Collections.nCopies(n, zero)));
            for (int i = 0; i < n; i++) {
                int row = i;
                x.block(y -> {
                    y.declare(true, R, "wd", Differentiation.isZero(jac.get(row).get(row)) ? ex("inv") : ex("inv - J" + row + "_" + row));
                    // A zero or non-finite diagonal entry leaves its row unscaled (wd - wd is 0 only where wd is finite).
                    y.when(ex("wd != ", lit(0), " && wd - wd == ", lit(0)), z -> z.assign("pd" + row, lit(1), " / wd"));
                });
            }
        });
        b.increment("jacEvals");
    }

    /** {@code sum_i a<i> b<i>}. */
    private Ex dot(String a, String b) {
        List<Object> parts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            parts.add((i > 0 ? " + " : "") + a + i + " * " + b + i);
        }
        return new Code.Cat(parts);
    }

    /** {@code target = W v}: J's product at the step's start ({@code tStart}, the state), then {@code v inv - J v}. */
    private void product(Body y, String tStart, String v, String target) {
        y.addAll(g.jacobianProduct(ex(tStart), g.stateNames(), jac, v, target));
        y.increment("jacEvals");
        for (int i = 0; i < n; i++) {
            y.assign(target + i, v + i + " * inv - " + target + i);
        }
    }

    /** {@code target<i> = value(i)} for every state. */
    private void each(Body y, String target, IntFunction<String> value) {
        for (int i = 0; i < n; i++) {
            y.assign(target + i, value.apply(i));
        }
    }

    /** Solves {@code W x = b} in place on {@code v<i>} (b in, x out) with W at {@code tStart}, {@code newtonFail} where it fails. */
    void solve(Body y, String v, String tStart) {
        double eta = single ? TOLERANCE_32 : TOLERANCE_64;
        y.block(x -> {
            String[] vectors = {"kx", "kr", "kh", "kp", "kv", "kq", "ks", "kt"};
            for (int i = 0; i < n; i++) {
                for (String name : vectors) {
                    Object init = switch (name) {
                        case "kr", "kh" -> ex(v + i);
                        default -> lit(0);
                    };
                    x.declare(false, R, name + i, init);
                }
            }
            x.declare(false, R, Code.var("kRho", lit(1)), Code.var("kAlpha", lit(1)), Code.var("kOmega", lit(1)));
            x.declare(true, R, "kTol", lit(eta * eta), " * (", dot(v, v), ")");
            // A zero right-hand side is solved by zero; a non-finite one fails (every comparison with NaN is false).
            x.declare(false, Ty.BOOL, "kOk", ex("kTol == ", lit(0)));
            x.declare(false, Ty.BOOL, "kDone", "kOk");
            x.loop(Ty.INT, "kIt", ex("0"), ex("kIt < " + maxIterations(n)), "kIt++", loop -> loop.when(ex("!kDone"), z -> iteration(z, tStart)));
            x.when(ex("!kOk"), z -> z.assign("newtonFail", "true"));
            each(x, v, i -> "kx" + i);
        });
    }

    /** One BiCGStab iteration; {@code kDone} (and {@code kOk} where converged) when it ends the solve. */
    private void iteration(Body z, String tStart) {
        z.declare(true, R, "kRn", dot("kh", "kr"));
        z.when(ex("!(", call("abs", ex("kRn")), " > ", lit(0), ")"), w -> w.assign("kDone", "true"), w -> {
            w.declare(true, R, "kBeta", "(kRn / kRho) * (kAlpha / kOmega)");
            each(w, "kp", i -> "kr" + i + " + kBeta * (kp" + i + " - kOmega * kv" + i + ")");
            each(w, "kq", i -> "pd" + i + " * kp" + i);
            product(w, tStart, "kq", "kv");
            w.assign("kAlpha", ex("kRn / (", dot("kh", "kv"), ")"));
            each(w, "ks", i -> "kr" + i + " - kAlpha * kv" + i);
            for (int i = 0; i < n; i++) {
                w.update("kx" + i, "+=", "kAlpha * kq" + i);
            }
            w.when(ex(dot("ks", "ks"), " <= kTol"), u -> {
                u.assign("kOk", "true");
                u.assign("kDone", "true");
            }, u -> {
                each(u, "kq", i -> "pd" + i + " * ks" + i);
                product(u, tStart, "kq", "kt");
                u.declare(true, R, "kTt", dot("kt", "kt"));
                u.assign("kOmega", ex("(", dot("kt", "ks"), ") / kTt"));
                for (int i = 0; i < n; i++) {
                    u.update("kx" + i, "+=", "kOmega * kq" + i);
                }
                each(u, "kr", i -> "ks" + i + " - kOmega * kt" + i);
                u.assign("kRho", "kRn");
                u.when(ex(dot("kr", "kr"), " <= kTol"), q -> {
                    q.assign("kOk", "true");
                    q.assign("kDone", "true");
                });
                // omega = 0 or not finite: the iteration cannot go on.
                u.when(ex("!(", call("abs", ex("kOmega")), " > ", lit(0), ") || !(kOmega - kOmega == ", lit(0), ")"), q -> q.assign("kDone", "true"));
            });
        });
    }
}
