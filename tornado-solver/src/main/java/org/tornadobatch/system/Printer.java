package org.tornadobatch.system;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Renders expressions and systems back to the text format (fully parenthesised where it matters). */
final class Printer {
    private Printer() {
    }

    static String print(Expr e) {
        return switch (e) {
            case Expr.Num n -> Double.toString(n.value());
            case Expr.Ref r -> r.name();
            case Expr.Unary u -> u.op() + "(" + print(u.operand()) + ")";
            case Expr.Binary b -> "(" + print(b.left()) + " " + b.op() + " " + print(b.right()) + ")";
            case Expr.Call c -> c.function() + "(" + c.args().stream().map(Printer::print).collect(Collectors.joining(", ")) + ")";
        };
    }

    static String render(String name, List<Variable> states, List<Variable> parameters, Map<String, Double> constants,
                         List<String> drivers, List<String> observables, List<Equation> equations) {
        StringBuilder sb = new StringBuilder("name: ").append(name).append('\n');
        sb.append("states: ").append(vars(states)).append('\n');
        if (!parameters.isEmpty()) {
            sb.append("parameters: ").append(vars(parameters)).append('\n');
        }
        if (!constants.isEmpty()) {
            sb.append("constants: ").append(constants.entrySet().stream().map(c -> c.getKey() + " = " + c.getValue())
                    .collect(Collectors.joining(", "))).append('\n');
        }
        if (!drivers.isEmpty()) {
            sb.append("drivers: ").append(String.join(", ", drivers)).append('\n');
        }
        if (!observables.isEmpty()) {
            sb.append("observables: ").append(String.join(", ", observables)).append('\n');
        }
        for (Equation e : equations) {
            sb.append(e.name()).append(" = ").append(print(e.expression())).append('\n');
        }
        return sb.toString();
    }

    private static String vars(List<Variable> vars) {
        return vars.stream().map(v -> v.name() + " = " + v.defaultValue()).collect(Collectors.joining(", "));
    }
}
