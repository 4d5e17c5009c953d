package org.tornadobatch.solver.kernel;

import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.solver.output.Metric;

/**
 * Writes the summary part of a kernel: accumulators per summarised variable in locals, a sample step, a
 * window close that writes the metrics, and NaN filling for windows a failed run never reached. Peaks are
 * written as they are found (the time of each local maximum, attributed to the window in which it is seen).
 */
final class SummaryWriter {
    private record Var(String prefix, String value, String segment, int index, int count) {
    }

    private final KernelGenerator g;
    private final Dialect d;
    private final List<Metric> metrics;
    private final List<Var> vars = new ArrayList<>();
    private final int slots;

    SummaryWriter(KernelGenerator g, KernelSpec spec) {
        this.g = g;
        this.d = g.dialect();
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

    private Metric peaks() {
        return metrics.stream().filter(m -> m.kind() == Metric.Kind.PEAKS).findFirst().orElse(null);
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

    private String index(Var v, String window, String slot) {
        return "((" + d.int64() + ") " + window + " * " + (v.count * slots) + " + " + (v.index * slots) + " + " + slot + ") * stride + r";
    }

    void declare() {
        if (!active()) {
            return;
        }
        g.line("int wc = 0;");
        g.line(d.int64() + " ns = 0;");
        for (Var v : vars) {
            String p = v.prefix;
            if (has(Metric.Kind.MEAN)) {
                g.line("double " + p + "sum = 0.0;");
            }
            if (has(Metric.Kind.RMS)) {
                g.line("double " + p + "sq = 0.0;");
            }
            if (has(Metric.Kind.STD)) {
                g.line("double " + p + "c = 0.0, " + p + "d1 = 0.0, " + p + "d2 = 0.0;");
            }
            if (has(Metric.Kind.MAX, Metric.Kind.EXTREMA)) {
                g.line("double " + p + "mx = " + d.infinity(false, false) + ";");
            }
            if (has(Metric.Kind.MIN, Metric.Kind.EXTREMA)) {
                g.line("double " + p + "mn = " + d.infinity(false, true) + ";");
            }
            if (has(Metric.Kind.MAX_MAGNITUDE)) {
                g.line("double " + p + "mm = 0.0;");
            }
            if (peaks() != null) {
                g.line("double " + p + "p1 = 0.0, " + p + "p2 = 0.0, " + p + "pt = 0.0;");
                g.line("int " + p + "pc = 0;");
            }
        }
        clearPeaks();
    }

    private void clearPeaks() {
        Metric pk = peaks();
        if (pk == null) {
            return;
        }
        String nan = d.nan(g.single());
        int off = offsetOf(Metric.Kind.PEAKS);
        g.line("if (winIdx < nWindows) {");
        for (Var v : vars) {
            for (int k = 0; k < pk.peaks(); k++) {
                g.line("    " + d.store(v.segment, g.layout(), index(v, "winIdx", String.valueOf(off + k)), nan));
            }
        }
        g.line("}");
    }

    void sample() {
        Metric pk = peaks();
        for (Var v : vars) {
            String p = v.prefix;
            g.line("{");
            g.indent(1);
            g.line(d.constant() + "double x = (double) " + v.value + ";");
            if (has(Metric.Kind.MEAN)) {
                g.line(p + "sum += x;");
            }
            if (has(Metric.Kind.RMS)) {
                g.line(p + "sq += x * x;");
            }
            if (has(Metric.Kind.STD)) {
                g.line("if (wc == 0) {");
                g.line("    " + p + "c = x;");
                g.line("}");
                g.line(p + "d1 += x - " + p + "c;");
                g.line(p + "d2 += (x - " + p + "c) * (x - " + p + "c);");
            }
            if (has(Metric.Kind.MAX, Metric.Kind.EXTREMA)) {
                g.line(p + "mx = " + d.math("max") + "(" + p + "mx, x);");
            }
            if (has(Metric.Kind.MIN, Metric.Kind.EXTREMA)) {
                g.line(p + "mn = " + d.math("min") + "(" + p + "mn, x);");
            }
            if (has(Metric.Kind.MAX_MAGNITUDE)) {
                g.line(p + "mm = " + d.math("max") + "(" + p + "mm, " + d.math("abs") + "(x));");
            }
            if (pk != null) {
                int off = offsetOf(Metric.Kind.PEAKS);
                g.line("if (ns >= 2 && " + p + "p1 > " + p + "p2 && " + p + "p1 > x && " + p + "pc < " + pk.peaks() + ") {");
                g.line("    if (winIdx < nWindows) {");
                g.line("        " + d.store(v.segment, g.layout(), index(v, "winIdx", off + " + " + p + "pc"), "(" + g.type() + ") " + p + "pt"));
                g.line("    }");
                g.line("    " + p + "pc++;");
                g.line("}");
                g.line(p + "p2 = " + p + "p1;");
                g.line(p + "p1 = x;");
                g.line(p + "pt = tEv;");
            }
            g.indent(-1);
            g.line("}");
        }
        g.line("wc++;");
        g.line("ns++;");
    }

    void close() {
        g.line("if (winIdx < nWindows) {");
        g.indent(1);
        String nan = d.nan(false);
        String sqrt = d.math("sqrt");
        g.line(d.constant() + "double inv = wc > 0 ? 1.0 / wc : " + nan + ";");
        for (Var v : vars) {
            String p = v.prefix;
            int off = 0;
            for (Metric m : metrics) {
                List<String> values = switch (m.kind()) {
                    case MEAN -> List.of(p + "sum * inv");
                    case RMS -> List.of(sqrt + "(" + p + "sq * inv)");
                    case STD -> List.of(sqrt + "(" + d.math("max") + "(0.0, (" + p + "d2 - " + p + "d1 * " + p + "d1 * inv) * inv))");
                    case MAX -> List.of("wc > 0 ? " + p + "mx : " + nan);
                    case MIN -> List.of("wc > 0 ? " + p + "mn : " + nan);
                    case MAX_MAGNITUDE -> List.of("wc > 0 ? " + p + "mm : " + nan);
                    case EXTREMA -> List.of("wc > 0 ? " + p + "mx : " + nan, "wc > 0 ? " + p + "mn : " + nan);
                    case PEAKS -> List.of();
                };
                for (int k = 0; k < values.size(); k++) {
                    g.line(d.store(v.segment, g.layout(), index(v, "winIdx", String.valueOf(off + k)),
                            "(" + g.type() + ") (" + values.get(k) + ")"));
                }
                off += m.slots();
            }
        }
        g.indent(-1);
        g.line("}");
        for (Var v : vars) {
            String p = v.prefix;
            if (has(Metric.Kind.MEAN)) {
                g.line(p + "sum = 0.0;");
            }
            if (has(Metric.Kind.RMS)) {
                g.line(p + "sq = 0.0;");
            }
            if (has(Metric.Kind.STD)) {
                g.line(p + "d1 = 0.0;");
                g.line(p + "d2 = 0.0;");
            }
            if (has(Metric.Kind.MAX, Metric.Kind.EXTREMA)) {
                g.line(p + "mx = " + d.infinity(false, false) + ";");
            }
            if (has(Metric.Kind.MIN, Metric.Kind.EXTREMA)) {
                g.line(p + "mn = " + d.infinity(false, true) + ";");
            }
            if (has(Metric.Kind.MAX_MAGNITUDE)) {
                g.line(p + "mm = 0.0;");
            }
            if (peaks() != null) {
                g.line(p + "pc = 0;");
            }
        }
        g.line("wc = 0;");
        g.line("winIdx++;");
        clearPeaks();
    }

    void fillNaN(String nan) {
        if (!active()) {
            return;
        }
        g.line("for (int w = winIdx; w < nWindows; w++) {");
        for (Var v : vars) {
            for (int k = 0; k < slots; k++) {
                g.line("    " + d.store(v.segment, g.layout(), index(v, "w", String.valueOf(k)), nan));
            }
        }
        g.line("}");
    }
}
