package org.tornadobatch.solver.kernel;

import static org.tornadobatch.solver.kernel.Code.call;
import static org.tornadobatch.solver.kernel.Code.ex;

import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.solver.kernel.Code.Body;
import org.tornadobatch.solver.kernel.Code.Ex;
import org.tornadobatch.solver.kernel.Code.St;
import org.tornadobatch.solver.kernel.Code.Ty;
import org.tornadobatch.solver.output.Metric;

/**
 * The summary part of a kernel, as statements: accumulators per summarised variable in locals, a sample step, a
 * window close that writes the metrics, and NaN filling for windows a failed run never reached. Peaks are
 * written as they are found (the time of each local maximum, attributed to the window in which it is seen).
 */
final class SummaryWriter {
    private record Var(String prefix, String value, String segment, int index, int count) {
    }

    private final KernelGenerator g;
    private final List<Metric> metrics;
    private final List<Var> vars = new ArrayList<>();
    private final int slots;

    SummaryWriter(KernelGenerator g, KernelSpec spec) {
        this.g = g;
        this.metrics = spec.metrics();
        this.slots = spec.slotsPerVariable();
        if (!metrics.isEmpty()) {
            int[] s = spec.summarisedStates();
            for (int j = 0; j < s.length; j++) {
                vars.add(new Var("sS" + j + "_", "y" + s[j], "sumS", j, s.length));
            }
            int[] o = spec.summarisedObservables();
            for (int j = 0; j < o.length; j++) {
                vars.add(new Var("sO" + j + "_", "o" + o[j], "sumO", j, o.length));
            }
        }
    }

    boolean active() {
        return !vars.isEmpty();
    }

