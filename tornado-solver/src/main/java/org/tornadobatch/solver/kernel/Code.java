package org.tornadobatch.solver.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.tornadobatch.system.Expr;

/**
 * The statements a kernel's writers produce ({@link KernelGenerator}, {@link StepWriter}, {@link SummaryWriter})
 * and {@link Printer} prints in a {@link Dialect}. What differs between dialects is a node: types (64-bit
 * integers, booleans), the qualifier of constants, loads and stores of batch arrays, math functions, literals
 * of the working type, NaN and infinities, the tolerance vectors, the system's own expressions (the parser's
 * {@link Expr} trees, printed by {@link ExpressionWriter}), and the control flow around a failure: leaving the
 * event loop, or, where a dialect's loops may end only through their conditions, nesting what follows in an else
 * branch ({@link St.Guard}, {@link St.AfterSteps}). Between the nodes, expressions are tokens in the syntax every
 * dialect shares (names, decimal literals, arithmetic, comparisons, the conditional operator).
 */
final class Code {
    private Code() {
    }

    /** A type: {@link #DOUBLE}, {@link #FLOAT} and {@link #INT} print the same everywhere; {@link #INT64} and {@link #BOOL} per dialect. */
    enum Ty {
        DOUBLE, FLOAT, INT, INT64, BOOL;

        /** The working type of a kernel in float32 ({@code single}) or float64. */
        static Ty real(boolean single) {
            return single ? FLOAT : DOUBLE;
        }
    }

    /** An expression. */
    sealed interface Ex {
    }

    /** Tokens and nodes printed one after another (a token is dialect-neutral text; see the class comment). */
    record Cat(List<Object> parts) implements Ex {
    }

    /** A literal of the working type (float32 where {@code single}): {@code 0.5f}, {@code (-2.0)}, a dialect's NaN. */
    record Lit(double value, boolean single) implements Ex {
    }

    /** A math function ({@code sin}, {@code abs}, {@code min}, ...) of the arguments, by the dialect's name for it. */
    record Call(String function, List<Ex> args) implements Ex {
    }

    /** {@code a / b} in float32 to a few digits (the dialect's fastest division: {@link Dialect#approximateQuotient}). */
    record ApproximateQuotient(Ex a, Ex b) implements Ex {
    }

    /** {@code (type) value}. */
    record Cast(Ty type, Ex value) implements Ex {
    }

    /** Element {@code index} of batch array {@code array}, whose layout is F64, F32 or I32. */
    record Load(String array, String layout, Ex index) implements Ex {
    }

    /** Element {@code i} of the tolerance vector {@code which} (atol or rtol). */
    record Tolerance(String which, int i) implements Ex {
    }

    /** NaN of the working type. */
    record NaN(boolean single) implements Ex {
    }

    /** An infinity of the working type. */
    record Infinity(boolean single, boolean positive) implements Ex {
    }

    /** A system expression, its names (states, parameters, auxiliaries, t) bound to expressions. */
    record Sys(Expr expr, boolean single, Map<String, Ex> names) implements Ex {
    }

    /** A statement. */
    sealed interface St {
    }

    /** One variable of a declaration, with its initial value (or none). */
    record Var(String name, Ex init) {
    }

    /** {@code [const] type a = x, b = y;} */
    record Declare(boolean constant, Ty type, List<Var> vars) implements St {
    }

    /** {@code target op value;} for op {@code =}, {@code +=}, {@code |=}, ... */
    record Assign(String target, String op, Ex value) implements St {
    }

    /** {@code name++;} */
    record Increment(String name) implements St {
    }

    /** Writes {@code value} to element {@code index} of batch array {@code array}. */
    record Store(String array, String layout, Ex index, Ex value) implements St {
    }

    /** {@code if (cond) { then } else { otherwise }}; no else where {@code otherwise} is null. */
    record If(Ex cond, List<St> then, List<St> otherwise) implements St {
    }

