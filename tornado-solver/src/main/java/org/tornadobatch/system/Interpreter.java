package org.tornadobatch.system;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates a system on the host, by walking its expression trees: slow, but independent of the kernel
 * generator. Tests use it as a reference right-hand side (e.g. for Hipparchus).
 */
public final class Interpreter {
    private final OdeSystem system;
    private final Map<String, java.util.function.DoubleUnaryOperator> drivers;
    private List<List<Expr>> jacobian;

    /** An interpreter of a system without drivers. */
    public Interpreter(OdeSystem system) {
        this(system, Map.of());
    }

    /** An interpreter of a system with drivers: each driver's value as a function of time. */
    public Interpreter(OdeSystem system, Map<String, java.util.function.DoubleUnaryOperator> drivers) {
        this.system = system;
        this.drivers = Map.copyOf(drivers);
        for (String d : system.drivers()) {
            if (!this.drivers.containsKey(d)) {
                throw new IllegalArgumentException("driver " + d + " has no function (expected one for each of " + system.drivers() + ")");
            }
        }
    }

    /** Fills {@code dydt} with the derivatives at {@code t}, state {@code y} and parameters {@code p}. */
    public void derivatives(double t, double[] y, double[] p, double[] dydt) {
        Map<String, Double> env = environment(t, y, p);
        List<Equation> d = system.derivatives();
        for (int i = 0; i < d.size(); i++) {
            dydt[i] = eval(d.get(i).expression(), env);
        }
    }

    /**
     * The Jacobian {@code d f_i / d y_j} at {@code t}, {@code y}, {@code p}, evaluated from its symbolic derivatives
     * ({@link Differentiation#jacobian}).
     */
    public double[][] jacobian(double t, double[] y, double[] p) {
        if (jacobian == null) {
            jacobian = Differentiation.jacobian(system);
        }
        Map<String, Double> env = environment(t, y, p);
        double[][] out = new double[jacobian.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = jacobian.get(i).stream().mapToDouble(e -> eval(e, env)).toArray();
        }
        return out;
    }

    /** {@code d f_i / d t} at {@code t}, {@code y}, {@code p} ({@link Differentiation#timeDerivatives}). */
    public double[] timeDerivatives(double t, double[] y, double[] p) {
        Map<String, Double> env = environment(t, y, p);
        return Differentiation.timeDerivatives(system).stream().mapToDouble(e -> eval(e, env)).toArray();
    }

    /** The observables at {@code t}, {@code y}, {@code p}, in the system's order. */
    public double[] observables(double t, double[] y, double[] p) {
        Map<String, Double> env = environment(t, y, p);
        return system.observables().stream().mapToDouble(env::get).toArray();
    }

    private Map<String, Double> environment(double t, double[] y, double[] p) {
        Map<String, Double> env = new HashMap<>();
        env.put("t", t);
        for (String d : system.drivers()) {
            env.put(d, drivers.get(d).applyAsDouble(t));
        }
        for (int i = 0; i < y.length; i++) {
            env.put(system.states().get(i).name(), y[i]);
        }
        for (int i = 0; i < p.length; i++) {
            env.put(system.parameters().get(i).name(), p[i]);
        }
        for (Equation a : system.auxiliaries()) {
            env.put(a.name(), eval(a.expression(), env));
        }
        return env;
    }

    static double eval(Expr e, Map<String, Double> env) {
        return switch (e) {
            case Expr.Num n -> n.value();
            case Expr.Ref r -> r.name().equals("pi") ? Math.PI : env.get(r.name());
            case Expr.Unary u -> u.op() == '-' ? -eval(u.operand(), env) : (truth(u.operand(), env) ? 0 : 1);
            case Expr.Binary b -> b.isComparison() || b.isLogical() ? (truth(b, env) ? 1 : 0)
                    : Folding.arithmetic(b.op(), eval(b.left(), env), eval(b.right(), env));
            case Expr.Call c -> {
                if (c.function().equals("ifelse")) {
                    yield truth(c.args().get(0), env) ? eval(c.args().get(1), env) : eval(c.args().get(2), env);
                }
                double[] a = c.args().stream().mapToDouble(x -> eval(x, env)).toArray();
                yield Folding.function(c.function(), a);
            }
        };
    }

    static boolean truth(Expr e, Map<String, Double> env) {
        return switch (e) {
            case Expr.Unary u when u.op() == '!' -> !truth(u.operand(), env);
            case Expr.Binary b when b.op().equals("&&") -> truth(b.left(), env) && truth(b.right(), env);
            case Expr.Binary b when b.op().equals("||") -> truth(b.left(), env) || truth(b.right(), env);
            case Expr.Binary b when b.isComparison() -> {
                double l = eval(b.left(), env);
                double r = eval(b.right(), env);
                yield switch (b.op()) {
                    case "<" -> l < r;
                    case "<=" -> l <= r;
                    case ">" -> l > r;
                    case ">=" -> l >= r;
                    case "==" -> l == r;
                    default -> l != r;
                };
            }
            default -> throw new IllegalStateException("not a condition: " + Printer.print(e));
        };
    }
}
