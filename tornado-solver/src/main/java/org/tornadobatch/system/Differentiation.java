package org.tornadobatch.system;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Symbolic derivatives of a system's expressions, for the Jacobians of implicit methods: {@code d e / d x} of an
 * expression {@code e} with respect to a state (or {@code t}), by the rules of calculus on the tree the parser
 * builds, simplified as it is built (sums with 0, products with 0 or 1, numbers folded). An auxiliary is
 * differentiated through its own expression (the chain rule), once per variable; the result may refer to
 * auxiliaries by name, as the equations do. A conditional's derivative is the derivative of the branch taken;
 * comparisons, {@code floor} and {@code ceil} are piecewise constant (derivative 0); {@code abs}, {@code min} and
 * {@code max} take the derivative of the argument that gives the value. Drivers are functions of time: their
 * derivative with respect to a state is 0, and with respect to {@code t} is not available (refused by name).
 */
public final class Differentiation {
    private static final SourcePos GENERATED = new SourcePos("(derivative)", 0, 0);

    private final Map<String, Expr> auxiliaries = new HashMap<>();
    private final java.util.Set<String> drivers;
    private final Map<String, Expr> memo = new HashMap<>();

    /** Derivatives of the expressions of {@code system} (its auxiliaries resolved through their equations). */
    public Differentiation(OdeSystem system) {
        for (Equation a : system.auxiliaries()) {
            auxiliaries.put(a.name(), a.expression());
        }
        this.drivers = java.util.Set.copyOf(system.drivers());
    }

    /**
     * The Jacobian of {@code system}'s right-hand side: entry {@code [i][j]} is {@code d f_i / d y_j}, where
     * {@code f_i} is the derivative equation of state {@code i}.
     */
    public static List<List<Expr>> jacobian(OdeSystem system) {
        Differentiation d = new Differentiation(system);
        List<List<Expr>> rows = new ArrayList<>();
        for (Equation f : system.derivatives()) {
            List<Expr> row = new ArrayList<>();
            for (String y : system.stateNames()) {
                row.add(d.derivative(f.expression(), y));
            }
            rows.add(List.copyOf(row));
        }
        return List.copyOf(rows);
    }

    /** {@code d f_i / d t} for every state's equation (the explicit time dependence, for non-autonomous systems). */
    public static List<Expr> timeDerivatives(OdeSystem system) {
        Differentiation d = new Differentiation(system);
        return system.derivatives().stream().map(f -> d.derivative(f.expression(), Builtins.TIME)).toList();
    }

    /** Whether an expression is the number 0 (a Jacobian entry that need not be computed). */
    public static boolean isZero(Expr e) {
        return e instanceof Expr.Num n && n.value() == 0;
    }

    /** {@code d e / d x}, where {@code x} names a state or {@code t}. */
    public Expr derivative(Expr e, String x) {
        return switch (e) {
            case Expr.Num n -> num(0);
            case Expr.Ref r -> ref(r.name(), x);
            case Expr.Unary u -> u.op() == '-' ? neg(derivative(u.operand(), x)) : num(0);
            case Expr.Binary b -> b.isComparison() || b.isLogical() ? num(0) : binary(b, x);
            case Expr.Call c -> call(c, x);
        };
    }

    private Expr ref(String name, String x) {
        if (name.equals(x)) {
            return num(1);
        }
        Expr aux = auxiliaries.get(name);
        if (aux != null) {
            String key = name + "\u0000" + x;
            Expr known = memo.get(key);
            if (known == null) {
                known = derivative(aux, x);
                memo.put(key, known);
            }
            return known;
        }
        if (drivers.contains(name) && x.equals(Builtins.TIME)) {
            throw new IllegalArgumentException("driver " + name + ": its time derivative is not available (the implicit methods need"
                    + " d f / d t of a non-autonomous system; use an explicit method for a system with drivers)");
        }
        return num(0); // a parameter, a constant, pi, a driver (for a state), or another state
    }

    private Expr binary(Expr.Binary b, String x) {
        Expr l = b.left();
        Expr r = b.right();
        Expr dl = derivative(l, x);
        Expr dr = derivative(r, x);
        return switch (b.op()) {
            case "+" -> add(dl, dr);
            case "-" -> sub(dl, dr);
            case "*" -> add(mul(dl, r), mul(l, dr));
            // (l / r)' = l' / r - l r' / r^2
            case "/" -> sub(div(dl, r), div(mul(l, dr), mul(r, r)));
            case "^" -> power(l, r, dl, dr);
            default -> throw new IllegalStateException("operator " + b.op());
        };
    }

    /** {@code (l ^ r)'}: {@code r l^(r-1) l'} for a constant exponent, else {@code l^r (r' log l + r l' / l)}. */
    private Expr power(Expr l, Expr r, Expr dl, Expr dr) {
        if (isZero(dr)) {
            if (r instanceof Expr.Num n) {
                return mul(mul(r, pow(l, num(n.value() - 1))), dl);
            }
            return mul(mul(r, pow(l, sub(r, num(1)))), dl);
        }
        return mul(pow(l, r), add(mul(dr, call("log", l)), div(mul(r, dl), l)));
    }

