package org.tornadobatch.solver.kernel;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.tornadobatch.system.Expr;

/**
 * Writes a system expression as Java Vector API code over one vector of runs ({@link VectorKernelWriter}): the
 * same operations in the same order as {@link ExpressionWriter}'s scalar Java, lane by lane, so a kernel of
 * arithmetic, square roots, absolute values, minima and maxima and branches agrees with the scalar kernel bit for
 * bit. A branch ({@code ifelse}) computes both sides and blends them; a comparison is a mask. Elementary functions
 * (sin, exp, log, pow, ...) are the Vector API's (within an ulp or two of {@link Math}'s), in double precision in
 * float32 kernels too, as the scalar kernel computes them. {@code floor} and {@code ceil}, which the Vector API
 * lacks, are the kernel class's {@code floorD} and {@code ceilD} ({@link VectorKernelWriter}): the truncation to a
 * long and back, one step down (up) where it passed x, the sign of x on a zero, x itself from 2^52 up (and NaN):
 * {@link Math#floor} and {@link Math#ceil} exactly, in double precision in float32 kernels as the scalar kernel.
 */
final class VectorExpressions {
    /** The functions {@link #vector} writes. */
    private static final Map<String, String> FUNCTIONS = Map.ofEntries(Map.entry("sin", "SIN"), Map.entry("cos", "COS"),
            Map.entry("tan", "TAN"), Map.entry("asin", "ASIN"), Map.entry("acos", "ACOS"), Map.entry("atan", "ATAN"),
            Map.entry("sinh", "SINH"), Map.entry("cosh", "COSH"), Map.entry("tanh", "TANH"), Map.entry("exp", "EXP"),
            Map.entry("log", "LOG"), Map.entry("log10", "LOG10"), Map.entry("sqrt", "SQRT"));
    private static final Set<String> OTHER = Set.of("ifelse", "abs", "min", "max", "atan2", "pow", "floor", "ceil");
    private static final Map<String, String> COMPARISONS = Map.of("<", "LT", "<=", "LE", ">", "GT", ">=", "GE", "==", "EQ", "!=", "NE");
    private static final Map<String, String> SWAPPED = Map.of("<", ">", "<=", ">=", ">", "<", ">=", "<=", "==", "==", "!=", "!=");

    private final boolean single;
    private final Map<String, String> names;

    /** {@code names}: each name an expression refers to, as a vector of the working type. */
    VectorExpressions(boolean single, Map<String, String> names) {
        this.single = single;
        this.names = names;
    }

    /** Whether every function {@code e} calls has a vector form. */
    static boolean supports(Expr e) {
        return switch (e) {
            case Expr.Num n -> true;
            case Expr.Ref r -> true;
            case Expr.Unary u -> supports(u.operand());
            case Expr.Binary b -> supports(b.left()) && supports(b.right());
            case Expr.Call c -> (FUNCTIONS.containsKey(c.function()) || OTHER.contains(c.function())) && c.args().stream().allMatch(VectorExpressions::supports);
        };
    }

    private String literal(double v) {
        return Dialect.JAVA.literal(v, single);
    }

    private String type() {
        return single ? "FloatVector" : "DoubleVector";
    }

    private String broadcast(double v) {
        return type() + ".broadcast(" + (single ? "F" : "D") + ", " + literal(v) + ")";
    }

    /** {@code e} as a vector of the working type. */
    String vector(Expr e) {
        return switch (e) {
            case Expr.Num n -> broadcast(n.value());
            case Expr.Ref r -> {
                String v = names.get(r.name());
                if (v == null) {
                    throw new IllegalStateException("no vector for " + r.name());
                }
                yield v;
            }
            case Expr.Unary u -> {
                if (u.op() != '-') {
                    throw new IllegalArgumentException("a condition where a number is expected: " + u.op());
                }
                yield vector(u.operand()) + ".neg()";
            }
            case Expr.Binary b -> binary(b);
            case Expr.Call c -> call(c.function(), c.args());
        };
    }

