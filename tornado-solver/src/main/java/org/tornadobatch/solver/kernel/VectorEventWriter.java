package org.tornadobatch.solver.kernel;

import java.util.List;

import org.tornadobatch.solver.RunStatus;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.run.Schedule;
import org.tornadobatch.system.Expr;
import org.tornadobatch.system.OdeSystem;

/**
 * The vector kernel's ({@link VectorKernelWriter}) event and its end: at each event, the lanes whose state is not
 * finite fail and the others take the event (summary windows and samples, saved states, observables and step
 * counts), vector by vector; at the end, each run's status and step counts, and NaN (step counts -1) in the saves a
 * failed run did not reach.
 */
final class VectorEventWriter {
    private final KernelSpec spec;
    private final OdeSystem sys;
    private final VectorSource s;
    private final VectorStepWriter steps;
    private final int nStates;
    private final boolean adaptive;
    private final SummaryWriter summaries;

    VectorEventWriter(KernelSpec spec, VectorSource s, VectorStepWriter steps, SummaryWriter summaries) {
        this.spec = spec;
        this.sys = spec.system();
        this.s = s;
        this.steps = steps;
        this.nStates = sys.states().size();
        this.adaptive = spec.control().controller().isAdaptive();
        this.summaries = summaries;
    }

    /**
     * After the steps to an event, for each vector: lanes whose state is not finite fail (NON_FINITE_STATE); the
     * others take the event (saves, step counts). True while a lane of the block is alive.
     */
    void event() {
        s.open("boolean event(int r0, int flags, int saveIdx" + (adaptive ? "" : ", double t") + ")");
        s.line("boolean any = false;");
        s.open("for (int o = 0; o < lim; o += L)");
        s.open("if (!alive[o / L])");
        s.line("continue;");
        s.close();
        s.line("IntVector cd = IntVector.fromArray(I, code, o);");
        s.line("VectorMask<Double> live = cd.compare(VectorOperators.EQ, 0).cast(D);");
        // Named states where observables or summaries read them; a big system's loops read ys.
        boolean named = !steps.split() || summaries.active() || spec.savedObservables().length > 0;
        for (int i = 0; named && i < nStates; i++) {
            s.line("final " + s.type() + " y" + i + " = " + s.load("ys", String.valueOf(i)) + ";");
        }
        String finite;
        if (steps.split()) {
            // y - y is 0 for a finite y and NaN otherwise: any order of the sum tells the same.
            s.line(s.type() + " fin = " + s.type() + ".zero(" + s.species() + ");");
            s.open("for (int i = 0; i < " + nStates + "; i++)");
            s.line("final " + s.type() + " yi = " + s.type() + ".fromArray(" + s.species() + ", ys, i * B + o);");
            s.line("fin = fin.add(yi.sub(yi));");
            s.close();
            finite = "fin";
        } else {
            StringBuilder sum = new StringBuilder("y0.sub(y0)");
            for (int i = 1; i < nStates; i++) {
                sum.append(".add(y").append(i).append(".sub(y").append(i).append("))");
            }
            finite = sum.toString();
        }
        s.line("final VectorMask<Double> bad = live.and(" + finite + ".compare(VectorOperators.EQ, " + s.literal(0) + ").not()" + (s.single ? ".cast(D)" : "") + ");");
        s.line("cd = cd.lanewise(VectorOperators.OR, " + RunStatus.NON_FINITE_STATE.bit() + ", bad.cast(I));");
        s.line("cd.intoArray(code, o);");
        s.line("live = live.andNot(bad);");
        s.line("alive[o / L] = live.anyTrue();");
        s.open("if (!alive[o / L])");
        s.line("continue;");
        s.close();
        s.line("any = true;");
        summaryEvents();
        saves();
        s.close();
        s.line("return any;");
        s.close();
    }

    /** KernelGenerator.events' window close and sample, run by run (every live lane of the vector). */
    private void summaryEvents() {
        if (!summaries.active()) {
            return;
        }
        s.open("if ((flags & " + Schedule.CLOSE_WINDOW + ") != 0)");
        s.open("for (int k = 0; k < L; k++)");
        s.open("if (code[o + k] == 0)");
        s.line("accs[o + k].close(r0 + o + k, " + VectorKernelWriter.ACC_CALL + ");");
        s.close();
        s.close();
        s.close();
        s.open("if ((flags & " + Schedule.SAMPLE + ") != 0)");
        int[] so = spec.summarisedObservables();
        if (so.length > 0) {
            steps.parameters();
            observables(so, adaptive ? "DoubleVector.fromArray(D, tl, o)" : "t");
        }
        StringBuilder values = new StringBuilder();
        for (int j : spec.summarisedStates()) {
            values.append(", y").append(j).append(".lane(k)");
        }
        for (int j : so) {
            values.append(", o").append(j).append(".lane(k)");
        }
        s.open("for (int k = 0; k < L; k++)");
        s.open("if (code[o + k] == 0)");
        s.line("accs[o + k].sample(" + (adaptive ? "tl[o + k]" : "t") + ", r0 + o + k, " + VectorKernelWriter.ACC_CALL + values + ");");
        s.close();
        s.close();
        s.close();
    }

