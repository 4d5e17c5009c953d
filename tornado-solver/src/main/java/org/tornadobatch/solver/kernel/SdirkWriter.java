package org.tornadobatch.solver.kernel;

import static org.tornadobatch.solver.kernel.Code.call;
import static org.tornadobatch.solver.kernel.Code.ex;

import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.kernel.Code.Body;
import org.tornadobatch.solver.kernel.Code.Ex;
import org.tornadobatch.solver.kernel.Code.St;
import org.tornadobatch.solver.kernel.Code.Ty;
import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.Sdirk;

/**
 * The stages of a singly diagonally implicit step ({@link Sdirk}), written out for a system of {@code n} states in
 * scalar variables. {@code W = I / (h gamma) - J} is built and factorised once per step ({@link IterationMatrix}), or, with
 * Krylov solves ({@link KrylovSolve}), never formed;
 * each implicit stage {@code i} then solves {@code Y = s_i + h gamma f(t + c_i h, Y)}, {@code s_i = y + h sum_(j<i)
 * a_ij k_j}, by simplified Newton: from the predictor {@code Y = s_i + h gamma k_(i-1)} (the explicit Euler step for the
 * first stage), each iteration evaluates f once and solves {@code W d = f(Y) - (Y - s_i) / (h gamma)}, {@code Y += d},
 * until the scaled norm of {@code d} is at most {@link #KAPPA} (adaptive steps: in the units of the error norm, with
 * the tolerances; fixed steps: relative to {@code 1 + |Y|}, {@link #FIXED_TOLERANCE_64} or {@link #FIXED_TOLERANCE_32}).
 * An iteration whose update does not shrink, a non-finite one, or {@link #MAX_ITERATIONS} of them without convergence
 * set {@code newtonFail}: an adaptive step is then rejected (and shrunk, which makes Newton converge), a fixed step's
 * new state is NaN, and the run reports {@link org.tornadobatch.solver.RunStatus#NEWTON_FAILED}. The stage's
 * {@code k} is {@code (Y - s_i) / (h gamma)} (no further evaluation of f: for stiff systems f at Y would amplify the
 * Newton error). Stages are {@code K<stage>_<i>}; an explicit first stage (ESDIRK) is {@code k0_}, f at the step's
 * start. The new state {@code n<i> = y + h sum b_j k_j}.
 */
final class SdirkWriter {
    /** Newton stops when the scaled update is at most this (adaptive: in units of the error norm, which accepts at 1). */
    static final double KAPPA = 0.03;
    /** Fixed steps, float64: Newton stops when every update is at most this times {@code 1 + |Y_i|}. */
    static final double FIXED_TOLERANCE_64 = 1e-12;
    /** Fixed steps, float32: as {@link #FIXED_TOLERANCE_64}. */
    static final double FIXED_TOLERANCE_32 = 1e-5;
    /** Newton iterations per stage before the step counts as failed. */
    static final int MAX_ITERATIONS = 10;

    private final KernelGenerator g;
    private final Code.Ty R;
    private final boolean single;
    private final boolean adaptive;
    private final ButcherTableau tab;
    private final Sdirk sdirk;
    private final int n;
    /** W factorised ({@link IterationMatrix}), or null where the systems are solved by {@link #krylov}. */
    private final IterationMatrix matrix;
    private final KrylovSolve krylov;

    SdirkWriter(KernelGenerator g, KernelSpec spec) {
        this.g = g;
        this.R = g.real();
        this.single = spec.precision() == Precision.FLOAT32;
        this.adaptive = spec.control().controller().isAdaptive();
        this.tab = spec.tableau();
        this.sdirk = tab.sdirk();
        this.n = spec.system().states().size();
        this.krylov = spec.krylov() ? new KrylovSolve(g, spec, sdirk.gamma()) : null;
        this.matrix = krylov == null ? new IterationMatrix(g, spec, sdirk.gamma(), false) : null;
    }

    private Ex lit(double v) {
        return new Code.Lit(v, single);
    }

    private static Ex f32(double v) {
        return new Code.Lit(v, true);
    }

    /** The name of stage {@code j}'s k (its state {@code i} appended): {@code k0_} for an explicit first stage, else {@code K<j>_}. */
    String stage(int j) {
        return sdirk.implicit(j) ? "K" + j + "_" : "k0_";
    }