    private String binary(Expr.Binary b) {
        String op = switch (b.op()) {
            case "+" -> "add";
            case "-" -> "sub";
            case "*" -> "mul";
            case "/" -> "div";
            case "^" -> null;
            default -> throw new IllegalArgumentException("a condition where a number is expected: " + b.op());
        };
        if (op == null) {
            return power(b.left(), b.right());
        }
        if (b.right() instanceof Expr.Num n) {
            return vector(b.left()) + "." + op + "(" + literal(n.value()) + ")";
        }
        if (b.left() instanceof Expr.Num n) {
            // c + x, c * x: commutative in every rounding; c - x is -x + c exactly.
            return switch (op) {
                case "add", "mul" -> vector(b.right()) + "." + op + "(" + literal(n.value()) + ")";
                case "sub" -> vector(b.right()) + ".neg().add(" + literal(n.value()) + ")";
                default -> broadcast(n.value()) + ".div(" + vector(b.right()) + ")";
            };
        }
        return vector(b.left()) + "." + op + "(" + vector(b.right()) + ")";
    }

    private String power(Expr base, Expr exponent) {
        if (exponent instanceof Expr.Num n) {
            double k = n.value();
            if (k == 2 || k == 3 || k == 4) {
                return "pow" + (int) k + "(" + vector(base) + ")";
            }
            if (k == 1) {
                return vector(base);
            }
            if (k == -1) {
                return broadcast(1) + ".div(" + vector(base) + ")";
            }
            if (k == 0.5) {
                return vector(base) + ".sqrt()"; // correctly rounded in both precisions, as Math.sqrt (then rounded to float)
            }
        }
        return inDouble("POW", vector(base), vector(exponent));
    }

    /** A double-precision lanewise function of one or two operands, rounded to float in float32 kernels. */
    private String inDouble(String op, String x, String y) {
        if (!single) {
            return x + ".lanewise(VectorOperators." + op + (y == null ? "" : ", " + y) + ")";
        }
        return "toF(toD(" + x + ").lanewise(VectorOperators." + op + (y == null ? "" : ", toD(" + y + ")") + "))";
    }

    private String call(String f, List<Expr> args) {
        switch (f) {
            case "ifelse":
                return vector(args.get(2)) + ".blend(" + vector(args.get(1)) + ", " + mask(args.get(0)) + ")";
            case "abs":
                return vector(args.get(0)) + ".abs()";
            case "min", "max": {
                String acc = vector(args.get(0));
                for (int i = 1; i < args.size(); i++) {
                    acc = acc + "." + f + "(" + vector(args.get(i)) + ")";
                }
                return acc;
            }
            case "atan2":
                return inDouble("ATAN2", vector(args.get(0)), vector(args.get(1)));
            case "pow":
                return inDouble("POW", vector(args.get(0)), vector(args.get(1)));
            case "sqrt":
                return vector(args.get(0)) + ".sqrt()";
            case "floor", "ceil":
                return single ? "toF(" + f + "D(toD(" + vector(args.get(0)) + ")))" : f + "D(" + vector(args.get(0)) + ")";
            default: {
                String op = FUNCTIONS.get(f);
                if (op == null) {
                    throw new IllegalArgumentException("no vector form of " + f);
                }
                return inDouble(op, vector(args.get(0)), null);
            }
        }
    }

    /** The condition {@code e} as a mask of the working type's species. */
    String mask(Expr e) {
        if (e instanceof Expr.Unary u && u.op() == '!') {
            return mask(u.operand()) + ".not()";
        }
        if (e instanceof Expr.Binary b) {
            switch (b.op()) {
                case "&&":
                    return mask(b.left()) + ".and(" + mask(b.right()) + ")";
                case "||":
                    return mask(b.left()) + ".or(" + mask(b.right()) + ")";
                default:
                    String cmp = COMPARISONS.get(b.op());
                    if (cmp == null) {
                        break;
                    }
                    if (b.right() instanceof Expr.Num n) {
                        return vector(b.left()) + ".compare(VectorOperators." + cmp + ", " + literal(n.value()) + ")";
                    }
                    if (b.left() instanceof Expr.Num n) {
                        return vector(b.right()) + ".compare(VectorOperators." + COMPARISONS.get(SWAPPED.get(b.op())) + ", " + literal(n.value()) + ")";
                    }
                    return vector(b.left()) + ".compare(VectorOperators." + cmp + ", " + vector(b.right()) + ")";
            }
        }
        throw new IllegalArgumentException("a number where a condition is expected: " + e);
    }
}
