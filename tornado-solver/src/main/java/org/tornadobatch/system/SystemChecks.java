package org.tornadobatch.system;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The checks that turn declarations and equations into an {@link OdeSystem}, each failing with a position. */
final class SystemChecks {
    /** The most states a system may have (see {@link OdeSystem#MAX_STATES}). */
    static final int MAX_STATES = OdeSystem.MAX_STATES;

    private SystemChecks() {
    }

    static OdeSystem check(String name, List<Variable> states, List<Variable> parameters, List<Variable> constantVars,
                           List<Variable> drivers, List<String> observables, List<SourcePos> observablePositions, List<Equation> equations, String sourceText) {
        if (states.isEmpty()) {
            throw new SystemDefinitionException(null, (sourceText != null && sourceText.isBlank() ? "the system is empty" : "the system has no states")
                    + " (expected: a 'states:' line such as 'states: x = 1' and a derivative 'dx = ...' for each; see examples/lorenz.ode)");
        }
        if (states.size() > MAX_STATES) {
            throw new SystemDefinitionException(states.get(MAX_STATES).pos().line() == 0 ? null : states.get(MAX_STATES).pos(),
                    states.size() + " states (at most " + MAX_STATES + ": every run keeps its state and stages in registers, and the"
                    + " generated kernel must compile)");
        }
        Map<String, String> kinds = new HashMap<>();
        Map<String, SourcePos> declaredAt = new HashMap<>();
        declare(kinds, declaredAt, states, "state");
        declare(kinds, declaredAt, parameters, "parameter");
        declare(kinds, declaredAt, constantVars, "constant");
        declare(kinds, declaredAt, drivers, "driver");
        Map<String, Double> constants = new LinkedHashMap<>();
        constantVars.forEach(v -> constants.put(v.name(), v.defaultValue()));

        // Sort equations into derivatives and auxiliaries.
        Map<String, Equation> derivatives = new LinkedHashMap<>();
        Map<String, Equation> auxiliaries = new LinkedHashMap<>();
        for (Equation e : equations) {
            String lhs = e.name();
            if (lhs.startsWith("d") && "state".equals(kinds.get(lhs.substring(1)))) {
                Equation previous = derivatives.put(lhs.substring(1), new Equation(lhs.substring(1), e.expression(), e.pos()));
                if (previous != null) {
                    throw new SystemDefinitionException(e.pos(), "'" + lhs + "' is defined twice (first at line " + previous.pos().line() + ")");
                }
                continue;
            }
            if (Builtins.isReserved(lhs)) {
                throw new SystemDefinitionException(e.pos(), "'" + lhs + "' is a built-in name and cannot be assigned; rename it");
            }
            if (kinds.containsKey(lhs)) {
                throw new SystemDefinitionException(e.pos(), "'" + lhs + "' is declared as a " + kinds.get(lhs)
                        + " and cannot also be an auxiliary; rename one of them");
            }
            Equation previous = auxiliaries.put(lhs, e);
            if (previous != null) {
                throw new SystemDefinitionException(e.pos(), "'" + lhs + "' is defined twice (first at line " + previous.pos().line() + ")");
            }
        }
        for (Equation aux : auxiliaries.values()) {
            kinds.put(aux.name(), "auxiliary");
        }

        // Every reference must be known; every expression must be a number, conditions only where they belong.
        for (Equation e : equations) {
            e.expression().forEachRef(r -> {
                if (!kinds.containsKey(r.name()) && !Builtins.NAMES.contains(r.name())) {
                    throw new SystemDefinitionException(r.pos(), unknown(r.name(), kinds.keySet()));
                }
            });
            checkNumeric(e.expression());
        }

        for (Variable s : states) {
            if (!derivatives.containsKey(s.name())) {
                throw new SystemDefinitionException(s.pos().line() == 0 ? null : s.pos(),
                        "state '" + s.name() + "' has no derivative; add 'd" + s.name() + " = ...'");
            }
        }

        Set<String> used = new LinkedHashSet<>();
        for (Equation e : equations) {
            e.expression().forEachRef(r -> used.add(r.name()));
        }
        for (int i = 0; i < observables.size(); i++) {
            String o = observables.get(i);
            if (!auxiliaries.containsKey(o)) {
                String what = kinds.containsKey(o) ? "'" + o + "' is a " + kinds.get(o) + "; observables are auxiliaries"
                        + (kinds.get(o).equals("state") ? " (states are saved anyway)" : "")
                        : "observable '" + o + "' has no equation; add '" + o + " = ...'";
                throw new SystemDefinitionException(observablePositions.get(i).line() == 0 ? null : observablePositions.get(i), what);
            }
        }
        for (Equation aux : auxiliaries.values()) {
            String n = aux.name();
            if (n.length() > 1 && n.startsWith("d") && !used.contains(n) && !observables.contains(n)) {
                throw new SystemDefinitionException(aux.pos(), "'" + n + "' looks like a derivative but '" + n.substring(1)
                        + "' is not a state; declare '" + n.substring(1) + "' under states:, or use '" + n
                        + "' somewhere (or list it as an observable) if it is an auxiliary");
            }
        }

        List<Equation> ordered = order(auxiliaries);
        List<Equation> derivativeList = new ArrayList<>();
        for (Variable s : states) {
            derivativeList.add(derivatives.get(s.name()));
        }
        List<String> driverNames = drivers.stream().map(Variable::name).toList();
        String text = sourceText != null ? sourceText : Printer.render(name, states, parameters, constants, driverNames, observables, equations);
        return new OdeSystem(name, states, parameters, constants, driverNames, ordered, derivativeList, observables, text);
    }

