package org.tornadobatch.solver.kernel;

import static org.tornadobatch.solver.kernel.Code.call;
import static org.tornadobatch.solver.kernel.Code.ex;

import java.util.List;
import java.util.function.Consumer;

import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.RunStatus;
import org.tornadobatch.solver.kernel.Code.Body;
import org.tornadobatch.solver.kernel.Code.Ex;
import org.tornadobatch.solver.kernel.Code.St;
import org.tornadobatch.solver.kernel.Code.Ty;
import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;

/**
 * The stepping part of a generated kernel, as statements: advancing a run to its next event with fixed steps (a
 * counted loop of whole steps, then one that lands) or with the adaptive controller (attempted steps, the error
 * norm, the gain of the I, PI, PID or Gustafsson controller), each step's stages written out with the tableau's
 * non-zero coefficients as literals. The right-hand side comes from its {@link KernelGenerator}.
 */
final class StepWriter {
    private final KernelGenerator g;
    private final KernelSpec spec;
    private final Dialect d;
    private final Ty R;
    private final boolean single;
    private final ButcherTableau tab;
    private final StepControl ctl;
    private final int nStates;
    /** The stages of a Rosenbrock method; null otherwise. */
    private final RosenbrockWriter rosenbrock;
    /** The stages of an SDIRK method; null otherwise. */
    private final SdirkWriter sdirk;
    /** The stages of a fully implicit method; null otherwise. */
    private final FirkWriter firk;
    /** Whether J is kept across steps ({@link IterationMatrix#reusesJacobian}). */
    private final boolean reuse;

    StepWriter(KernelGenerator g, KernelSpec spec) {
        this.g = g;
        this.spec = spec;
        this.d = g.dialect();
        this.R = g.real();
        this.single = spec.precision() == Precision.FLOAT32;
        this.tab = spec.tableau();
        this.ctl = spec.control();
        this.nStates = spec.system().states().size();
        this.rosenbrock = tab.isRosenbrock() ? new RosenbrockWriter(g, spec) : null;
        this.sdirk = tab.isSdirk() ? new SdirkWriter(g, spec) : null;
        this.firk = tab.isFirk() ? new FirkWriter(g, spec) : null;
        this.reuse = IterationMatrix.reusesJacobian(spec);
    }

    private Ex lit(double v) {
        return new Code.Lit(v, single);
    }

    private static Ex lit64(double v) {
        return new Code.Lit(v, false);
    }

    /**
     * Advances the run to {@code tEv}. Adaptive controllers: a loop of attempted steps, the last shortened to land
     * on the event. Fixed steps: a counted loop of whole steps of {@code dt} (no time arithmetic or landing test
     * per step; the coefficient products {@code h * a_ij} are loop-invariant), then one step that lands on the
     * event: the whole steps are those that end more than {@code 1e-6 dt} before it.
     */
    List<St> advance() {
        if (ctl.controller().isAdaptive()) {
            return List.of(new Code.StepLoop(adaptiveStep()));
        }
        if (firk != null || spec.krylov()) {
            return List.of(new Code.StepLoop(landingStep())); // a long step, written once
        }
        return Body.of(b -> b.when(ex("t < tEv"), x -> {
            x.declare(true, Ty.DOUBLE, "tBase", "t");
            x.declare(false, Ty.INT64, "full", "(", Ty.INT64, ") ((tEv - tBase) / dt - 1e-6)");
            x.when(ex("full < 0"), y -> y.assign("full", "0"));
            x.declare(true, Ty.BOOL, "capped", "full >= maxSteps - accepted");
            x.when(ex("capped"), y -> y.assign("full", "maxSteps - accepted"));
            x.block(y -> {
                // Held as a constant where the dialect asks for it (the launch's dt has the same value: see key()).
                y.declare(true, Ty.DOUBLE, "h", KernelGenerator.holdsStep(spec, d) ? lit64(ctl.dt()) : ex("dt"));
                y.addAll(coefficients());
                if (d.unrollsFixedSteps() && nStates * tab.stages() <= KernelGenerator.UNROLL_MAX_WORK) {
                    // Two steps per iteration, then the odd one: the same steps in the same order, half the loop's overhead.
                    y.loop(Ty.INT64, "s", ex("0"), ex("s < full - 1"), "s += 2", z -> z.addAll(fixedStep("tBase + (double) s * h"))
                            .addAll(fixedStep("tBase + (double) (s + 1) * h")));
                    y.when(ex("(full & 1) != 0"), z -> z.addAll(fixedStep("tBase + (double) (full - 1) * h")));
                } else {
                    y.loop(Ty.INT64, "s", ex("0"), ex("s < full"), "s++", z -> z.addAll(fixedStep("tBase + (double) s * h")));
                }
            });
            x.update("accepted", "+=", "full");
            x.assign("t", "tBase + (double) full * dt");
            x.when(ex("capped"), y -> y.update("code", "|=", RunStatus.MAX_STEPS_EXCEEDED.bit()).leave(), y -> {
                y.declare(true, Ty.DOUBLE, "h", "tEv - t");
                y.addAll(coefficients());
                y.addAll(stages("t"));
                y.addAll(acceptState());
                y.assign("t", "tEv");
                y.increment("accepted");
                y.addAll(nextFirstStage(tab.isFsal(), "t"));
            });
        }));
    }