    /** KernelGenerator.events' save: step counts, observables and states of the live lanes at save {@code saveIdx}. */
    private void saves() {
        int[] ss = spec.savedStates();
        int[] so = spec.savedObservables();
        if (ss.length + so.length == 0 && !spec.stepCounts()) {
            return;
        }
        s.open("if ((flags & " + Schedule.SAVE + ") != 0)");
        s.line("final " + (s.single ? "VectorMask<Float>" : "VectorMask<Double>") + " w = " + s.mask("live") + ";");
        if (spec.stepCounts()) {
            s.line("final LongVector na = LongVector.fromArray(J, acc, o), nr = LongVector.fromArray(J, rej, o);");
            s.line("final LongVector sa = LongVector.fromArray(J, accS, o), sr = LongVector.fromArray(J, rejS, o);");
            String[] counts = {"na.sub(sa)", "nr.sub(sr)", "na.add(nr).sub(sa.add(sr))"};
            for (int j = 0; j < 3; j++) {
                s.line("((IntVector) " + counts[j] + ".convertShape(VectorOperators.L2I, I, 0)).intoMemorySegment(outC, (((long) saveIdx * 3 + " + j
                        + ") * stride + r0 + o) * 4L, O, live.cast(I));");
            }
            s.line("na.intoArray(accS, o);");
            s.line("nr.intoArray(rejS, o);");
        }
        if (so.length > 0) {
            steps.parameters();
            observables(so, adaptive ? "DoubleVector.fromArray(D, tl, o)" : "t");
        }
        if (steps.split() && ss.length > 0) {
            s.open("for (int j = 0; j < " + ss.length + "; j++)");
            s.line(s.type() + ".fromArray(" + s.species() + ", ys, SAVED[j] * B + o).intoMemorySegment(outS, (((long) saveIdx * " + ss.length
                    + " + j) * stride + r0 + o) * " + s.bytes() + "L, O, w);");
            s.close();
        } else {
            for (int j = 0; j < ss.length; j++) {
                s.line("y" + ss[j] + ".intoMemorySegment(outS, (((long) saveIdx * " + ss.length + " + " + j + ") * stride + r0 + o) * " + s.bytes()
                        + "L, O, w);");
            }
        }
        for (int j = 0; j < so.length; j++) {
            s.line("o" + so[j] + ".intoMemorySegment(outO, (((long) saveIdx * " + so.length + " + " + j + ") * stride + r0 + o) * " + s.bytes()
                    + "L, O, w);");
        }
        s.close();
    }

    /** Declares {@code o<i>} for the observables {@code which} at the float64 time {@code time}. */
    private void observables(int[] which, String time) {
        List<String> obs = sys.observables();
        List<Expr> roots = new java.util.ArrayList<>();
        for (int i : which) {
            roots.add(new Expr.Ref(obs.get(i), null));
        }
        steps.evaluation(time, !adaptive, steps.names("y"), roots);
        for (int i : which) {
            s.line("final " + s.type() + " o" + i + " = a_" + obs.get(i) + ";");
        }
    }

    /** Each run's status and step counts, and NaN (step counts -1) in the saves a failed run did not reach. */
    void finish() {
        s.open("void finish(int r0, int cnt)");
        s.open("for (int l = 0; l < cnt; l++)");
        s.line("final long r = r0 + l;");
        s.line(spec.tableau().isImplicit() ? "final int c0 = code[l] != 0 && sing[l] ? code[l] | " + RunStatus.SINGULAR_MATRIX.bit() + " : code[l];"
                : "final int c0 = code[l];");
        s.line(spec.tableau().usesNewton() ? "final int c = c0 != 0 && nfl[l] ? c0 | " + RunStatus.NEWTON_FAILED.bit() + " : c0;" : "final int c = c0;");
        int ss = spec.savedStates().length;
        int so = spec.savedObservables().length;
        String layout = s.single ? "F32" : "F64";
        String nan = s.single ? "Float.NaN" : "Double.NaN";
        if (ss + so > 0 || spec.stepCounts()) {
            s.open("if (c != 0)");
            s.open("for (int k = saves[l]; k < nSaves; k++)");
            if (ss > 0) {
                s.open("for (int j = 0; j < " + ss + "; j++)");
                s.line("outS.setAtIndex(" + layout + ", ((long) k * " + ss + " + j) * stride + r, " + nan + ");");
                s.close();
            }
            if (so > 0) {
                s.open("for (int j = 0; j < " + so + "; j++)");
                s.line("outO.setAtIndex(" + layout + ", ((long) k * " + so + " + j) * stride + r, " + nan + ");");
                s.close();
            }
            for (int j = 0; spec.stepCounts() && j < 3; j++) {
                s.line("outC.setAtIndex(I32, ((long) k * 3 + " + j + ") * stride + r, -1);");
            }
            s.close();
            s.close();
        }
        if (summaries.active()) {
            s.open("if (c != 0)");
            s.line("accs[l].fill(r, " + VectorKernelWriter.ACC_CALL + ");");
            s.close();
        }
        s.line("status.setAtIndex(I32, r, c);");
        // The rows KernelSpec.perRunRows lists, in its order (KernelGenerator.COUNTERS for the scalar kernel). A Rosenbrock
        // step evaluates one Jacobian and factorises once per attempted step; SDIRK lanes count theirs (VectorSdirkParts).
        boolean newton = spec.tableau().usesNewton();
        int[] rows = spec.perRunRows();
        for (int k = 0; k < rows.length; k++) {
            String count = switch (rows[k]) {
                case SolveResult.PER_RUN_ACCEPTED -> "acc[l]";
                case SolveResult.PER_RUN_REJECTED -> "rej[l]";
                case SolveResult.PER_RUN_NEWTON -> "nits[l]";
                case SolveResult.PER_RUN_JACOBIANS -> newton ? "jev[l]" : "acc[l] + rej[l]";
                case SolveResult.PER_RUN_FACTORISATIONS -> newton ? "lun[l]" : "acc[l] + rej[l]";
                default -> throw new IllegalStateException("per-run row " + rows[k]);
            };
            s.line("steps.setAtIndex(I32, " + (k == 0 ? "" : k == 1 ? "stride + " : k + " * stride + ") + "r, (int) Math.min(" + count + ", 2147483647L));");
        }
        s.close();
        s.close();
    }
}
