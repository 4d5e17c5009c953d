package org.tornadobatch.solver.kernel;

import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.RunStatus;
import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;

/**
 * The stepping part of a generated kernel: advancing a run to its next event with fixed steps (a counted loop of
 * whole steps, then one that lands) or with the adaptive controller (attempted steps, the error norm, the gain of
 * the I, PI, PID or Gustafsson controller), each step's stages written out with the tableau's non-zero
 * coefficients as literals. Writes through its {@link KernelGenerator}.
 */
final class StepWriter {
    private final KernelGenerator g;
    private final KernelSpec spec;
    private final Dialect d;
    private final String F;
    private final String T;
    private final boolean single;
    private final ButcherTableau tab;
    private final StepControl ctl;
    private final int nStates;

    StepWriter(KernelGenerator g, KernelSpec spec) {
        this.g = g;
        this.spec = spec;
        this.d = g.dialect();
        this.F = d.constant();
        this.T = g.type();
        this.single = spec.precision() == Precision.FLOAT32;
        this.tab = spec.tableau();
        this.ctl = spec.control();
        this.nStates = spec.system().states().size();
    }

    private void line(String s) {
        g.line(s);
    }

    private void lineIf(String s) {
        if (s != null) {
            g.line(s);
        }
    }

    private void rhs(String time, String[] states, String target) {
        g.rhs(time, states, target);
    }

    private String[] stateNames() {
        return g.stateNames();
    }

    /**
     * Advances the run to {@code tEv}. Adaptive controllers: a loop of attempted steps, the last shortened to land
     * on the event. Fixed steps: a counted loop of whole steps of {@code dt} (no time arithmetic or landing test
     * per step; the coefficient products {@code h * a_ij} are loop-invariant), then one step that lands on the
     * event: the whole steps are those that end more than {@code 1e-6 dt} before it.
     */
    void advance() {
        if (ctl.controller().isAdaptive()) {
            line("while (" + d.stepLoopCondition() + ") {");
            g.indent(1);
            adaptiveStep();
            g.indent(-1);
            line("}");
            return;
        }
        String i64 = d.int64();
        line("if (t < tEv) {");
        g.indent(1);
        line(F + "double tBase = t;");
        line(i64 + " full = (" + i64 + ") ((tEv - tBase) / dt - 1e-6);");
        line("if (full < 0) {");
        line("    full = 0;");
        line("}");
        line(F + d.bool() + " capped = full >= maxSteps - accepted;");
        line("if (capped) {");
        line("    full = maxSteps - accepted;");
        line("}");
        line("{");
        g.indent(1);
        // Held as a constant where the dialect asks for it (the launch's dt has the same value: see key()).
        line(F + "double h = " + (KernelGenerator.holdsStep(spec, d) ? d.literal(ctl.dt(), false) : "dt") + ";");
        coefficients();
        if (d.unrollsFixedSteps() && nStates * tab.stages() <= KernelGenerator.UNROLL_MAX_WORK) {
            // Two steps per iteration, then the odd one: the same steps in the same order, half the loop's overhead.
            line("for (" + i64 + " s = 0; s < full - 1; s += 2) {");
            g.indent(1);
            fixedStep("tBase + (double) s * h");
            fixedStep("tBase + (double) (s + 1) * h");
            g.indent(-1);
            line("}");
            line("if ((full & 1) != 0) {");
            g.indent(1);
            fixedStep("tBase + (double) (full - 1) * h");
            g.indent(-1);
            line("}");
        } else {
            line("for (" + i64 + " s = 0; s < full; s++) {");
            g.indent(1);
            fixedStep("tBase + (double) s * h");
            g.indent(-1);
            line("}");
        }
        g.indent(-1);
        line("}");
        line("accepted += full;");
        line("t = tBase + (double) full * dt;");
        line("if (capped) {");
        line("    code |= " + RunStatus.MAX_STEPS_EXCEEDED.bit() + ";");
        lineIf(leave());
        line("} else {");
        g.indent(1);
        line(F + "double h = tEv - t;");
        coefficients();
        stages("t");
        acceptState();
        line("t = tEv;");
        line("accepted++;");
        nextFirstStage(tab.isFsal(), "t");
        g.indent(-1);
        line("}");
        g.indent(-1);
        line("}");
    }