    /**
     * A fully implicit method's fixed step (or an SDIRK step with Krylov solves), written once (its stages are long: the
     * counted loop, unrolled by two for small systems, and its landing step would write them two to four times, past the
     * JVM's 64 KB per method and TornadoVM's 32 KB sooner): steps of {@code dt} from {@code t}, the last one that
     * ends within {@code 1e-6 dt} of the event shortened to land on it.
     */
    private List<St> landingStep() {
        List<St> step = Body.of(b -> {
            b.declare(true, Ty.DOUBLE, "rem", "tEv - t");
            b.declare(true, Ty.BOOL, "hit", "rem <= dt * 1.000001");
            b.declare(true, Ty.DOUBLE, "h", "hit ? rem : dt");
            b.addAll(coefficients());
            b.addAll(stages("t"));
            b.addAll(acceptState());
            b.assign("t", "hit ? tEv : t + h");
            b.increment("accepted");
            b.addAll(nextFirstStage(false, "t"));
        });
        return List.of(new Code.Guard(ex("accepted >= maxSteps"),
                Body.of(b -> b.update("code", "|=", RunStatus.MAX_STEPS_EXCEEDED.bit())), new Code.Leave(), step));
    }

    /** One fixed step from time {@code ts}, in a block of its own. */
    private List<St> fixedStep(String ts) {
        return Body.of(b -> b.block(x -> {
            x.declare(true, Ty.DOUBLE, "ts", ts);
            x.addAll(stages("ts"));
            x.addAll(acceptState());
            x.addAll(nextFirstStage(tab.isFsal(), "ts + h"));
        }));
    }

    /** {@code hh} (h in the working type) and the products {@code hA<stage>_<j> = hh * a[stage][j]}, {@code hB<j> = hh * b[j]}. */
    private List<St> coefficients() {
        Body b = new Body();
        b.declare(true, R, "hh", single ? "(float) h" : "h");
        if (rosenbrock != null || sdirk != null || firk != null) {
            return b.statements(); // their stages take their coefficients as literals
        }
        double[][] a = tab.a();
        for (int st = 1; st < tab.stages(); st++) {
            for (int j = 0; j < st && j < a[st].length; j++) {
                if (a[st][j] != 0) {
                    b.declare(true, R, "hA" + st + "_" + j, "hh * ", lit(a[st][j]));
                }
            }
        }
        double[] w = tab.b();
        for (int j = 0; j < w.length; j++) {
            if (w[j] != 0) {
                b.declare(true, R, "hB" + j, "hh * ", lit(w[j]));
            }
        }
        return b.statements();
    }

