package org.tornadobatch.solver.kernel;

import static org.tornadobatch.solver.kernel.VectorSource.f32;

import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;

/**
 * A vector kernel's step-size control ({@link VectorStepWriter}'s): the controller's gain from a vector of error norms,
 * lane by lane {@link StepWriter}'s float32 {@code exp2(log2 ...)} form for every controller, and Hairer's initial step
 * estimate, fused or (a big system's) in parts ({@link VectorPartsWriter#initialStep}).
 */
final class VectorControlWriter {
    private final VectorSource s;
    private final ButcherTableau tab;
    private final StepControl ctl;
    private final int nStates;
    private final VectorStepWriter steps;

    VectorControlWriter(VectorSource s, KernelSpec spec, VectorStepWriter steps) {
        this.s = s;
        this.tab = spec.tableau();
        this.ctl = spec.control();
        this.nStates = spec.system().states().size();
        this.steps = steps;
    }

    /** StepWriter.gain, lane by lane: {@code gain} and {@code le} (float32), with the history {@code le1}, {@code le2}, {@code hist}. */
    void gain() {
        double p = tab.errorOrder();
        Controller c = ctl.controller();
        s.line("final FloatVector le1 = FloatVector.fromArray(F, le1a, o);");
        s.line("final FloatVector le2 = FloatVector.fromArray(F, le2a, o);");
        s.line("final VectorMask<Float> hist = VectorMask.fromArray(F, hista, o);");
        s.line("final FloatVector lg = log2f(err);");
        s.line("final FloatVector le = lg.max(" + f32(Math.log(1e-4) / Math.log(2)) + ");");
        String safety = f32(ctl.safety());
        switch (c) {
            case I -> s.line("FloatVector gain = exp2f(lg.mul(" + f32(-1.0 / p) + ")).mul(" + safety + ");");
            case PI, PID -> {
                String history = "le1.mul(" + f32(-ctl.ki() / p) + ")" + (c == Controller.PID ? ".add(le2.mul(" + f32(-ctl.kd() / p) + "))" : "");
                s.line("FloatVector gain = exp2f(lg.mul(" + f32(-ctl.kp() / p) + ").add(FloatVector.zero(F).blend(" + history + ", hist))).mul("
                        + safety + ");");
            }
            case GUSTAFSSON -> {
                if (tab.usesNewton()) {
                    s.line("final FloatVector safe = " + steps.parts().newton().safety(ctl.safety()) + ";");
                    safety = "safe";
                }
                s.line("FloatVector gain = exp2f(lg.mul(" + f32(-1.0 / p) + ")).mul(" + safety + ");");
                s.line("gain = gain.blend(gain.min(toF(h.div(DoubleVector.fromArray(D, dtp, o))).mul(" + safety + ").mul(exp2f(lg.mul(2.0f).sub(le1).mul("
                        + f32(-1.0 / p) + ")))), accF.and(hist));");
            }
            default -> throw new IllegalStateException(c.toString());
        }
        s.line("gain = gain.max(" + f32(ctl.minGain()) + ").min(" + f32(ctl.maxGain()) + ");");
        if (ctl.deadbandMin() < 1 || ctl.deadbandMax() > 1) {
            s.line("gain = gain.blend(1.0f, gain.compare(VectorOperators.GE, " + f32(ctl.deadbandMin()) + ").and(gain.compare(VectorOperators.LE, "
                    + f32(ctl.deadbandMax()) + ")));");
        }
        s.line("gain = gain.blend(gain.min(" + safety + "), accF.not());");
    }

    /**
     * StepWriter.initialStep, lane by lane, for the vector at {@code o} whose states {@code y<i>}, parameters and first
     * stage {@code k0_<i>} are declared: Hairer's estimate into {@code dtl}.
     */
    void initialStep() {
        if (steps.split()) {
            steps.parts().initialStep();
            return;
        }
        s.open("");
        s.line("DoubleVector dnf = DoubleVector.zero(D), dny = DoubleVector.zero(D);");
        for (int i = 0; i < nStates; i++) {
            initialNorms(i);
        }
        s.line("DoubleVector h0 = dny.div(dnf).sqrt().mul(0.01).blend(1e-6, dnf.compare(VectorOperators.LE, 1e-10).or(dny.compare(VectorOperators.LE, 1e-10)));");
        s.line("h0 = h0.min(dtMax);");
        for (int i = 0; i < nStates; i++) {
            s.line("final " + s.type() + " z" + i + " = y" + i + ".add(k0_" + i + ".mul(" + s.fromDouble("h0") + "));");
        }
        s.line(s.type() + " " + String.join(", ", steps.names("f")) + ";");
        steps.rhs("h0.add(t0)", false, steps.names("z"), "f");
        s.line("DoubleVector der2 = DoubleVector.zero(D);");
        for (int i = 0; i < nStates; i++) {
            secondDerivativeTerm(i);
        }
        initialEstimate();
        s.close();
    }

    /** {@code sk<i>} (the scale of state i) and its terms of {@code dnf} and {@code dny}, from {@code y<i>} and {@code k0_<i>}. */
    void initialNorms(int i) {
        initialScale(i);
        s.open("");
        s.line("final DoubleVector qf = " + s.toDouble("k0_" + i) + ".div(sk" + i + ");");
        s.line("final DoubleVector qy = " + s.toDouble("y" + i) + ".div(sk" + i + ");");
        s.line("dnf = dnf.add(qf.mul(qf));");
        s.line("dny = dny.add(qy.mul(qy));");
        s.close();
    }

    void initialScale(int i) {
        s.line("final DoubleVector sk" + i + " = " + s.toDouble("y" + i) + ".abs().mul((double) rt" + i + ").add((double) at" + i + ");");
    }

    /** State i's term of {@code der2}, from {@code f<i>}, {@code k0_<i>} and {@code sk<i>}. */
    void secondDerivativeTerm(int i) {
        s.open("");
        s.line("final DoubleVector qd = " + s.toDouble("f" + i) + ".sub(" + s.toDouble("k0_" + i) + ").div(sk" + i + ");");
        s.line("der2 = der2.add(qd.mul(qd));");
        s.close();
    }

    /** From {@code dnf}, {@code h0} and {@code der2}: the first step into {@code dtl}. */
    void initialEstimate() {
        s.line("final DoubleVector der12 = der2.sqrt().div(h0).max(dnf.sqrt());");
        s.line("final DoubleVector h1 = toD(exp2f(log2f(toF(DoubleVector.broadcast(D, 0.01).div(der12))).mul(" + f32(1.0 / tab.order())
                + "))).blend(h0.mul(1e-3).max(1e-6), der12.compare(VectorOperators.LE, 1e-15));");
        s.line("final DoubleVector est = h0.mul(100.0).min(h1);");
        // est in [dtMin, dtMax]: est; above: dtMax; below: dtMin; not a number: the launch's dt.
        s.line("final DoubleVector dt = DoubleVector.broadcast(D, dtInit).blend(dtMin, est.compare(VectorOperators.LT, dtMin))"
                + ".blend(est.min(dtMax), est.compare(VectorOperators.GE, dtMin));");
        s.line("dt.intoArray(dtl, o);");
    }
}
