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
import org.tornadobatch.solver.method.Firk;

/**
 * The stages of a fully implicit step ({@link Firk}: Radau IIA, Gauss-Legendre), written out for a system of {@code n}
 * states in scalar variables. The block matrix {@code M = (A^-1 / h) (x) I - I (x) J} ({@link IterationMatrix}, {@code s n}
 * rows) is built and factorised once per step; the stage increments {@code Z<p>_<i>} start from explicit Euler's
 * {@code c_p h f(t, y)}, and each simplified
 * Newton iteration evaluates f at every stage, {@code D<p> = f(t + c_p h, y + Z_p) - sum_q (A^-1)_pq Z_q / h}, solves
 * {@code M D = D} and adds {@code D} to {@code Z}, with {@link SdirkWriter}'s stopping rules (its {@code KAPPA}, fixed
 * tolerances, iteration limit (fixed steps: {@link #FIXED_MAX_ITERATIONS}), stall and divergence tests, {@code newtonFail}). The new state is
 * {@code n<i> = y + sum_p d_p Z<p>_<i>}, {@code d = b^T A^-1}.
 *
 * <p>With the method's {@link Firk.Transformation} (Radau IIA) the block matrix is not formed: each iteration's
 * {@code D} is transformed, {@code V = (T^-1 (x) I) D}, {@code V_0} solved with the real matrix {@code gamma / h - J}
 * ({@link IterationMatrix}), {@code V_1 + i V_2} with the complex one ({@link ComplexIterationMatrix}), and
 * {@code D = (T (x) I) V}: the same Newton step, with an {@code n x n} real and an {@code n x n} complex factorisation in
 * place of one of {@code 3n} rows (a fifth of the work), and the real matrix is the estimate's.
 *
 * <p>Adaptive steps with the estimate (Radau IIA): {@code ee = (I / (h gamma0) - J)^-1 (f(t, y) + sum_p e_p Z_p / h)},
 * with the transformation's real matrix (without one: a second matrix factorised from the same {@code J}); where its norm exceeds 1 and the step is the run's first or follows
 * a rejection ({@code retry}), {@code ee = (I / (h gamma0) - J)^-1 (f(t, y + ee) + sum_p e_p Z_p / h)} (RADAU5's rule).
 */
final class FirkWriter {
    /**
     * Newton iterations of a fixed step before it fails: twice {@link SdirkWriter#MAX_ITERATIONS}, since a fixed step
     * cannot be retried smaller, and all stages from one predictor converge more slowly than one stage from the last.
     */
    static final int FIXED_MAX_ITERATIONS = 2 * SdirkWriter.MAX_ITERATIONS;

    private final KernelGenerator g;
    private final Code.Ty R;
    private final boolean single;
    private final boolean adaptive;
    private final ButcherTableau tab;
    private final Firk firk;
    private final int n;
    private final int s;
    private final double[][] aInv;
    private final double[] d;
    /** The block matrix; null with a transformation. */
    private final IterationMatrix matrix;
    /** The transformation, its real matrix {@code gamma / h - J} and its complex one; null without one. */
    private final Firk.Transformation transformation;
    private final IterationMatrix real;
    private final ComplexIterationMatrix complex;
    /** The estimate's matrix {@code I / (h gamma0) - J} (a transformation's real one); null without an estimate or with fixed steps. */
    private final IterationMatrix estimate;

    FirkWriter(KernelGenerator g, KernelSpec spec) {
        this.g = g;
        this.R = g.real();
        this.single = spec.precision() == Precision.FLOAT32;
        this.adaptive = spec.control().controller().isAdaptive();
        this.tab = spec.tableau();
        this.firk = tab.firk();
        this.n = spec.system().states().size();
        this.s = tab.stages();
        this.aInv = Firk.inverse(tab.a());
        this.d = newStateWeights(tab, aInv);
        this.transformation = firk.transformation();
        this.matrix = transformation == null ? new IterationMatrix(g, spec, aInv) : null;
        this.real = transformation == null ? null : new IterationMatrix(g, spec, 1 / transformation.gamma(), false);
        this.complex = transformation == null ? null : new ComplexIterationMatrix(g, spec, transformation, real);
        this.estimate = !adaptive || !firk.hasEstimate() ? null
                : real != null ? real : new IterationMatrix(g, spec, firk.estimateGamma(), false);
    }

