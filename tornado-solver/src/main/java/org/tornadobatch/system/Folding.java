package org.tornadobatch.system;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Evaluates built-in functions and folds constant subexpressions. */
public final class Folding {
    private Folding() {
    }

    /** Replaces constants and {@code pi} by their values and computes every subexpression made only of numbers. */
    public static Expr fold(Expr e, Map<String, Double> constants) {
        return switch (e) {
            case Expr.Num n -> n;
            case Expr.Ref r -> {
                if (r.name().equals("pi")) {
                    yield new Expr.Num(Math.PI, r.pos());
                }
                Double v = constants.get(r.name());
                yield v == null ? r : new Expr.Num(v, r.pos());
            }
            case Expr.Unary u -> {
                Expr o = fold(u.operand(), constants);
                if (o instanceof Expr.Num n && u.op() == '-') {
                    yield new Expr.Num(-n.value(), u.pos());
                }
                yield new Expr.Unary(u.op(), o, u.pos());
            }
            case Expr.Binary b -> {
                Expr l = fold(b.left(), constants);
                Expr r = fold(b.right(), constants);
                if (l instanceof Expr.Num x && r instanceof Expr.Num y && !b.isComparison() && !b.isLogical()) {
                    yield new Expr.Num(arithmetic(b.op(), x.value(), y.value()), b.pos());
                }
                yield new Expr.Binary(b.op(), l, r, b.pos());
            }
            case Expr.Call c -> {
                List<Expr> args = new ArrayList<>();
                boolean allNumbers = !c.function().equals("ifelse");
                for (Expr a : c.args()) {
                    Expr f = fold(a, constants);
                    args.add(f);
                    allNumbers &= f instanceof Expr.Num;
                }
                if (allNumbers) {
                    double[] v = new double[args.size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = ((Expr.Num) args.get(i)).value();
                    }
                    yield new Expr.Num(function(c.function(), v), c.pos());
                }
                yield new Expr.Call(c.function(), args, c.pos());
            }
        };
    }

    /** {@code + - * / ^} on doubles. */
    public static double arithmetic(String op, double x, double y) {
        return switch (op) {
            case "+" -> x + y;
            case "-" -> x - y;
            case "*" -> x * y;
            case "/" -> x / y;
            case "^" -> Math.pow(x, y);
            default -> throw new IllegalArgumentException("op: " + op + " (expected: + - * / ^)");
        };
    }

    /** A built-in function on doubles ({@code ifelse} excluded: it needs a condition). */
    public static double function(String name, double[] a) {
        return switch (name) {
            case "sin" -> Math.sin(a[0]);
            case "cos" -> Math.cos(a[0]);
            case "tan" -> Math.tan(a[0]);
            case "asin" -> Math.asin(a[0]);
            case "acos" -> Math.acos(a[0]);
            case "atan" -> Math.atan(a[0]);
            case "atan2" -> Math.atan2(a[0], a[1]);
            case "sinh" -> Math.sinh(a[0]);
            case "cosh" -> Math.cosh(a[0]);
            case "tanh" -> Math.tanh(a[0]);
            case "exp" -> Math.exp(a[0]);
            case "log" -> Math.log(a[0]);
            case "log10" -> Math.log10(a[0]);
            case "sqrt" -> Math.sqrt(a[0]);
            case "abs" -> Math.abs(a[0]);
            case "pow" -> Math.pow(a[0], a[1]);
            case "floor" -> Math.floor(a[0]);
            case "ceil" -> Math.ceil(a[0]);
            case "min" -> {
                double m = a[0];
                for (int i = 1; i < a.length; i++) {
                    m = Math.min(m, a[i]);
                }
                yield m;
            }
            case "max" -> {
                double m = a[0];
                for (int i = 1; i < a.length; i++) {
                    m = Math.max(m, a[i]);
                }
                yield m;
            }
            default -> throw new IllegalArgumentException("function: " + name);
        };
    }
}