    /** The stages of one step from time {@code tStart} with step {@code h}, into {@code k<stage>_<i>}, and the new state {@code n<i>}. */
    private List<St> stages(String tStart) {
        if (rosenbrock != null) {
            return rosenbrock.stages(tStart);
        }
        if (sdirk != null) {
            return sdirk.stages(tStart);
        }
        if (firk != null) {
            return firk.stages(tStart);
        }
        int s = tab.stages();
        double[][] a = tab.a();
        double[] c = tab.c();
        boolean fsal = tab.isFsal();
        Body b = new Body();
        for (int st = 1; st < s; st++) {
            for (int i = 0; i < nStates; i++) {
                b.declare(false, R, "k" + st + "_" + i);
            }
            if (fsal && st == s - 1) {
                continue; // the last stage is evaluated at the new state, below
            }
            int stage = st;
            b.block(x -> {
                String[] z = new String[nStates];
                for (int i = 0; i < nStates; i++) {
                    z[i] = "z" + i;
                    x.declare(true, R, "z" + i, increment("y" + i, "hA" + stage + "_", a[stage], stage, i));
                }
                x.addAll(g.rhs(ex(tStart + " + ", lit64(c[stage]), " * h"), z, "k" + stage + "_"));
            });
        }
        for (int i = 0; i < nStates; i++) {
            b.declare(true, R, "n" + i, increment("y" + i, "hB", tab.b(), s, i));
        }
        if (fsal) {
            String[] nn = new String[nStates];
            for (int i = 0; i < nStates; i++) {
                nn[i] = "n" + i;
            }
            b.addAll(g.rhs(ex(tStart + " + h"), nn, "k" + (s - 1) + "_"));
        }
        return b.statements();
    }

    /** {@code y + p<j> * k<j>_<i> + ...} over the non-zero weights {@code w[j]}, {@code j < upTo}, with products named {@code p<j>}. */
    private static String increment(String y, String products, double[] w, int upTo, int i) {
        StringBuilder sb = new StringBuilder(y);
        for (int j = 0; j < upTo && j < w.length; j++) {
            if (w[j] != 0) {
                sb.append(" + ").append(products).append(j).append(" * k").append(j).append("_").append(i);
            }
        }
        return sb.toString();
    }

    /** A float32 literal: the controller's constants. */
    private static Ex f32(double v) {
        return new Code.Lit(v, true);
    }