    private static void declare(Map<String, String> kinds, Map<String, SourcePos> at, List<Variable> vars, String kind) {
        for (Variable v : vars) {
            if (!v.name().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new SystemDefinitionException(v.pos().line() == 0 ? null : v.pos(), "'" + v.name()
                        + "' is not a valid name (expected: a letter or '_', then letters, digits or '_')");
            }
            if (!Double.isFinite(v.defaultValue())) {
                throw new SystemDefinitionException(v.pos().line() == 0 ? null : v.pos(), "the value of " + kind + " '" + v.name()
                        + "' is " + v.defaultValue() + " (expected: a finite number)");
            }
            if (Builtins.isReserved(v.name())) {
                throw new SystemDefinitionException(v.pos().line() == 0 ? null : v.pos(), "'" + v.name()
                        + "' is a built-in name (a function, t or pi); rename the " + kind);
            }
            String previous = kinds.putIfAbsent(v.name(), kind);
            if (previous != null) {
                SourcePos first = at.get(v.name());
                throw new SystemDefinitionException(v.pos().line() == 0 ? null : v.pos(), "'" + v.name() + "' is declared twice (as a "
                        + previous + (first.line() > 0 ? " at line " + first.line() : "") + " and as a " + kind + ")");
            }
            at.put(v.name(), v.pos());
        }
    }

    private static void checkNumeric(Expr e) {
        if (e.isCondition()) {
            throw new SystemDefinitionException(e.pos(), "a condition is not a number; use ifelse(condition, a, b)");
        }
        walk(e);
    }

    private static void walk(Expr e) {
        switch (e) {
            case Expr.Num n -> { }
            case Expr.Ref r -> { }
            case Expr.Unary u -> {
                if (u.op() == '!') {
                    checkCondition(u.operand());
                } else {
                    checkNumeric(u.operand());
                }
            }
            case Expr.Binary b -> {
                if (b.isLogical()) {
                    checkCondition(b.left());
                    checkCondition(b.right());
                } else {
                    checkNumeric(b.left());
                    checkNumeric(b.right());
                }
            }
            case Expr.Call c -> {
                for (int i = 0; i < c.args().size(); i++) {
                    if (i == 0 && c.function().equals("ifelse")) {
                        checkCondition(c.args().get(0));
                    } else {
                        checkNumeric(c.args().get(i));
                    }
                }
            }
        }
    }

    private static void checkCondition(Expr e) {
        if (!e.isCondition()) {
            throw new SystemDefinitionException(e.pos(), "expected a condition (a comparison such as x > 0), found a number");
        }
        walk(e);
    }

    /** Auxiliaries in dependency order; a cycle is an error that names it. */
    private static List<Equation> order(Map<String, Equation> aux) {
        List<Equation> out = new ArrayList<>();
        Map<String, Integer> state = new HashMap<>(); // 1 visiting, 2 done
        for (String n : aux.keySet()) {
            visit(n, aux, state, out, new ArrayList<>());
        }
        return out;
    }

    private static void visit(String n, Map<String, Equation> aux, Map<String, Integer> state, List<Equation> out, List<String> path) {
        Integer s = state.get(n);
        if (s != null && s == 2) {
            return;
        }
        Equation e = aux.get(n);
        if (s != null) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(n), path.size()));
            cycle.add(n);
            throw new SystemDefinitionException(e.pos(), "auxiliaries depend on each other in a cycle: " + String.join(" -> ", cycle));
        }
        state.put(n, 1);
        path.add(n);
        e.expression().forEachRef(r -> {
            if (aux.containsKey(r.name())) {
                visit(r.name(), aux, state, out, path);
            }
        });
        path.remove(path.size() - 1);
        state.put(n, 2);
        out.add(e);
    }

    static String unknown(String name, Set<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = distance(name, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return "unknown symbol '" + name + "'" + (best != null ? " (did you mean '" + best + "'?)" : "")
                + "; declare it under states:, parameters: or constants:, or define it as 'name = ...'";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