    private boolean has(Metric.Kind... kinds) {
        for (Metric m : metrics) {
            for (Metric.Kind k : kinds) {
                if (m.kind() == k) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The counted metrics (peaks and their kin), each with a counter of its own. */
    private List<Metric> counted() {
        return metrics.stream().filter(m -> m.kind().counted()).toList();
    }

    /** Whether the previous two samples and their times are kept (for peaks and derivatives). */
    private boolean keepsHistory() {
        return !counted().isEmpty() || dxdt() || d2xdt2();
    }

    private boolean dxdt() {
        return has(Metric.Kind.DXDT_MAX, Metric.Kind.DXDT_MIN, Metric.Kind.DXDT_EXTREMA);
    }

    private boolean d2xdt2() {
        return has(Metric.Kind.D2XDT2_MAX, Metric.Kind.D2XDT2_MIN, Metric.Kind.D2XDT2_EXTREMA);
    }

    private static String counter(Var v, Metric m) {
        return v.prefix + "pc" + m.kind().ordinal();
    }

    private int offsetOf(Metric.Kind kind) {
        int off = 0;
        for (Metric m : metrics) {
            if (m.kind() == kind) {
                return off;
            }
            off += m.slots();
        }
        throw new IllegalStateException(kind.toString());
    }

    private Ex index(Var v, String window, String slot) {
        return ex("((", Ty.INT64, ") " + window + " * " + (v.count * slots) + " + " + (v.index * slots) + " + " + slot + ") * stride + r");
    }

    private static Ex negInf() {
        return new Code.Infinity(false, false);
    }

    private static Ex posInf() {
        return new Code.Infinity(false, true);
    }

    List<St> declare() {
        if (!active()) {
            return List.of();
        }
        Body b = new Body();
        b.declare(false, Ty.INT, "wc", "0");
        b.declare(false, Ty.INT64, "ns", "0");
        for (Var v : vars) {
            String p = v.prefix;
            if (has(Metric.Kind.MEAN)) {
                b.declare(false, Ty.DOUBLE, p + "sum", "0.0");
            }
            if (has(Metric.Kind.RMS)) {
                b.declare(false, Ty.DOUBLE, p + "sq", "0.0");
            }
            if (has(Metric.Kind.STD)) {
                b.declare(false, Ty.DOUBLE, Code.var(p + "c", "0.0"), Code.var(p + "d1", "0.0"), Code.var(p + "d2", "0.0"));
            }
            if (has(Metric.Kind.MAX, Metric.Kind.EXTREMA)) {
                b.declare(false, Ty.DOUBLE, p + "mx", negInf());
            }
            if (has(Metric.Kind.MIN, Metric.Kind.EXTREMA)) {
                b.declare(false, Ty.DOUBLE, p + "mn", posInf());
            }
            if (has(Metric.Kind.MAX_MAGNITUDE)) {
                b.declare(false, Ty.DOUBLE, p + "mm", "0.0");
            }
            if (keepsHistory()) {
                b.declare(false, Ty.DOUBLE, Code.var(p + "p1", "0.0"), Code.var(p + "p2", "0.0"), Code.var(p + "pt", "0.0"),
                        Code.var(p + "pt2", "0.0"));
            }
            for (Metric m : counted()) {
                b.declare(false, Ty.INT, counter(v, m), "0");
            }
            if (dxdt()) {
                b.declare(false, Ty.DOUBLE, Code.var(p + "dmx", negInf()), Code.var(p + "dmn", posInf()));
            }
            if (d2xdt2()) {
                b.declare(false, Ty.DOUBLE, Code.var(p + "emx", negInf()), Code.var(p + "emn", posInf()));
            }
        }
        clearPeaks(b);
        return b.statements();
    }

    private void clearPeaks(Body b) {
        if (counted().isEmpty()) {
            return;
        }
        Ex nan = new Code.NaN(g.single());
        b.when(ex("winIdx < nWindows"), x -> {
            for (Metric pk : counted()) {
                int off = offsetOf(pk.kind());
                for (Var v : vars) {
                    for (int k = 0; k < pk.peaks(); k++) {
                        x.store(v.segment, g.layout(), index(v, "winIdx", String.valueOf(off + k)), nan);
                    }
                }
            }
        });
    }

    List<St> sample() {
        Body b = new Body();
        for (Var v : vars) {
            String p = v.prefix;
            b.block(x -> {
                x.declare(true, Ty.DOUBLE, "x", "(double) " + v.value);
                if (has(Metric.Kind.MEAN)) {
                    x.update(p + "sum", "+=", "x");
                }
                if (has(Metric.Kind.RMS)) {
                    x.update(p + "sq", "+=", "x * x");
                }
                if (has(Metric.Kind.STD)) {
                    x.when(ex("wc == 0"), y -> y.assign(p + "c", "x"));
                    x.update(p + "d1", "+=", "x - " + p + "c");
                    x.update(p + "d2", "+=", "(x - " + p + "c) * (x - " + p + "c)");
                }
                if (has(Metric.Kind.MAX, Metric.Kind.EXTREMA)) {
                    x.assign(p + "mx", call("max", ex(p + "mx"), ex("x")));
                }
                if (has(Metric.Kind.MIN, Metric.Kind.EXTREMA)) {
                    x.assign(p + "mn", call("min", ex(p + "mn"), ex("x")));
                }
                if (has(Metric.Kind.MAX_MAGNITUDE)) {
                    x.assign(p + "mm", call("max", ex(p + "mm"), call("abs", ex("x"))));
                }
                if (dxdt()) {
                    x.when(ex("ns >= 1"), y -> {
                        y.declare(true, Ty.DOUBLE, p + "dx", "(x - " + p + "p1) / (tEv - " + p + "pt)");
                        y.assign(p + "dmx", call("max", ex(p + "dmx"), ex(p + "dx")));
                        y.assign(p + "dmn", call("min", ex(p + "dmn"), ex(p + "dx")));
                    });
                }
                if (d2xdt2()) {
                    // The second divided difference: (x - 2 p1 + p2) / h^2 for samples h apart.
                    x.when(ex("ns >= 2"), y -> {
                        y.declare(true, Ty.DOUBLE, p + "ddx", "2.0 * ((x - " + p + "p1) / (tEv - " + p + "pt) - (" + p + "p1 - " + p + "p2) / (" + p + "pt - "
                                + p + "pt2)) / (tEv - " + p + "pt2)");
                        y.assign(p + "emx", call("max", ex(p + "emx"), ex(p + "ddx")));
                        y.assign(p + "emn", call("min", ex(p + "emn"), ex(p + "ddx")));
                    });
                }
                for (Metric pk : counted()) {
                    int off = offsetOf(pk.kind());
                    String c = counter(v, pk);
                    String cmp = pk.kind().minima() ? " < " : " > ";
                    String value = pk.kind().indices() ? "wc - 1" : p + "pt"; // the peak is the previous sample
                    x.when(ex("ns >= 2 && " + p + "p1" + cmp + p + "p2 && " + p + "p1" + cmp + "x && " + c + " < " + pk.peaks()), y -> {
                        y.when(ex("winIdx < nWindows"), z -> z.store(v.segment, g.layout(), index(v, "winIdx", off + " + " + c),
                                ex("(", g.real(), ") (" + value + ")")));
                        y.increment(c);
                    });
                }
                if (keepsHistory()) {
                    x.assign(p + "p2", p + "p1");
                    x.assign(p + "p1", "x");
                    x.assign(p + "pt2", p + "pt");
                    x.assign(p + "pt", "tEv");
                }
            });
        }
        b.increment("wc");
        b.increment("ns");
        return b.statements();
    }

    List<St> close() {
        Body b = new Body();
        Ex nan = new Code.NaN(false);
        b.when(ex("winIdx < nWindows"), x -> {
            x.declare(true, Ty.DOUBLE, "inv", "wc > 0 ? 1.0 / wc : ", nan);
            for (Var v : vars) {
                String p = v.prefix;
                int off = 0;
                for (Metric m : metrics) {
                    List<Ex> values = switch (m.kind()) {
                        case MEAN -> List.of(ex(p + "sum * inv"));
                        case RMS -> List.of(call("sqrt", ex(p + "sq * inv")));
                        case STD -> List.of(call("sqrt", call("max", ex("0.0"), ex("(" + p + "d2 - " + p + "d1 * " + p + "d1 * inv) * inv"))));
                        case MAX -> List.of(ex("wc > 0 ? " + p + "mx : ", nan));
                        case MIN -> List.of(ex("wc > 0 ? " + p + "mn : ", nan));
                        case MAX_MAGNITUDE -> List.of(ex("wc > 0 ? " + p + "mm : ", nan));
                        case EXTREMA -> List.of(ex("wc > 0 ? " + p + "mx : ", nan), ex("wc > 0 ? " + p + "mn : ", nan));
                        case DXDT_MAX -> List.of(finite(p + "dmx", nan));
                        case DXDT_MIN -> List.of(finite(p + "dmn", nan));
                        case DXDT_EXTREMA -> List.of(finite(p + "dmx", nan), finite(p + "dmn", nan));
                        case D2XDT2_MAX -> List.of(finite(p + "emx", nan));
                        case D2XDT2_MIN -> List.of(finite(p + "emn", nan));
                        case D2XDT2_EXTREMA -> List.of(finite(p + "emx", nan), finite(p + "emn", nan));
                        case PEAKS, NEGATIVE_PEAKS, PEAK_INDICES, NEGATIVE_PEAK_INDICES -> List.of();
                    };
                    for (int k = 0; k < values.size(); k++) {
                        x.store(v.segment, g.layout(), index(v, "winIdx", String.valueOf(off + k)), ex("(", g.real(), ") (", values.get(k), ")"));
                    }
                    off += m.slots();
                }
            }
        });
        for (Var v : vars) {
            String p = v.prefix;
            if (has(Metric.Kind.MEAN)) {
                b.assign(p + "sum", "0.0");
            }
            if (has(Metric.Kind.RMS)) {
                b.assign(p + "sq", "0.0");
            }
            if (has(Metric.Kind.STD)) {
                b.assign(p + "d1", "0.0");
                b.assign(p + "d2", "0.0");
            }
            if (has(Metric.Kind.MAX, Metric.Kind.EXTREMA)) {
                b.assign(p + "mx", negInf());
            }
            if (has(Metric.Kind.MIN, Metric.Kind.EXTREMA)) {
                b.assign(p + "mn", posInf());
            }
            if (has(Metric.Kind.MAX_MAGNITUDE)) {
                b.assign(p + "mm", "0.0");
            }
            for (Metric m : counted()) {
                b.assign(counter(v, m), "0");
            }
            if (dxdt()) {
                b.assign(p + "dmx", negInf());
                b.assign(p + "dmn", posInf());
            }
            if (d2xdt2()) {
                b.assign(p + "emx", negInf());
                b.assign(p + "emn", posInf());
            }
        }
        b.assign("wc", "0");
        b.increment("winIdx");
        clearPeaks(b);
        return b.statements();
    }

    /** {@code v}, or NaN where no derivative was taken in the window (it still holds an infinity). */
    private static Ex finite(String v, Ex nan) {
        return ex("(" + v + " > ", negInf(), " && " + v + " < ", posInf(), ") ? " + v + " : ", nan);
    }

    List<St> fillNaN() {
        if (!active()) {
            return List.of();
        }
        Ex nan = new Code.NaN(g.single());
        return Body.of(b -> b.loop(Ty.INT, "w", ex("winIdx"), ex("w < nWindows"), "w++", x -> {
            for (Var v : vars) {
                for (int k = 0; k < slots; k++) {
                    x.store(v.segment, g.layout(), index(v, "w", String.valueOf(k)), nan);
                }
            }
        }));
    }
}