    /**
     * One attempted step: the stages, the error estimate in the working type, its norm in float32
     * ({@code sqrt(mean((err_i / (atol_i + rtol_i max(|y_i|, |n_i|)))^2))}), acceptance, and the next step size.
     */
    private List<St> adaptiveStep() {
        int s = tab.stages();
        List<St> attempt = Body.of(b -> {
            b.declare(true, Ty.DOUBLE, "rem", "tEv - t");
            b.declare(true, Ty.BOOL, "hit", "rem <= dt * 1.000001");
            b.declare(true, Ty.DOUBLE, "h", "hit ? rem : dt");
            b.addAll(coefficients());
            b.addAll(stages("t"));
            double[] ew = firk != null ? null : tab.errorWeights();
            // The norm in float32 in every precision, like the gain: it is compared with 1 and needs a few digits. Only the
            // estimate itself (a weighted sum of stages that cancels) is computed in the kernel's precision.
            String f = single ? "" : "(float) ";
            b.declare(false, Ty.FLOAT, "acc", "0.0f");
            for (int i = 0; i < nStates; i++) {
                int state = i;
                b.block(x -> {
                    // A Rosenbrock step's stages K are increments already (h f, not f).
                    // A fully implicit step's estimate is its ee (FirkWriter).
                    Ex estimate = firk != null ? ex(f, "ee" + state) : rosenbrock != null ? ex(f, "(", combination(ew, s, state), ")")
                            : ex(f, "(hh * (", combination(ew, s, state), "))");
                    x.declare(true, Ty.FLOAT, "err", call("max", call("abs", estimate), f32(1e-16)));
                    x.declare(true, Ty.FLOAT, "sc", ex("at" + state + " + rt" + state + " * ", call("max", call("abs", ex(f, "y" + state)),
                            call("abs", ex(f, "n" + state)))));
                    x.declare(true, Ty.FLOAT, "q", new Code.ApproximateQuotient(ex("err"), ex("sc")));
                    x.update("acc", "+=", "q * q");
                });
            }
            b.declare(false, Ty.FLOAT, "err", new Code.Cast(Ty.FLOAT, call("sqrt", ex("acc * ", f32(1.0 / nStates)))));
            // Not finite, or past float32's range (a blow-up): rejected as non-finite.
            b.declare(true, Ty.BOOL, "finiteErr", "err < ", f32(3e38));
            // An implicit step on a singular matrix (IterationMatrix), or whose Newton iteration failed (SdirkWriter), is
            // rejected like a non-finite one.
            String failed = rosenbrock != null ? "!finiteErr || singular" : tab.usesNewton() ? "!finiteErr || singular || newtonFail" : "!finiteErr";
            b.when(ex(failed), x -> x.assign("err", f32(1e8)));
            b.declare(true, Ty.BOOL, "accept", "err <= 1.0f");
            b.addAll(gain());
            b.when(ex("accept"), x -> {
                x.addAll(acceptState());
                x.assign("t", "hit ? tEv : t + h");
                x.increment("accepted");
                if (FirkWriter.retries(spec)) {
                    x.assign("retry", "false");
                }
                if (reuse) {
                    // RADAU5's rule: J is evaluated again at the new point where a stage's Newton iteration ended at a
                    // contraction rate above 1e-3 (its THET); otherwise the old J serves the next step. (SciPy's Radau also
                    // asks for more than two iterations: with that, kvaerno5 on Robertson to 1e11 ended 3.5e-4 off, 3.1e-5 without.)
                    x.assign("needJac", "false");
                    x.when(ex("rate > 0.001f"), y -> y.assign("needJac", "true"));
                }
                x.when(ex("!(hit && h < dt * 0.999999)"), y -> {
                    y.assign("le2", "le1");
                    y.assign("le1", "le");
                    y.assign("dtPrev", "h");
                    y.assign("history", "true");
                    y.assign("dt", call("min", call("max", ex("h * (double) gain"), ex("dtMin")), ex("dtMax")));
                });
                x.addAll(nextFirstStage(tab.isFsal(), "t"));
            }, x -> {
                x.increment("rejected");
                if (FirkWriter.retries(spec)) {
                    x.assign("retry", "true");
                }
                Consumer<Body> shrink = y -> {
                    y.when(ex("h <= dtMin"), z -> z.update("code", "|=", RunStatus.STEP_TOO_SMALL.bit() + " | (finiteErr ? 0 : "
                            + RunStatus.NON_FINITE_STATE.bit() + ")").leave());
                    y.assign("dt", call("max", ex("h * (double) gain"), ex("dtMin"))); // harmless after a failure: the step loop's condition ends it
                };
                if (reuse) {
                    // A Newton iteration that failed (or a matrix singular) on an old J: the same step again with a new one (as SciPy's Radau).
                    x.when(ex("(newtonFail || singular) && !jacFresh"), y -> {
                        y.assign("needJac", "true");
                        y.assign("dt", "h");
                    }, shrink);
                } else {
                    shrink.accept(x);
                }
            });
        });
        return List.of(new Code.Guard(ex("accepted + rejected >= maxSteps"),
                Body.of(b -> b.update("code", "|=", RunStatus.MAX_STEPS_EXCEEDED.bit())), new Code.Leave(), attempt));
    }

