package org.tornadobatch.solver.kernel;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.tornadobatch.system.Expr;

/**
 * The drivers of a vector kernel ({@link VectorKernelWriter}), computed as the scalar kernel computes them
 * ({@link DriverStatements}, written out), so that a driven system's vector kernel agrees with its scalar kernel:
 * where the lanes' times differ (adaptive steps), lane by lane from each lane's float64 time and run; where every
 * lane shares the time (fixed steps) and the samples, once and broadcast; where the lanes share the time but each
 * run has its own samples, as one Horner sum over a vector of the runs' coefficients (their rows of {@code par} lie
 * side by side, in the layout the scalar kernel reads one run at a time).
 */
final class VectorDriverWriter {
    private final VectorSource s;
    private final KernelSpec spec;
    private final DriverTable table;
    /** The scalar kernel's driver statements, written out. */
    private final DriverStatements written;

    VectorDriverWriter(VectorSource s, KernelSpec spec) {
        this.s = s;
        this.spec = spec;
        this.table = spec.drivers();
        this.written = new DriverStatements(spec, false);
    }

    /** Whether the kernel has drivers. */
    boolean active() {
        return table != null;
    }

    /** The block's fields: its first run and run count (set by {@link #startBlock}), the lanes' times and values. */
    void fields() {
        if (!active()) {
            return;
        }
        s.line("int rb, rc; // the block's first run and its number of runs, for the drivers' lanes");
        s.line("final double[] dq = new double[L];");
        s.line("final " + s.primitive() + "[] dvs = new " + s.primitive() + "[" + table.names().size() + " * L];");
    }

    /** In {@code block(r0, cnt)}: the block's runs, for the drivers' lanes. */
    void startBlock() {
        if (active()) {
            s.line("rb = r0;");
            s.line("rc = cnt;");
        }
    }

    /**
     * The block's method {@code drivers(o, t)}: the values of every driver, lane by lane, for the lanes of the vector
     * at offset {@code o} at their float64 times {@code t}, into {@code dvs}; lanes past the block's runs get 0. A
     * method of its own, so that the stages that call it stay small enough for the JIT. (Where the lanes share the
     * time, the values are written where they are used: {@link #values}.)
     */
    void methods() {
        if (!active()) {
            return;
        }
        List<Expr> all = table.names().stream().map(n -> (Expr) new Expr.Ref(n, null)).toList();
        s.open("void drivers(int o, DoubleVector t)");
        s.line("t.intoArray(dq, 0);");
        s.open("for (int q = 0; q < L; q++)");
        s.open("if (o + q >= rc)");
        s.open("for (int j = 0; j < " + table.names().size() + "; j++)");
        s.line("dvs[j * L + q] = 0;");
        s.close();
        s.line("continue;");
        s.close();
        s.line("final double tq = dq[q];");
        s.line("final long r = rb + o + q;");
        print(written.values("tq", all));
        for (int j = 0; j < table.names().size(); j++) {
            s.line("dvs[" + j + " * L + q] = " + (s.single ? "(float) " : "") + "dv" + j + ";");
        }
        s.close();
        s.close();
        s.line("");
    }

    private void print(List<Code.St> statements) {
        StringBuilder text = new StringBuilder();
        new Printer(Dialect.JAVA, text, s.depth()).print(statements);
        s.raw(text.toString());
    }

    /**
     * Declares {@code dvv<j>}, in the working type, the value of each driver that {@code used} reads at the float64
     * time {@code time} (a {@code DoubleVector} expression, or a {@code double} one where {@code scalarTime}) for the
     * vector at offset {@code o}: lane by lane where the lanes' times differ ({@link #methods}), once where the
     * lanes share the time and the samples, and over a vector of coefficients where they share the time only; returns
     * the drivers' names for the expression writer.
     */
    Map<String, String> values(String time, boolean scalarTime, List<Expr> used) {
        if (!active()) {
            return Map.of();
        }
        Set<String> refs = new LinkedHashSet<>();
        used.forEach(e -> e.forEachRef(r -> refs.add(r.name())));
        List<Integer> which = new ArrayList<>();
        for (int j = 0; j < table.names().size(); j++) {
            if (refs.contains(table.names().get(j))) {
                which.add(j);
            }
        }
        if (which.isEmpty()) {
            return Map.of();
        }
        Map<String, String> names = new java.util.HashMap<>();
        if (!scalarTime) {
            s.line("drivers(o, " + time + ");");
            for (int j : which) {
                s.line("final " + s.type() + " dvv" + j + " = " + s.type() + ".fromArray(" + s.species() + ", dvs, " + j + " * L);");
            }
        } else if (!table.perRun()) {
            // One value for every lane: the scalar kernel's statements, then broadcast.
            s.open("");
            s.line("final double tq = " + time + ";");
            print(written.values("tq", used));
            which.forEach(j -> s.line("dvs[" + j + " * L] = " + (s.single ? "(float) " : "") + "dv" + j + ";"));
            s.close();
            for (int j : which) {
                s.line("final " + s.type() + " dvv" + j + " = " + s.type() + ".broadcast(" + s.species() + ", dvs[" + j + " * L]);");
            }
        } else {
            // One piece for every lane, each lane's own coefficients (the runs' rows of par, side by side): the scalar
            // kernel's Horner sum in float64 over the vector of coefficients.
            for (int j : which) {
                s.line("final " + s.type() + " dvv" + j + ";");
            }
            s.open("");
            s.line("final double tq = " + time + ";");
            s.line("final VectorMask<" + (s.single ? "Float" : "Double") + "> dm = " + s.species() + ".indexInRange(o, rc);");
            int k1 = table.degree() + 1;
            int count = table.names().size();
            int params = spec.system().parameters().size();
            for (int j : which) {
                print(written.position("tq", j));
                java.util.function.IntFunction<String> coefficient = k -> {
                    String v = s.type() + ".fromMemorySegment(" + s.species() + ", par, ((long) (" + params + " + (di" + j + " * " + count + " + " + j
                            + ") * " + k1 + " + " + k + ") * stride + rb + o) * " + s.bytes() + "L, O, dm)";
                    return s.single ? "toD(" + v + ")" : v;
                };
                String horner = coefficient.apply(table.degree());
                for (int k = table.degree() - 1; k >= 0; k--) {
                    horner = horner + ".mul(df" + j + ").add(" + coefficient.apply(k) + ")";
                }
                s.line("dvv" + j + " = " + (s.single ? "toF(" + horner + ")" : horner) + ";");
            }
            s.close();
        }
        for (int j : which) {
            names.put(table.names().get(j), "dvv" + j);
        }
        return names;
    }
}
