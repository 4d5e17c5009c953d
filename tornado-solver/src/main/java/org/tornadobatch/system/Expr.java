package org.tornadobatch.system;

import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * An expression of a system's equations: a tree of numbers, names, operators and function calls. Each node
 * knows where it came from ({@link SourcePos}) so that errors can point at it.
 */
public sealed interface Expr {
    /** Where the expression starts in the system's text. */
    SourcePos pos();

    /** A number. */
    record Num(double value, SourcePos pos) implements Expr {
    }

    /** A reference to a state, parameter, constant, auxiliary, {@code t} or {@code pi}. */
    record Ref(String name, SourcePos pos) implements Expr {
    }

    /** Unary minus ({@code -x}) or logical not ({@code !c}). */
    record Unary(char op, Expr operand, SourcePos pos) implements Expr {
    }

    /**
     * A binary operator: arithmetic {@code + - * / ^}, comparisons {@code < <= > >= == !=} and logic
     * {@code && ||}.
     */
    record Binary(String op, Expr left, Expr right, SourcePos pos) implements Expr {
        /** Whether the operator is a comparison ({@code < <= > >= == !=}). */
        public boolean isComparison() {
            return COMPARISONS.contains(op);
        }

        /** Whether the operator is logical ({@code && ||}). */
        public boolean isLogical() {
            return op.equals("&&") || op.equals("||");
        }
    }

    /** A call of a built-in function, including {@code ifelse(cond, a, b)}. */
    record Call(String function, List<Expr> args, SourcePos pos) implements Expr {
        /** Copies the arguments. */
        public Call {
            args = List.copyOf(args);
        }
    }

    /** The comparison operators. */
    Set<String> COMPARISONS = Set.of("<", "<=", ">", ">=", "==", "!=");

    /** True for expressions that yield a truth value (comparisons, logic, not). */
    default boolean isCondition() {
        return switch (this) {
            case Binary b -> b.isComparison() || b.isLogical();
            case Unary u -> u.op() == '!';
            default -> false;
        };
    }

    /**
     * Whether two expressions compute the same value by the same operations: the same tree, wherever they were
     * written, with the operands of {@code +} and {@code *} in either order (IEEE addition and multiplication
     * commute exactly), and a name that {@code definitions} defines (an auxiliary) the same as its definition.
     */
    static boolean sameValue(Expr a, Expr b, java.util.function.Function<String, Expr> definitions) {
        Expr da = a instanceof Ref r ? definitions.apply(r.name()) : null;
        if (da != null) {
            return sameValue(da, b, definitions);
        }
        Expr db = b instanceof Ref r ? definitions.apply(r.name()) : null;
        if (db != null) {
            return sameValue(a, db, definitions);
        }
        return switch (a) {
            case Num x -> b instanceof Num y && Double.compare(x.value(), y.value()) == 0;
            case Ref x -> b instanceof Ref y && x.name().equals(y.name());
            case Unary x -> b instanceof Unary y && x.op() == y.op() && sameValue(x.operand(), y.operand(), definitions);
            case Binary x -> b instanceof Binary y && x.op().equals(y.op())
                    && (sameValue(x.left(), y.left(), definitions) && sameValue(x.right(), y.right(), definitions)
                        || (x.op().equals("+") || x.op().equals("*"))
                            && sameValue(x.left(), y.right(), definitions) && sameValue(x.right(), y.left(), definitions));
            case Call x -> b instanceof Call y && x.function().equals(y.function()) && x.args().size() == y.args().size()
                    && java.util.stream.IntStream.range(0, x.args().size())
                        .allMatch(i -> sameValue(x.args().get(i), y.args().get(i), definitions));
        };
    }

    /** Visits every number in this expression. */
    default void forEachNumber(Consumer<Num> action) {
        switch (this) {
            case Num n -> action.accept(n);
            case Ref r -> { }
            case Unary u -> u.operand().forEachNumber(action);
            case Binary b -> {
                b.left().forEachNumber(action);
                b.right().forEachNumber(action);
            }
            case Call c -> c.args().forEach(a -> a.forEachNumber(action));
        }
    }

    /** Visits every name this expression refers to. */
    default void forEachRef(Consumer<Ref> action) {
        switch (this) {
            case Num n -> { }
            case Ref r -> action.accept(r);
            case Unary u -> u.operand().forEachRef(action);
            case Binary b -> {
                b.left().forEachRef(action);
                b.right().forEachRef(action);
            }
            case Call c -> c.args().forEach(a -> a.forEachRef(action));
        }
    }
}