    /**
     * The gain of the next step size, in float32 in every precision (it needs a few digits, not fifteen) and in
     * powers of two: {@code lg = log2(err)}, {@code gain = safety * 2^(-kp/p lg - ki/p le1 - kd/p le2)} (PI, PID;
     * the I controller drops the history), bounded, with the deadband, and never above the safety factor after a
     * rejection. {@code le} (log2 of max(err, 1e-4)) becomes the history when the step is accepted. The dialects
     * print {@code log2f} and {@code exp2f} as their cheapest accurate single-precision functions.
     */
    private List<St> gain() {
        double p = tab.errorOrder();
        Controller c = ctl.controller();
        Body b = new Body();
        b.declare(true, Ty.FLOAT, "lg", call("log2f", ex("err")));
        b.declare(true, Ty.FLOAT, "le", call("max", ex("lg"), f32(Math.log(1e-4) / Math.log(2))));
        switch (c) {
            case I -> b.declare(false, Ty.FLOAT, "gain", f32(ctl.safety()), " * ", call("exp2f", ex(f32(-1.0 / p), " * lg")));
            case PI, PID -> {
                Ex history = c == Controller.PID ? ex(f32(-ctl.ki() / p), " * le1 + ", f32(-ctl.kd() / p), " * le2")
                        : ex(f32(-ctl.ki() / p), " * le1");
                b.declare(false, Ty.FLOAT, "gain", f32(ctl.safety()), " * ", call("exp2f", ex(f32(-ctl.kp() / p), " * lg + (history ? ",
                        history, " : 0.0f)")));
            }
            case GUSTAFSSON -> {
                // With Newton's iteration, RADAU5's safety: safety (1 + 2 maxIts) / (its + 2 maxIts) for the attempt's iterations.
                Ex safety = tab.usesNewton() ? ex("(", f32(ctl.safety() * (1 + 2 * SdirkWriter.MAX_ITERATIONS)), " / ((float) stepIts + ",
                        f32(2 * SdirkWriter.MAX_ITERATIONS), "))") : f32(ctl.safety());
                b.declare(true, Ty.FLOAT, "safe", safety);
                b.declare(false, Ty.FLOAT, "gain", "safe * ", call("exp2f", ex(f32(-1.0 / p), " * lg")));
                b.when(ex("accept && history"), x -> x.assign("gain", call("min", ex("gain"), ex("safe * (float) (h / dtPrev) * ",
                        call("exp2f", ex(f32(-1.0 / p), " * (2.0f * lg - le1)"))))));
            }
            default -> throw new IllegalStateException(c.toString());
        }
        b.assign("gain", call("min", call("max", ex("gain"), f32(ctl.minGain())), f32(ctl.maxGain())));
        if (ctl.deadbandMin() < 1 || ctl.deadbandMax() > 1) {
            b.when(ex("gain >= ", f32(ctl.deadbandMin()), " && gain <= ", f32(ctl.deadbandMax())), x -> x.assign("gain", "1.0f"));
        }
        b.when(ex("!accept"), x -> x.assign("gain", call("min", ex("gain"), f32(ctl.safety()))));
        return b.statements();
    }

