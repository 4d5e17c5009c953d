package org.tornadobatch.solver.kernel;

import java.util.List;
import java.util.Map;

import org.tornadobatch.solver.kernel.Code.Ex;
import org.tornadobatch.solver.kernel.Code.St;

/**
 * Prints {@link Code}'s statements as source of one {@link Dialect}, four spaces per level: the one place where
 * the writers' statements become text. Everything dialect-specific is asked of the dialect (types, loads and
 * stores, math functions, literals, how a failure leaves the event loop).
 */
final class Printer {
    private final Dialect d;
    private final StringBuilder out;
    private int indent;
    /** The Java kernel's methods of a big run ({@link JavaParts}): variables as fields, long lists outlined; null otherwise. */
    private final JavaParts parts;
    /** Whether this prints one of {@link #parts}' methods (a failure leaves it by returning true). */
    private final boolean inPart;
    /** Whether the event loop is open in the method printed here (then a failure leaves it by its label). */
    private boolean inEventLoop;

    Printer(Dialect d, StringBuilder out, int indent) {
        this(d, out, indent, null, false);
    }

    Printer(Dialect d, StringBuilder out, int indent, JavaParts parts, boolean inPart) {
        this.d = d;
        this.out = out;
        this.indent = indent;
        this.parts = parts;
        this.inPart = inPart;
    }

    /**
     * How a failure leaves the event loop from the method printed here: by the loop's label where the loop is open in
     * it, else (in a part of {@link JavaParts}, called inside the loop) by returning true to the caller.
     */
    String leave() {
        return inPart && !inEventLoop ? "return true;" : d.leaveEventLoop();
    }

    void line(String s) {
        out.append("    ".repeat(Math.max(indent, 0))).append(s).append('\n');
    }

    private void lineIf(String s) {
        if (s != null) {
            line(s);
        }
    }

    void print(List<St> body) {
        if (parts != null) {
            parts.print(this, body);
        } else {
            body.forEach(this::print);
        }
    }

    private void nested(List<St> body) {
        indent++;
        print(body);
        indent--;
    }

    void print(St s) {
        switch (s) {
            case Code.Declare dc when parts != null -> {
                for (Code.Var v : dc.vars()) {
                    parts.field(v.name(), type(dc.type()));
                    if (v.init() != null) {
                        line(v.name() + " = " + ex(v.init()) + ";");
                    }
                }
            }
            case Code.Declare dc -> {
                StringBuilder sb = new StringBuilder(dc.constant() ? d.constant() : "").append(type(dc.type())).append(' ');
                for (int i = 0; i < dc.vars().size(); i++) {
                    Code.Var v = dc.vars().get(i);
                    sb.append(i > 0 ? ", " : "").append(v.name());
                    if (v.init() != null) {
                        sb.append(" = ").append(ex(v.init()));
                    }
                }
                line(sb.append(';').toString());
            }
            case Code.Assign a -> line(a.target() + " " + a.op() + " " + ex(a.value()) + ";");
            case Code.Increment i -> line(i.name() + "++;");
            case Code.Store st -> line(d.store(st.array(), st.layout(), ex(st.index()), ex(st.value())));
            case Code.If f -> {
                line("if (" + ex(f.cond()) + ") {");
                nested(f.then());
                if (f.otherwise() != null) {
                    line("} else {");
                    nested(f.otherwise());
                }
                line("}");
            }
            case Code.For f -> {
                if (parts != null) {
                    parts.field(f.var(), type(f.type()));
                }
                line("for (" + (parts != null ? "" : type(f.type()) + " ") + f.var() + " = " + ex(f.from()) + "; " + ex(f.cond()) + "; " + f.update() + ") {");
                nested(f.body());
                line("}");
            }
            case Code.Block b -> {
                line("{");
                nested(b.body());
                line("}");
            }
            case Code.EventLoop l -> {
                lineIf(d.beforeEventLoop());
                if (parts != null) {
                    parts.field("e", "int");
                }
                line("for (" + (parts != null ? "" : "int ") + "e = 0; " + d.eventLoopCondition() + "; e++) {");
                boolean outer = inEventLoop;
                inEventLoop = true;
                nested(l.body());
                inEventLoop = outer;
                line("}");
                lineIf(d.afterEventLoop());
            }
            case Code.StepLoop l -> {
                line("while (" + d.stepLoopCondition() + ") {");
                nested(l.body());
                line("}");
            }
            case Code.Leave l -> lineIf(leave());
            case Code.Break b -> line("break;");
            case Code.Guard g -> {
                line("if (" + ex(g.cond()) + ") {");
                nested(g.onFail());
                if (d.structured()) {
                    line("} else {");
                    nested(g.rest());
                    line("}");
                } else {
                    nested(List.of(g.exit()));
                    line("}");
                    print(g.rest());
                }
            }
            case Code.AfterSteps a -> {
                if (d.structured()) {
                    line("if (code == 0) {");
                    nested(a.body());
                    line("}");
                } else {
                    print(a.body());
                }
            }
        }
    }

    String type(Code.Ty t) {
        return switch (t) {
            case DOUBLE -> "double";
            case FLOAT -> "float";
            case INT -> "int";
            case INT64 -> d.int64();
            case BOOL -> d.bool();
        };
    }

    String ex(Ex e) {
        return switch (e) {
            case Code.Cat c -> {
                StringBuilder sb = new StringBuilder();
                for (Object p : c.parts()) {
                    sb.append(p instanceof Ex x ? ex(x) : p instanceof Code.Ty t ? type(t) : String.valueOf(p));
                }
                yield sb.toString();
            }
            case Code.Lit l -> d.literal(l.value(), l.single());
            case Code.Call c -> {
                StringBuilder sb = new StringBuilder(d.math(c.function())).append('(');
                for (int i = 0; i < c.args().size(); i++) {
                    sb.append(i > 0 ? ", " : "").append(ex(c.args().get(i)));
                }
                yield sb.append(')').toString();
            }
            case Code.ApproximateQuotient q -> d.approximateQuotient(ex(q.a()), ex(q.b()));
            case Code.Cast c -> "(" + type(c.type()) + ") " + ex(c.value());
            case Code.Load l -> d.load(l.array(), l.layout(), ex(l.index()));
            case Code.Tolerance t -> d.tolerance(t.which(), t.i());
            case Code.NaN n -> d.nan(n.single());
            case Code.Infinity i -> d.infinity(i.single(), i.positive());
            case Code.Sys s -> {
                Map<String, Ex> names = s.names();
                yield new ExpressionWriter(d, s.single(), n -> {
                    Ex v = names.get(n);
                    return v == null ? null : ex(v);
                }).write(s.expr());
            }
        };
    }
}