    /** The new state's weights {@code d = b^T A^-1} of the stage increments ({@code aInv}: {@code A^-1}). */
    static double[] newStateWeights(ButcherTableau tab, double[][] aInv) {
        double[] b = tab.b();
        int s = tab.stages();
        double[] d = new double[s];
        for (int q = 0; q < s; q++) {
            double sum = 0;
            for (int p = 0; p < s; p++) {
                sum += b[p] * aInv[p][q];
            }
            // Radau IIA's d is (0, ..., 0, 1) up to rounding: kept exact where it is within 1e-12.
            d[q] = Math.abs(sum) < 1e-12 ? 0 : Math.abs(sum - 1) < 1e-12 ? 1 : sum;
        }
        return d;
    }

    /** Whether the step has the estimate's flag {@code retry} (declared by the kernel, kept by the step loop). */
    static boolean retries(KernelSpec spec) {
        return spec.tableau().isFirk() && spec.tableau().firk().hasEstimate() && spec.control().controller().isAdaptive();
    }

    private Ex lit(double v) {
        return new Code.Lit(v, single);
    }

    private static Ex f32(double v) {
        return new Code.Lit(v, true);
    }

    private static String z(int p, int i) {
        return "Z" + p + "_" + i;
    }

    /** The stages of one step from time {@code tStart} with step {@code h} ({@code hh} in the working type), {@code n<i>}, and {@code ee<i>}. */
    List<St> stages(String tStart) {
        Body b = new Body();
        if (adaptive) {
            b.assign("newtonFail", "false"); // this attempt's: a rejected step is retried smaller
            b.assign("stepIts", "0");
            b.assign("rate", "0.0f");
        }
        if (transformation != null) {
            real.build(b, tStart, true, false);
            complex.build(b);
        } else {
            matrix.build(b, tStart, true, false);
            if (estimate != null) {
                estimate.build(b, tStart, false, true);
            }
        }
        double[] c = tab.c();
        for (int p = 0; p < s; p++) {
            for (int i = 0; i < n; i++) {
                b.declare(false, R, z(p, i), lit(c[p]), " * hh * k0_" + i); // the explicit Euler predictor
            }
        }
        b.block(x -> newton(x, tStart));
        for (int i = 0; i < n; i++) {
            Ex next = ex("y" + i + " + ", combination(d, "Z", i));
            // A fixed step cannot be shrunk: its state becomes NaN, which ends the run (with NEWTON_FAILED or SINGULAR_MATRIX beside).
            b.declare(true, R, "n" + i, adaptive ? next : ex("singular || newtonFail ? ", new Code.NaN(single), " : ", next));
        }
        if (estimate != null) {
            errorEstimate(b, tStart);
        }
        return b.statements();
    }

    /** The simplified Newton iteration on all stages. */
    private void newton(Body x, String tStart) {
        x.declare(false, Ty.BOOL, "conv", "false");
        x.declare(false, Ty.FLOAT, "dPrev", "0.0f");
        if (adaptive) {
            x.declare(false, Ty.INT, "its", "0");
            x.declare(false, Ty.FLOAT, "dOld", "0.0f");
        }
        String f = single ? "" : "(float) ";
        double[] c = tab.c();
        x.loop(Ty.INT, "it", ex("0"), ex("it < " + (adaptive ? SdirkWriter.MAX_ITERATIONS : FIXED_MAX_ITERATIONS)), "it++", loop -> loop.when(ex("!conv && !newtonFail"), y -> {
            y.increment("newtonIts");
            if (adaptive) {
                y.increment("its");
            }
            for (int p = 0; p < s; p++) {
                for (int i = 0; i < n; i++) {
                    y.declare(false, R, "D" + p + "_" + i);
                }
                int stage = p;
                y.block(w -> {
                    String[] ys = new String[n];
                    for (int i = 0; i < n; i++) {
                        ys[i] = "Y" + i;
                        w.declare(true, R, ys[i], "y" + i + " + " + z(stage, i));
                    }
                    w.addAll(g.rhs(ex(tStart + " + ", new Code.Lit(c[stage], false), " * h"), ys, "D" + stage + "_"));
                });
            }
            for (int p = 0; p < s; p++) {
                for (int i = 0; i < n; i++) {
                    y.update("D" + p + "_" + i, "-=", ex("hinv * (", combination(aInv[p], "Z", i), ")"));
                }
            }
            if (transformation != null) {
                transformedSolve(y);
            } else {
                matrix.solve(y, r -> "D" + (r / n) + "_" + (r % n));
            }
            y.declare(false, Ty.FLOAT, "acc", "0.0f");
            for (int p = 0; p < s; p++) {
                for (int i = 0; i < n; i++) {
                    String zi = z(p, i);
                    String di = "D" + p + "_" + i;
                    int state = i;
                    y.update(zi, "+=", di);
                    y.block(w -> {
                        Ex size = call("abs", ex(f, "(y" + state + " + " + zi + ")"));
                        Ex scale = adaptive ? ex("at" + state + " + rt" + state + " * ", size)
                                : ex(f32(single ? SdirkWriter.FIXED_TOLERANCE_32 : SdirkWriter.FIXED_TOLERANCE_64), " * (1.0f + ", size, ")");
                        w.declare(true, Ty.FLOAT, "q", ex(f, di + " / (", scale, ")"));
                        w.update("acc", "+=", "q * q");
                    });
                }
            }
            y.declare(true, Ty.FLOAT, "dn", new Code.Cast(Ty.FLOAT, call("sqrt", ex("acc * ", f32(1.0 / (s * n))))));
            SdirkWriter.convergence(y, adaptive, false);
        }));
        x.when(ex("!conv"), y -> y.assign("newtonFail", "true"));
        if (adaptive) {
            SdirkWriter.newtonStatistics(x);
        }
    }

