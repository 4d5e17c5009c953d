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

    /**
     * {@code e} with every sum of a value and itself ({@code x + x}) written {@code 2 * x}, which is equal in every
     * rounding; auxiliaries are compared by their definitions in {@code definitions} (already rewritten so), since
     * the compiler merges a local with an equal expression too. TornadoVM 5.2's fused multiply-add phases (PTX and
     * OpenCL) fail on a product added to itself: Graal merges the two products, and the fused operation's addend
     * comes out null ("Cannot invoke Node.isAlive()"). The derivative of {@code k * y * y} is such a sum.
     */
    static Expr doubledSums(Expr e, Map<String, Expr> definitions) {
        return switch (e) {
            case Expr.Num n -> n;
            case Expr.Ref r -> r;
            case Expr.Unary u -> new Expr.Unary(u.op(), doubledSums(u.operand(), definitions), u.pos());
            case Expr.Binary b -> {
                Expr l = doubledSums(b.left(), definitions);
                Expr r = doubledSums(b.right(), definitions);
                yield b.op().equals("+") && Expr.sameValue(l, r, definitions::get)
                        ? new Expr.Binary("*", new Expr.Num(2, b.pos()), l, b.pos())
                        : new Expr.Binary(b.op(), l, r, b.pos());
            }
            case Expr.Call c -> new Expr.Call(c.function(), c.args().stream().map(a -> doubledSums(a, definitions)).toList(), c.pos());
        };
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
        if (b.op().equals("-") && dialect.fusesOnlyAdditions()) {
            String sum = subtractionAsSum(b.left(), b.right());
            if (sum != null) {
                return sum;
            }
        }
        return "(" + write(b.left()) + " " + b.op() + " " + write(b.right()) + ")";
    }

    /**
     * {@code x - a*b} as {@code x + (-a)*b}, and {@code a*b - y} as {@code -(y + (-a)*b)}, where the compiler
     * fuses only additions of products ({@link Dialect#fusesOnlyAdditions()}): TornadoVM's Graal keeps a product
     * with one negated factor as it is (an addition of a negated value would become a subtraction again), and
     * ptxas folds the negations into the fused multiply-add's operands. Each equals the subtraction in every
     * rounding, but for the sign of a zero result; a numeric factor is negated in place. Null where neither
     * side is a product.
     */
    private String subtractionAsSum(Expr left, Expr right) {
        if (right instanceof Expr.Binary p && p.op().equals("*")) {
            return "(" + write(left) + " + " + negatedProduct(p) + ")";
        }
        if (left instanceof Expr.Binary p && p.op().equals("*")) {
            return "(-(" + write(right) + " + " + negatedProduct(p) + "))";
        }
        return null;
    }

    /** {@code (-a) * b} for the product {@code a * b}, negating a numeric factor where there is one. */
    private String negatedProduct(Expr.Binary p) {
        if (p.right() instanceof Expr.Num n && !(p.left() instanceof Expr.Num)) {
            return "(" + write(p.left()) + " * " + literal(-n.value()) + ")";
        }
        String a = p.left() instanceof Expr.Num n ? literal(-n.value()) : "(-" + write(p.left()) + ")";
        return "(" + a + " * " + write(p.right()) + ")";
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