    /** The stages of one step from time {@code tStart} with step {@code h} ({@code hh} in the working type), and {@code n<i>}. */
    List<St> stages(String tStart) {
        Body b = new Body();
        if (adaptive) {
            b.assign("newtonFail", "false"); // this attempt's: a rejected step is retried smaller
            b.assign("stepIts", "0");
            b.assign("rate", "0.0f");
        }
        if (krylov != null) {
            krylov.build(b, tStart);
        } else {
            matrix.build(b, tStart);
        }
        double[][] a = tab.a();
        double[] c = tab.c();
        for (int st = 0; st < tab.stages(); st++) {
            if (!sdirk.implicit(st)) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                b.declare(false, R, "K" + st + "_" + i);
            }
            int s = st;
            b.block(x -> implicitStage(x, s, a[s], c[s], tStart));
        }
        double[] w = tab.b();
        for (int i = 0; i < n; i++) {
            Ex next = ex("y" + i + " + hh * (", combination(w, tab.stages(), i), ")");
            // A fixed step cannot be shrunk: its state becomes NaN, which ends the run (with NEWTON_FAILED or SINGULAR_MATRIX beside).
            b.declare(true, R, "n" + i, adaptive ? next : ex("singular || newtonFail ? ", new Code.NaN(single), " : ", next));
        }
        return b.statements();
    }

    /** Stage {@code st} by simplified Newton, into {@code K<st>_}. */
    private void implicitStage(Body x, int st, double[] a, double c, String tStart) {
        String pred = st == 0 ? "k0_" : stage(st - 1);
        for (int i = 0; i < n; i++) {
            x.declare(true, R, "zS" + i, st == 0 ? ex("y" + i) : ex("y" + i + " + hh * (", combination(a, st, i), ")"));
            x.declare(false, R, "Y" + i, "zS" + i + " + hh * ", lit(sdirk.gamma()), " * " + pred + i);
        }
        x.declare(false, Ty.BOOL, "conv", "false");
        x.declare(false, Ty.FLOAT, "dPrev", "0.0f");
        String[] ys = new String[n];
        for (int i = 0; i < n; i++) {
            ys[i] = "Y" + i;
        }
        String f = single ? "" : "(float) ";
        if (adaptive) {
            x.declare(false, Ty.INT, "its", "0");
            x.declare(false, Ty.FLOAT, "dOld", "0.0f");
        }
        x.loop(Ty.INT, "it", ex("0"), ex("it < " + MAX_ITERATIONS), "it++", loop -> loop.when(ex("!conv && !newtonFail"), y -> {
            y.increment("newtonIts");
            if (adaptive) {
                y.increment("its");
            }
            for (int i = 0; i < n; i++) {
                y.declare(false, R, "d" + i);
            }
            y.addAll(g.rhs(ex(tStart + " + ", new Code.Lit(c, false), " * h"), ys, "d"));
            for (int i = 0; i < n; i++) {
                y.update("d" + i, "-=", "(Y" + i + " - zS" + i + ") * inv");
            }
            if (krylov != null) {
                krylov.solve(y, "d", tStart);
            } else {
                matrix.solve(y, "d");
            }
            y.declare(false, Ty.FLOAT, "acc", "0.0f");
            for (int i = 0; i < n; i++) {
                y.update("Y" + i, "+=", "d" + i);
                int state = i;
                y.block(z -> {
                    Ex scale = adaptive ? ex("at" + state + " + rt" + state + " * ", call("abs", ex(f, "Y" + state)))
                            : ex(f32(single ? FIXED_TOLERANCE_32 : FIXED_TOLERANCE_64), " * (1.0f + ", call("abs", ex(f, "Y" + state)), ")");
                    z.declare(true, Ty.FLOAT, "q", ex(f, "d" + state + " / (", scale, ")"));
                    z.update("acc", "+=", "q * q");
                });
            }
            y.declare(true, Ty.FLOAT, "dn", new Code.Cast(Ty.FLOAT, call("sqrt", ex("acc * ", f32(1.0 / n)))));
            convergence(y, adaptive, true);
        }));
        x.when(ex("!conv"), y -> y.assign("newtonFail", "true"));
        if (adaptive) {
            newtonStatistics(x);
        }
        for (int i = 0; i < n; i++) {
            x.assign("K" + st + "_" + i, "(Y" + i + " - zS" + i + ") * inv");
        }
    }

    /**
     * The end of a Newton iteration whose scaled update norm is {@code dn} (SDIRK stages and {@link FirkWriter}'s
     * stages alike): converged, failed (not finite, or not shrinking), and {@code dPrev} for the next. Adaptive steps
     * stop when {@code dn <= newtonTol}, or when the update stops shrinking within {@link #KAPPA} (the round-off floor
     * of the solve), or with {@code rateTest} (the SDIRK stages) when Hairer's estimate of the error left is within
     * {@code newtonTol}; fixed steps when the update is within the fixed tolerance. Measured (jvm): the rate test keeps
     * kvaerno5's Robertson solve to t = 1e5 at 164 ms where it took 444 ms without it (144 ms with the former fixed 0.03);
     * for Radau it cost accuracy (Robertson to 1e11: 1.9e-5 against 3.3e-6 without), so the fully implicit step has none.
     */
    static void convergence(Body y, boolean adaptive, boolean rateTest) {
        y.assign("conv", adaptive ? ex("dn <= newtonTol") : ex("dn <= 1.0f"));
        if (adaptive) {
            // An update that no longer shrinks within KAPPA has reached the round-off of an ill-conditioned matrix (huge
            // steps): converged. (A statement, not `conv = a || (b && c)`: TornadoVM 5.2 compiles that assignment wrongly.)
            y.when(ex("it > 0 && dn >= dPrev && dn <= ", f32(KAPPA)), z -> z.assign("conv", "true"));
            if (rateTest) {
                // Hairer's estimate of the error left, theta / (1 - theta) dn with theta = dn / dPrev, within newtonTol.
                y.when(ex("it > 0 && dn < dPrev && dn * dn <= newtonTol * (dPrev - dn)"), z -> z.assign("conv", "true"));
            }
        }
        // Diverging, not shrinking, or not finite (a NaN fails every comparison): the step fails.
        y.when(ex("!conv && (!(dn < 3e38f) || (it > 0 && dn >= dPrev))"), z -> z.assign("newtonFail", "true"));
        if (adaptive) {
            y.assign("dOld", "dPrev"); // the last contraction rate is dPrev / dOld after the loop (newtonStatistics)
        }
        y.assign("dPrev", "dn");
    }

    /**
     * After an adaptive stage's (or a fully implicit step's) Newton loop, counted in {@code its}, with its last two update
     * norms in {@code dPrev} and {@code dOld}: the attempt's most iterations of a stage ({@code stepIts}) and its largest
     * last contraction rate {@code dPrev / dOld} ({@code rate}, RADAU5's theta), which decide whether J is evaluated
     * again ({@link StepWriter}) and Gustafsson's safety. (After the loop: TornadoVM 5.2 compiled kernels wrongly, every
     * Newton iteration failing on PoCL, where the loop itself kept the largest rate of its iterations, in any form tried.)
     */
    static void newtonStatistics(Body x) {
        x.when(ex("its > stepIts"), y -> y.assign("stepIts", "its"));
        x.when(ex("its > 1 && dPrev > rate * dOld"), y -> y.assign("rate", "dPrev / dOld"));
    }

    /**
     * {@code newtonTol}, the adaptive Newton iteration's tolerance in units of the error norm: SciPy's Radau's
     * {@code max(10 eps / rtol, min(0.03, sqrt(rtol)))} with the smallest relative tolerance, at most {@link #KAPPA}
     * (so float32's eps cannot loosen it). A looser one leaves a Newton error of up to {@code KAPPA} tolerances in
     * every step, which dominates where a state is below its absolute tolerance (Robertson to t = 1e11).
     */
    static List<St> newtonTolerance(int n, boolean single) {
        Body b = new Body();
        b.declare(false, Ty.FLOAT, "newtonRt", "rt0");
        for (int i = 1; i < n; i++) {
            String rt = "rt" + i;
            b.when(ex(rt + " < newtonRt"), x -> x.assign("newtonRt", rt));
        }
        double tenEps = 10 * (single ? Math.ulp(1.0f) : Math.ulp(1.0));
        b.declare(false, Ty.FLOAT, "newtonTol", new Code.Cast(Ty.FLOAT, call("sqrt", ex("newtonRt"))));
        b.when(ex(f32(tenEps), " / newtonRt > newtonTol"), x -> x.assign("newtonTol", ex(f32(tenEps), " / newtonRt")));
        b.when(ex("newtonTol > ", f32(KAPPA)), x -> x.assign("newtonTol", f32(KAPPA)));
        return b.statements();
    }

    /** {@code w[0] * stage0_i + ...} over the non-zero weights below {@code upTo}. */
    private Ex combination(double[] w, int upTo, int i) {
        List<Object> parts = new ArrayList<>();
        for (int j = 0; j < upTo && j < w.length; j++) {
            if (w[j] != 0) {
                if (!parts.isEmpty()) {
                    parts.add(" + ");
                }
                parts.add(lit(w[j]));
                parts.add(" * " + stage(j) + i);
            }
        }
        return parts.isEmpty() ? lit(0) : new Code.Cat(parts);
    }
}