    /** {@code D = (T (x) I) E^-1 (T^-1 (x) I) D}: {@code V_0} by the real matrix, {@code V_1 + i V_2} by the complex one. */
    private void transformedSolve(Body y) {
        double[][] t = transformation.t();
        double[][] tInv = transformation.tInv();
        for (int p = 0; p < s; p++) {
            for (int i = 0; i < n; i++) {
                y.declare(false, R, "V" + p + "_" + i, combination(tInv[p], "D", i));
            }
        }
        real.solve(y, i -> "V0_" + i);
        complex.solve(y, i -> "V1_" + i, i -> "V2_" + i);
        for (int p = 0; p < s; p++) {
            for (int i = 0; i < n; i++) {
                y.assign("D" + p + "_" + i, combination(t[p], "V", i));
            }
        }
    }

    /** {@code sum_q w_q <name><q>_<i>}, without the zero weights (and without the multiplication by a weight of 1). */
    private Ex combination(double[] w, String name, int i) {
        List<Object> parts = new ArrayList<>();
        for (int q = 0; q < w.length; q++) {
            if (w[q] == 1) {
                parts.add((parts.isEmpty() ? "" : " + ") + name + q + "_" + i);
            } else if (w[q] != 0) {
                parts.addAll(List.of(parts.isEmpty() ? "" : " + ", lit(w[q]), " * " + name + q + "_" + i));
            }
        }
        return new Code.Cat(parts);
    }

    /** {@code ee<i>}: the estimate, refined once where it exceeds 1 on a retried step. */
    private void errorEstimate(Body b, String tStart) {
        double[] e = firk.estimateWeights();
        for (int i = 0; i < n; i++) {
            b.declare(true, R, "eF" + i, ex("hinv * (", combination(e, "Z", i), ")"));
            b.declare(false, R, "ee" + i, "k0_" + i + " + eF" + i);
        }
        estimate.solve(b, "ee");
        String f = single ? "" : "(float) ";
        b.when(ex("retry"), x -> {
            x.declare(false, Ty.FLOAT, "acc", "0.0f");
            for (int i = 0; i < n; i++) {
                int state = i;
                x.block(y -> {
                    y.declare(true, Ty.FLOAT, "q", ex(f, "ee" + state + " / (at" + state + " + rt" + state + " * ",
                            call("max", call("abs", ex(f, "y" + state)), call("abs", ex(f, "n" + state))), ")"));
                    y.update("acc", "+=", "q * q");
                });
            }
            x.when(ex("acc > ", f32(n)), y -> {
                String[] ys = new String[n];
                for (int i = 0; i < n; i++) {
                    ys[i] = "Y" + i;
                    y.declare(true, R, ys[i], "y" + i + " + ee" + i);
                }
                y.addAll(g.rhs(ex(tStart), ys, "ee"));
                for (int i = 0; i < n; i++) {
                    y.update("ee" + i, "+=", "eF" + i);
                }
                estimate.solve(y, "ee");
            });
        });
    }
}