    private Expr call(Expr.Call c, String x) {
        List<Expr> a = c.args();
        Expr u = a.get(0);
        Expr du = derivative(u, x);
        return switch (c.function()) {
            case "sin" -> mul(call("cos", u), du);
            case "cos" -> neg(mul(call("sin", u), du));
            case "tan" -> div(du, mul(call("cos", u), call("cos", u)));
            case "asin" -> div(du, call("sqrt", sub(num(1), mul(u, u))));
            case "acos" -> neg(div(du, call("sqrt", sub(num(1), mul(u, u)))));
            case "atan" -> div(du, add(num(1), mul(u, u)));
            case "atan2" -> { // atan2(y, x)' = (x y' - y x') / (x^2 + y^2)
                Expr v = a.get(1);
                Expr dv = derivative(v, x);
                yield div(sub(mul(v, du), mul(u, dv)), add(mul(v, v), mul(u, u)));
            }
            case "sinh" -> mul(call("cosh", u), du);
            case "cosh" -> mul(call("sinh", u), du);
            case "tanh" -> mul(sub(num(1), mul(c, c)), du);
            case "exp" -> mul(c, du);
            case "log" -> div(du, u);
            case "log10" -> div(du, mul(u, num(Math.log(10))));
            case "sqrt" -> div(du, mul(num(2), c));
            case "abs" -> isZero(du) ? du : ifelse(new Expr.Binary("<", u, num(0), GENERATED), neg(du), du);
            case "pow" -> power(u, a.get(1), du, derivative(a.get(1), x));
            case "floor", "ceil" -> num(0);
            case "min", "max" -> extremum(c.function(), a, x);
            case "ifelse" -> {
                Expr d1 = derivative(a.get(1), x);
                Expr d2 = derivative(a.get(2), x);
                yield isZero(d1) && isZero(d2) ? num(0) : ifelse(u, d1, d2);
            }
            default -> throw new IllegalStateException("function " + c.function());
        };
    }

    /** {@code min(a0, a1, ...)'}: the derivative of the first argument that gives the value (likewise {@code max}). */
    private Expr extremum(String f, List<Expr> a, String x) {
        Expr d = derivative(a.get(a.size() - 1), x);
        Expr rest = a.get(a.size() - 1);
        // Fold from the right: min(a0, rest) is a0 where a0 <= rest.
        for (int i = a.size() - 2; i >= 0; i--) {
            Expr ai = a.get(i);
            Expr di = derivative(ai, x);
            if (!(isZero(di) && isZero(d))) {
                d = ifelse(new Expr.Binary(f.equals("min") ? "<=" : ">=", ai, rest, GENERATED), di, d);
            }
            rest = new Expr.Call(f, List.of(ai, rest), GENERATED);
        }
        return d;
    }

    // ------------------------------------------------------------------------------ simplifying constructors

    private static Expr num(double v) {
        return new Expr.Num(v, GENERATED);
    }

    private static boolean isOne(Expr e) {
        return e instanceof Expr.Num n && n.value() == 1;
    }

    private static Expr add(Expr a, Expr b) {
        if (isZero(a)) {
            return b;
        }
        if (isZero(b)) {
            return a;
        }
        if (a instanceof Expr.Num x && b instanceof Expr.Num y) {
            return num(x.value() + y.value());
        }
        if (b instanceof Expr.Unary u && u.op() == '-') {
            return sub(a, u.operand());
        }
        return new Expr.Binary("+", a, b, GENERATED);
    }

    private static Expr sub(Expr a, Expr b) {
        if (isZero(b)) {
            return a;
        }
        if (isZero(a)) {
            return neg(b);
        }
        if (a instanceof Expr.Num x && b instanceof Expr.Num y) {
            return num(x.value() - y.value());
        }
        return new Expr.Binary("-", a, b, GENERATED);
    }

    private static Expr mul(Expr a, Expr b) {
        if (isZero(a) || isZero(b)) {
            return num(0);
        }
        if (isOne(a)) {
            return b;
        }
        if (isOne(b)) {
            return a;
        }
        if (a instanceof Expr.Num x && b instanceof Expr.Num y) {
            return num(x.value() * y.value());
        }
        if (a instanceof Expr.Unary u && u.op() == '-') {
            return neg(mul(u.operand(), b));
        }
        if (b instanceof Expr.Unary u && u.op() == '-') {
            return neg(mul(a, u.operand()));
        }
        return new Expr.Binary("*", a, b, GENERATED);
    }

    private static Expr div(Expr a, Expr b) {
        if (isZero(a)) {
            return num(0);
        }
        if (isOne(b)) {
            return a;
        }
        if (a instanceof Expr.Num x && b instanceof Expr.Num y) {
            return num(x.value() / y.value());
        }
        return new Expr.Binary("/", a, b, GENERATED);
    }

    private static Expr neg(Expr a) {
        if (a instanceof Expr.Num n) {
            return num(-n.value());
        }
        if (a instanceof Expr.Unary u && u.op() == '-') {
            return u.operand();
        }
        return new Expr.Unary('-', a, GENERATED);
    }

    private static Expr pow(Expr a, Expr b) {
        if (isOne(b)) {
            return a;
        }
        if (isZero(b)) {
            return num(1);
        }
        return new Expr.Binary("^", a, b, GENERATED);
    }

    private static Expr call(String f, Expr a) {
        return new Expr.Call(f, List.of(a), GENERATED);
    }

    private static Expr ifelse(Expr c, Expr a, Expr b) {
        return new Expr.Call("ifelse", List.of(c, a, b), GENERATED);
    }
}
