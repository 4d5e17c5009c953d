package org.tornadobatch.solver.kernel;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.tornadobatch.system.Expr;

/**
 * Writes an expression as source in double or float arithmetic, in a {@link Dialect}. Names are mapped to
 * variables by the caller; small integer powers become multiplications, {@code ^0.5} a square root.
 */
final class ExpressionWriter {
    private final Dialect dialect;
    private final boolean single;
    private final Function<String, String> names;

    ExpressionWriter(Dialect dialect, boolean single, Function<String, String> names) {
        this.dialect = dialect;
        this.single = single;
        this.names = names;
    }

    private String literal(double v) {
        return dialect.literal(v, single);
    }

    String write(Expr e) {
        return switch (e) {
            case Expr.Num n -> literal(n.value());
            case Expr.Ref r -> names.apply(r.name());
            case Expr.Unary u -> "(" + u.op() + write(u.operand()) + ")";
            case Expr.Binary b -> binary(b);
            case Expr.Call c -> call(c.function(), c.args());
        };
    }

    private String binary(Expr.Binary b) {
        if (b.op().equals("^")) {
            return power(b.left(), b.right());
        }
        return "(" + write(b.left()) + " " + b.op() + " " + write(b.right()) + ")";
    }

    private String power(Expr base, Expr exponent) {
        if (exponent instanceof Expr.Num n) {
            double k = n.value();
            if (k == 2 || k == 3 || k == 4) {
                return "pow" + (int) k + "(" + write(base) + ")";
            }
            if (k == 1) {
                return write(base);
            }
            if (k == -1) {
                return "(" + literal(1) + " / " + write(base) + ")";
            }
            if (k == 0.5) {
                return cast(dialect.math("sqrt") + "(" + write(base) + ")");
            }
        }
        return cast(dialect.math("pow") + "(" + write(base) + ", " + write(exponent) + ")");
    }

    private static final Map<String, String> MATH = Map.ofEntries(Map.entry("sin", "sin"), Map.entry("cos", "cos"),
            Map.entry("tan", "tan"), Map.entry("asin", "asin"), Map.entry("acos", "acos"), Map.entry("atan", "atan"),
            Map.entry("atan2", "atan2"), Map.entry("sinh", "sinh"), Map.entry("cosh", "cosh"), Map.entry("tanh", "tanh"),
            Map.entry("exp", "exp"), Map.entry("log", "log"), Map.entry("log10", "log10"), Map.entry("sqrt", "sqrt"),
            Map.entry("pow", "pow"), Map.entry("floor", "floor"), Map.entry("ceil", "ceil"));

    private String call(String f, List<Expr> args) {
        switch (f) {
            case "ifelse":
                return "(" + write(args.get(0)) + " ? " + write(args.get(1)) + " : " + write(args.get(2)) + ")";
            case "abs":
                return dialect.math("abs") + "(" + write(args.get(0)) + ")";
            case "min":
            case "max": {
                String acc = write(args.get(0));
                for (int i = 1; i < args.size(); i++) {
                    acc = dialect.math(f) + "(" + acc + ", " + write(args.get(i)) + ")";
                }
                return acc;
            }
            default: {
                StringBuilder sb = new StringBuilder(dialect.math(MATH.get(f))).append('(');
                for (int i = 0; i < args.size(); i++) {
                    sb.append(i > 0 ? ", " : "").append(write(args.get(i)));
                }
                return cast(sb.append(')').toString());
            }
        }
    }

    private String cast(String doubleValued) {
        return single ? "((float) " + doubleValued + ")" : doubleValued;
    }
}
