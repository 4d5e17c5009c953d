package org.tornadobatch.solver.kernel;

import static org.tornadobatch.solver.kernel.Code.ex;

import java.util.List;

import org.tornadobatch.solver.kernel.Code.Body;
import org.tornadobatch.solver.kernel.Code.Ex;
import org.tornadobatch.solver.kernel.Code.St;
import org.tornadobatch.solver.kernel.Code.Ty;
import org.tornadobatch.solver.run.Schedule;

/**
 * The scalar kernel's outputs ({@link KernelGenerator}'s): what an event writes (summary windows and samples, saved
 * states, observables and step counts since the previous save, {@code saveIdx}), and what a failed run leaves in the
 * saves it did not reach.
 */
final class OutputWriter {
    private final KernelGenerator g;
    private final KernelSpec spec;
    private final SummaryWriter summaries;
    private final String LT;
    private final boolean single;

    OutputWriter(KernelGenerator g, KernelSpec spec, SummaryWriter summaries) {
        this.g = g;
        this.spec = spec;
        this.summaries = summaries;
        this.LT = g.layout();
        this.single = g.single();
    }

    /** At an event ({@code flags} declared): the summary window's close and sample, and the save, by the event's flags. */
    List<St> events() {
        SummaryWriter sw = summaries;
        int[] obsForSave = spec.savedObservables();
        int[] obsForSample = spec.summarisedObservables();
        Body b = new Body();
        if (sw.active()) {
            b.when(ex("(flags & " + Schedule.CLOSE_WINDOW + ") != 0"), x -> x.addAll(sw.close()));
            b.when(ex("(flags & " + Schedule.SAMPLE + ") != 0"), x -> x.addAll(g.observables(obsForSample)).addAll(sw.sample()));
        }
        if (spec.savedStates().length > 0 || obsForSave.length > 0 || spec.stepCounts()) {
            b.when(ex("(flags & " + Schedule.SAVE + ") != 0"), x -> {
                if (spec.stepCounts()) {
                    // Accepted, rejected and attempted steps since the previous save (at the first save: since the start).
                    String[] counts = {"accepted - accSave", "rejected - rejSave", "(accepted + rejected) - (accSave + rejSave)"};
                    for (int j = 0; j < 3; j++) {
                        x.store("outC", "I32", ex("((", Ty.INT64, ") saveIdx * 3 + " + j + ") * stride + r"), ex("(int) (" + counts[j] + ")"));
                    }
                    x.assign("accSave", "accepted");
                    x.assign("rejSave", "rejected");
                }
                x.addAll(g.observables(obsForSave));
                int[] ss = spec.savedStates();
                for (int j = 0; j < ss.length; j++) {
                    x.store("outS", LT, ex("((", Ty.INT64, ") saveIdx * " + ss.length + " + " + j + ") * stride + r"), ex("y" + ss[j]));
                }
                for (int j = 0; j < obsForSave.length; j++) {
                    x.store("outO", LT, ex("((", Ty.INT64, ") saveIdx * " + obsForSave.length + " + " + j + ") * stride + r"),
                            ex("o" + obsForSave[j]));
                }
            });
        }
        b.when(ex("(flags & " + Schedule.SAVE + ") != 0"), x -> x.increment("saveIdx"));
        return b.statements();
    }

    /** A failed run: NaN in the saves it did not reach, step counts -1, and its summaries' fill. */
    void fillNaN(Body b) {
        Ex nan = new Code.NaN(single);
        int ss = spec.savedStates().length;
        int so = spec.savedObservables().length;
        if (ss + so > 0) {
            b.loop(Ty.INT, "k", ex("saveIdx"), ex("k < nSaves"), "k++", x -> {
                for (int j = 0; j < ss; j++) {
                    x.store("outS", LT, ex("((", Ty.INT64, ") k * " + ss + " + " + j + ") * stride + r"), nan);
                }
                for (int j = 0; j < so; j++) {
                    x.store("outO", LT, ex("((", Ty.INT64, ") k * " + so + " + " + j + ") * stride + r"), nan);
                }
            });
        }
        if (spec.stepCounts()) { // -1: a save the run did not reach
            b.loop(Ty.INT, "k", ex("saveIdx"), ex("k < nSaves"), "k++", x -> {
                for (int j = 0; j < 3; j++) {
                    x.store("outC", "I32", ex("((", Ty.INT64, ") k * 3 + " + j + ") * stride + r"), ex("-1"));
                }
            });
        }
        b.addAll(summaries.fillNaN());
    }
}
