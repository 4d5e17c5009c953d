package org.tornadobatch.solver.kernel;

import static org.tornadobatch.solver.kernel.Code.ex;

import java.util.List;

import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.kernel.Code.Body;
import org.tornadobatch.solver.kernel.Code.Ex;
import org.tornadobatch.solver.kernel.Code.St;
import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.Rosenbrock;

/**
 * The stages of a Rosenbrock step ({@link Rosenbrock}), written out for a system of {@code n} states in scalar
 * variables: {@code W = I / (h gamma) - J} built and factorised once per step ({@link IterationMatrix}, with
 * {@code df/dt} where the system depends on time), then per stage one evaluation of f, one forward and one back
 * substitution. The stages are {@code K<stage>_<i>}, the new state {@code n<i>}; {@code k0_} (f at the step's start)
 * is the first stage's f. On a singular or ill-conditioned {@code W} ({@code singular}) an adaptive step is rejected
 * like one with a non-finite error (and shrunk: W tends to I / (h gamma)); a fixed step's new state is NaN. A run that
 * fails with the flag set reports {@link org.tornadobatch.solver.RunStatus#SINGULAR_MATRIX} besides.
 */
final class RosenbrockWriter {
    private final KernelGenerator g;
    private final Code.Ty R;
    private final boolean single;
    private final boolean adaptive;
    private final ButcherTableau tab;
    private final Rosenbrock ros;
    private final int n;
    private final IterationMatrix matrix;

    RosenbrockWriter(KernelGenerator g, KernelSpec spec) {
        this.g = g;
        this.R = g.real();
        this.single = spec.precision() == Precision.FLOAT32;
        this.adaptive = spec.control().controller().isAdaptive();
        this.tab = spec.tableau();
        this.ros = tab.rosenbrock();
        this.n = spec.system().states().size();
        this.matrix = new IterationMatrix(g, spec, ros.gamma(), true);
    }

    private Ex lit(double v) {
        return new Code.Lit(v, single);
    }

    /** The stages of one step from time {@code tStart} with step {@code h} ({@code hh} in the working type), and {@code n<i>}. */
    List<St> stages(String tStart) {
        Body b = new Body();
        matrix.build(b, tStart);
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
        if (gammas[stage] != 0 && matrix.dependsOnTime()) {
            x.declare(true, R, "hG" + stage, "hh * ", lit(gammas[stage]));
        }
        for (int i = 0; i < n; i++) {
            StringBuilder v = new StringBuilder(f + i);
            for (int j = 0; j < stage; j++) {
                if (c[stage][j] != 0) {
                    v.append(" + hC").append(stage).append('_').append(j).append(" * K").append(j).append('_').append(i);
                }
            }
            if (gammas[stage] != 0 && matrix.dependsOnTime(i)) {
                v.append(" + hG").append(stage).append(" * dT").append(i);
            }
            x.assign("K" + stage + "_" + i, v.toString());
        }
        matrix.solve(x, "K" + stage + "_");
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
}