    /**
     * Hairer's estimate of the first step (HINIT of DOPRI5 and DOP853), per run, where no {@code dt} was given: from
     * the scaled norms of y0 and f(t0, y0) a trial step {@code h0}, one evaluation at {@code y0 + h0 f0} for the
     * second derivative, then {@code h1 = (0.01 / max(|f'|, |f|))^(1/order)} and {@code dt = min(100 h0, h1)}, within
     * [dtMin, dtMax] (the launch's dt where the estimate is not a number). In float64 but for the power (float32,
     * like the controller). Needs {@code k0_} (f at the initial state).
     */
    List<St> initialStep() {
        return Body.of(b -> b.block(x -> {
            x.declare(false, Ty.DOUBLE, Code.var("dnf", "0.0"), Code.var("dny", "0.0"));
            for (int i = 0; i < nStates; i++) {
                x.declare(true, Ty.DOUBLE, "sk" + i, ex("(double) at" + i + " + (double) rt" + i + " * ", call("abs", ex("(double) y" + i))));
                int state = i;
                x.block(y -> {
                    y.declare(true, Ty.DOUBLE, "qf", "(double) k0_" + state + " / sk" + state);
                    y.declare(true, Ty.DOUBLE, "qy", "(double) y" + state + " / sk" + state);
                    y.update("dnf", "+=", "qf * qf");
                    y.update("dny", "+=", "qy * qy");
                });
            }
            x.declare(false, Ty.DOUBLE, "h0", ex("dnf <= 1e-10 || dny <= 1e-10 ? 1e-6 : ", call("sqrt", ex("dny / dnf")), " * 0.01"));
            x.assign("h0", call("min", ex("h0"), ex("dtMax")));
            String[] z = new String[nStates];
            for (int i = 0; i < nStates; i++) {
                z[i] = "z" + i;
                x.declare(true, R, "z" + i, single ? "y" + i + " + (float) h0 * k0_" + i : "y" + i + " + h0 * k0_" + i);
                x.declare(false, R, "f" + i);
            }
            x.addAll(g.rhs(ex("t + h0"), z, "f"));
            x.declare(false, Ty.DOUBLE, "der2", "0.0");
            for (int i = 0; i < nStates; i++) {
                int state = i;
                x.block(y -> {
                    y.declare(true, Ty.DOUBLE, "qd", "((double) f" + state + " - (double) k0_" + state + ") / sk" + state);
                    y.update("der2", "+=", "qd * qd");
                });
            }
            x.declare(true, Ty.DOUBLE, "der12", call("max", ex(call("sqrt", ex("der2")), " / h0"), call("sqrt", ex("dnf"))));
            x.declare(true, Ty.DOUBLE, "h1", ex("der12 <= 1e-15 ? ", call("max", ex("1e-6"), ex("h0 * 1e-3")), " : (double) ",
                    call("exp2f", ex(call("log2f", ex("(float) (0.01 / der12)")), " * ", f32(1.0 / tab.order())))));
            x.declare(true, Ty.DOUBLE, "est", call("min", ex("100.0 * h0"), ex("h1")));
            x.assign("dt", "est >= dtMin ? (est <= dtMax ? est : dtMax) : (est < dtMin ? dtMin : dt)");
        }));
    }

    private List<St> acceptState() {
        Body b = new Body();
        for (int i = 0; i < nStates; i++) {
            b.assign("y" + i, "n" + i);
        }
        return b.statements();
    }

    /** The first stage of the next step, at time {@code time}: the last stage of this one for FSAL methods. */
    private List<St> nextFirstStage(boolean fsal, String time) {
        if (!fsal) {
            return g.rhs(ex(time), g.stateNames(), "k0_");
        }
        Body b = new Body();
        int last = tab.stages() - 1;
        for (int i = 0; i < nStates; i++) {
            b.assign("k0_" + i, "k" + last + "_" + i);
        }
        return b.statements();
    }

    /** The name of stage {@code j}'s values (its state appended): {@code K<j>_} (Rosenbrock), SdirkWriter's, else {@code k<j>_}. */
    private String stage(int j) {
        return rosenbrock != null ? "K" + j + "_" : sdirk != null ? sdirk.stage(j) : "k" + j + "_";
    }

    /**
     * {@code sum_j w[j] * k_j_i} over non-zero weights, for stages below {@code upTo}. In float32 kernels as
     * {@code sum_(j>0) w[j] * (k_j_i - k_0_i)}: the weights of an error estimate sum to zero, and their float32
     * roundings do not, which left a floor of {@code |sum w~_j| |k| h} in the estimate.
     */
    private Ex combination(double[] w, int upTo, int i) {
        List<Object> parts = new java.util.ArrayList<>();
        boolean differences = single && rosenbrock == null; // a Rosenbrock method's error weights need not sum to zero
        for (int j = differences ? 1 : 0; j < upTo && j < w.length; j++) {
            if (w[j] == 0) {
                continue;
            }
            if (!parts.isEmpty()) {
                parts.add(" + ");
            }
            if (w[j] != 1) {
                parts.add(lit(w[j]));
                parts.add(" * ");
            }
            parts.add(differences ? "(" + stage(j) + i + " - " + stage(0) + i + ")" : stage(j) + i);
        }
        return parts.isEmpty() ? lit(0) : new Code.Cat(parts);
    }
}