    /** {@code for (type var = from; cond; update) { body }}. */
    record For(Ty type, String var, Ex from, Ex cond, String update, List<St> body) implements St {
    }

    /** A nested block. */
    record Block(List<St> body) implements St {
    }

    /** The loop over a run's events ({@code e}), left by {@link Leave} or, in structured dialects, by the status. */
    record EventLoop(List<St> body) implements St {
    }

    /** The loop of a run's attempted steps up to the event {@code tEv}. */
    record StepLoop(List<St> body) implements St {
    }

    /** Leaves the event loop after a failure (nothing where the loop conditions end it). */
    record Leave() implements St {
    }

    /**
     * {@code if (cond) { onFail } rest}, where {@code onFail} records a failure that ends the event loop: followed by
     * {@code exit} ({@link Leave} or a plain {@code break} of the enclosing loop) in dialects that leave loops early,
     * and with {@code rest} in the else branch in structured ones.
     */
    record Guard(Ex cond, List<St> onFail, St exit, List<St> rest) implements St {
    }

    /** A plain {@code break;} of the innermost loop (only in {@link Guard#exit}, printed where loops may be left). */
    record Break() implements St {
    }

    /**
     * What follows the step loop within an event: in a structured dialect only where the run has not failed
     * ({@code if (code == 0)}), since there the step loop ends through its condition after a failure.
     */
    record AfterSteps(List<St> body) implements St {
    }

    // ------------------------------------------------------------------------------------------ building

    /** {@code Cat} of tokens (strings, numbers) and expressions. */
    static Ex ex(Object... parts) {
        return new Cat(List.of(parts));
    }

    static Ex call(String function, Ex... args) {
        return new Call(function, List.of(args));
    }

    static Var var(String name, Object... init) {
        return new Var(name, init.length == 0 ? null : init.length == 1 && init[0] instanceof Ex e ? e : ex(init));
    }

    /** A list of statements, built in order; nested bodies are built by the lambdas given. */
    static final class Body {
        private final List<St> out = new ArrayList<>();

        List<St> statements() {
            return List.copyOf(out);
        }

        static List<St> of(Consumer<Body> build) {
            Body b = new Body();
            build.accept(b);
            return b.statements();
        }

        Body add(St s) {
            out.add(s);
            return this;
        }

        Body addAll(List<St> s) {
            out.addAll(s);
            return this;
        }

        /** {@code type name = init} (a constant where {@code constant}); {@code init} of tokens and expressions, or none. */
        Body declare(boolean constant, Ty type, String name, Object... init) {
            return add(new Declare(constant, type, List.of(var(name, init))));
        }

        Body declare(boolean constant, Ty type, Var... vars) {
            return add(new Declare(constant, type, Arrays.asList(vars)));
        }

        Body assign(String target, Object... value) {
            return add(new Assign(target, "=", value.length == 1 && value[0] instanceof Ex e ? e : ex(value)));
        }

        Body update(String target, String op, Object... value) {
            return add(new Assign(target, op, value.length == 1 && value[0] instanceof Ex e ? e : ex(value)));
        }

        Body increment(String name) {
            return add(new Increment(name));
        }

        Body store(String array, String layout, Ex index, Ex value) {
            return add(new Store(array, layout, index, value));
        }

        Body when(Ex cond, Consumer<Body> then) {
            return add(new If(cond, of(then), null));
        }

        Body when(Ex cond, Consumer<Body> then, Consumer<Body> otherwise) {
            return add(new If(cond, of(then), of(otherwise)));
        }

        Body loop(Ty type, String var, Ex from, Ex cond, String update, Consumer<Body> body) {
            return add(new For(type, var, from, cond, update, of(body)));
        }

        Body block(Consumer<Body> body) {
            return add(new Block(of(body)));
        }

        Body leave() {
            return add(new Leave());
        }
    }
}