    /** One fixed step from time {@code ts}, in a block of its own. */
    void fixedStep(String ts) {
        line("{");
        g.indent(1);
        line(F + "double ts = " + ts + ";");
        stages("ts");
        acceptState();
        nextFirstStage(tab.isFsal(), "ts + h");
        g.indent(-1);
        line("}");
    }

    /** {@code hh} (h in the working type) and the products {@code hA<stage>_<j> = hh * a[stage][j]}, {@code hB<j> = hh * b[j]}. */
    void coefficients() {
        line(F + T + " hh = " + (single ? "(float) h" : "h") + ";");
        double[][] a = tab.a();
        for (int st = 1; st < tab.stages(); st++) {
            for (int j = 0; j < st && j < a[st].length; j++) {
                if (a[st][j] != 0) {
                    line(F + T + " hA" + st + "_" + j + " = hh * " + d.literal(a[st][j], single) + ";");
                }
            }
        }
        double[] b = tab.b();
        for (int j = 0; j < b.length; j++) {
            if (b[j] != 0) {
                line(F + T + " hB" + j + " = hh * " + d.literal(b[j], single) + ";");
            }
        }
    }

    /** The stages of one step from time {@code tStart} with step {@code h}, into {@code k<stage>_<i>}, and the new state {@code n<i>}. */
    void stages(String tStart) {
        int s = tab.stages();
        double[][] a = tab.a();
        double[] c = tab.c();
        boolean fsal = tab.isFsal();
        for (int st = 1; st < s; st++) {
            for (int i = 0; i < nStates; i++) {
                line(T + " k" + st + "_" + i + ";");
            }
            if (fsal && st == s - 1) {
                continue; // the last stage is evaluated at the new state, below
            }
            line("{");
            g.indent(1);
            String[] z = new String[nStates];
            for (int i = 0; i < nStates; i++) {
                z[i] = "z" + i;
                line(F + T + " z" + i + " = " + increment("y" + i, "hA" + st + "_", a[st], st, i) + ";");
            }
            rhs(tStart + " + " + d.literal(c[st], false) + " * h", z, "k" + st + "_");
            g.indent(-1);
            line("}");
        }
        for (int i = 0; i < nStates; i++) {
            line(F + T + " n" + i + " = " + increment("y" + i, "hB", tab.b(), s, i) + ";");
        }
        if (fsal) {
            String[] nn = new String[nStates];
            for (int i = 0; i < nStates; i++) {
                nn[i] = "n" + i;
            }
            rhs(tStart + " + h", nn, "k" + (s - 1) + "_");
        }
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

    void adaptiveStep() {
        int s = tab.stages();
        line("if (accepted + rejected >= maxSteps) {");
        line("    code |= " + RunStatus.MAX_STEPS_EXCEEDED.bit() + ";");
        lineIf(leave());
        line(d.structured() ? "} else {" : "}");
        if (d.structured()) {
            g.indent(1);
        }
        line(F + "double rem = tEv - t;");
        line(F + d.bool() + " hit = rem <= dt * 1.000001;");
        line(F + "double h = hit ? rem : dt;");
        coefficients();
        stages("t");
        double[] ew = tab.errorWeights();
        String max = d.math("max");
        String abs = d.math("abs");
        String min = d.math("min");
        line("double acc = 0.0;");
        for (int i = 0; i < nStates; i++) {
            line("{");
            line("    " + F + "double err = " + max + "(" + abs + "((double) (hh * (" + combination(ew, s, i) + "))), 1e-16);");
            line("    " + F + "double sc = at" + i + " + rt" + i + " * " + max + "(" + abs + "((double) y" + i + "), " + abs + "((double) n" + i + "));");
            line("    " + F + "double q = err / sc;");
            line("    acc += q * q;");
            line("}");
        }
        line("double err = " + d.math("sqrt") + "(acc * " + d.literal(1.0 / nStates, false) + ");");
        line(F + d.bool() + " finiteErr = err < 1e300;");
        line("if (!finiteErr) {");
        line("    err = 1e8;");
        line("}");
        line(F + d.bool() + " accept = err <= 1.0;");
        line(F + "double le = " + d.math("log") + "(" + max + "(err, 1e-4));");
        gain();
        line("if (accept) {");
        g.indent(1);
        acceptState();
        line("t = hit ? tEv : t + h;");
        line("accepted++;");
        line("if (!(hit && h < dt * 0.999999)) {");
        g.indent(1);
        line("le2 = le1;");
        line("le1 = le;");
        line("dtPrev = h;");
        line("history = true;");
        line("dt = " + min + "(" + max + "(h * gain, dtMin), dtMax);");
        g.indent(-1);
        line("}");
        nextFirstStage(tab.isFsal(), "t");
        g.indent(-1);
        line("} else {");
        g.indent(1);
        line("rejected++;");
        line("if (h <= dtMin) {");
        line("    code |= " + RunStatus.STEP_TOO_SMALL.bit() + " | (finiteErr ? 0 : " + RunStatus.NON_FINITE_STATE.bit() + ");");
        lineIf(leave());
        line("}");
        line("dt = " + max + "(h * gain, dtMin);"); // harmless after a failure: the step loop's condition ends it
        g.indent(-1);
        line("}");
        if (d.structured()) {
            g.indent(-1);
            line("}");
        }
    }

    /** The indented statement that leaves the event loop after a failure, or null where the loop conditions end it. */
    String leave() {
        String s = d.leaveEventLoop();
        return s == null ? null : "    " + s;
    }

    void gain() {
        double p = tab.errorOrder();
        String lg = d.math("log") + "(err)";
        String exp = d.math("exp");
        String min = d.math("min");
        String max = d.math("max");
        Controller c = ctl.controller();
        switch (c) {
            case I -> line("double gain = " + ctl.safety() + " * " + exp + "(" + (-1.0 / p) + " * " + lg + ");");
            case PI, PID -> {
                String expo = (-ctl.kp() / p) + " * " + lg + " + (history ? " + (-ctl.ki() / p) + " * le1"
                        + (c == Controller.PID ? " + " + (-ctl.kd() / p) + " * le2" : "") + " : 0.0)";
                line("double gain = " + ctl.safety() + " * " + exp + "(" + expo + ");");
            }
            case GUSTAFSSON -> {
                line("double gain = " + ctl.safety() + " * " + exp + "(" + (-1.0 / p) + " * " + lg + ");");
                line("if (accept && history) {");
                line("    gain = " + min + "(gain, " + ctl.safety() + " * (h / dtPrev) * " + exp + "(" + (-1.0 / p) + " * (2.0 * "
                        + lg + " - le1)));");
                line("}");
            }
            default -> throw new IllegalStateException(c.toString());
        }
        line("gain = " + min + "(" + max + "(gain, " + ctl.minGain() + "), " + ctl.maxGain() + ");");
        if (ctl.deadbandMin() < 1 || ctl.deadbandMax() > 1) {
            line("if (gain >= " + ctl.deadbandMin() + " && gain <= " + ctl.deadbandMax() + ") {");
            line("    gain = 1.0;");
            line("}");
        }
        line("if (!accept) {");
        line("    gain = " + min + "(gain, " + ctl.safety() + ");");
        line("}");
    }

    void acceptState() {
        for (int i = 0; i < nStates; i++) {
            line("y" + i + " = n" + i + ";");
        }
    }

    /** The first stage of the next step, at time {@code time}: the last stage of this one for FSAL methods. */
    void nextFirstStage(boolean fsal, String time) {
        if (fsal) {
            int last = tab.stages() - 1;
            for (int i = 0; i < nStates; i++) {
                line("k0_" + i + " = k" + last + "_" + i + ";");
            }
        } else {
            rhs(time, stateNames(), "k0_");
        }
    }

    /** {@code sum_j w[j] * k_j_i} over non-zero weights, for stages below {@code upTo}. */
    private String combination(double[] w, int upTo, int i) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < upTo && j < w.length; j++) {
            if (w[j] == 0) {
                continue;
            }
            sb.append(sb.isEmpty() ? "" : " + ");
            if (w[j] == 1) {
                sb.append("k").append(j).append("_").append(i);
            } else {
                sb.append(d.literal(w[j], single)).append(" * k").append(j).append("_").append(i);
            }
        }
        return sb.isEmpty() ? d.literal(0, single) : sb.toString();
    }
}
