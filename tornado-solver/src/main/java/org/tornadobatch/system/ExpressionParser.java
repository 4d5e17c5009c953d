package org.tornadobatch.system;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses one expression (recursive descent). Precedence, loosest first: {@code ||}, {@code &&}, comparisons,
 * {@code + -}, {@code * /}, unary {@code - + !}, power {@code ^ **} (right-associative, binding tighter than
 * unary minus on its left: {@code -x^2 = -(x^2)}).
 */
final class ExpressionParser {
    /**
     * The deepest expression tree accepted (a sum of n terms is n deep, each parenthesis or unary minus one more):
     * the folding, the code generators and the compilers after them recurse over the tree, and past a few thousand
     * levels run out of stack. Longer expressions are split into auxiliaries.
     */
    static final int MAX_DEPTH = 1000;

    /**
     * The most nested parentheses, signs, powers and calls: the parser recurses through eight methods per level,
     * so this bounds its own stack (about 1 MB on the JVM's main thread) well before {@link #MAX_DEPTH}.
     */
    static final int MAX_NESTING = 200;

    private final String text;
    private int nesting;
    private final String source;
    private final int line;
    private final int columnOffset;
    private int i;

    /** {@code columnOffset}: the column (0-based) in the line where {@code text} starts. */
    ExpressionParser(String text, String source, int line, int columnOffset) {
        this.text = text;
        this.source = source;
        this.line = line;
        this.columnOffset = columnOffset;
    }

    static Expr parse(String text, String source, int line, int columnOffset) {
        ExpressionParser p = new ExpressionParser(text, source, line, columnOffset);
        p.skipSpace();
        if (p.i >= text.length()) {
            throw p.error(p.i, "expected an expression, found the end of the line");
        }
        Expr e = p.or();
        p.skipSpace();
        if (p.i < text.length()) {
            throw p.error(p.i, "unexpected '" + p.tokenAt(p.i) + "' after a complete expression");
        }
        int depth = depth(e);
        if (depth > MAX_DEPTH) {
            throw tooDeep(p.pos(0), depth + " levels deep");
        }
        return e;
    }

    private static SystemDefinitionException tooDeep(SourcePos pos, String what) {
        return new SystemDefinitionException(pos, "the expression is " + what + " (at most " + MAX_DEPTH
                + "; a sum or product of n terms is n deep): split it into auxiliaries, e.g. s1 = a + b + ..., then s1 + ...");
    }

    /** The depth of {@code e}'s tree, counted without recursion (a sum of many terms is a deep tree). */
    static int depth(Expr e) {
        java.util.ArrayDeque<Object[]> stack = new java.util.ArrayDeque<>();
        stack.push(new Object[] {e, 1});
        int max = 0;
        while (!stack.isEmpty()) {
            Object[] top = stack.pop();
            int d = (Integer) top[1];
            max = Math.max(max, d);
            switch ((Expr) top[0]) {
                case Expr.Unary u -> stack.push(new Object[] {u.operand(), d + 1});
                case Expr.Binary b -> {
                    stack.push(new Object[] {b.left(), d + 1});
                    stack.push(new Object[] {b.right(), d + 1});
                }
                case Expr.Call c -> c.args().forEach(a -> stack.push(new Object[] {a, d + 1}));
                default -> { }
            }
        }
        return max;
    }

    /** Guards the parser's own recursion (parentheses, unary operators, powers, calls). */
    private void enter(int at) {
        if (++nesting > MAX_NESTING) {
            throw new SystemDefinitionException(pos(at), "the expression nests parentheses, signs, powers or calls more than "
                    + MAX_NESTING + " levels deep (at most " + MAX_NESTING + "): split it into auxiliaries, e.g. s1 = (...), then s1 * ...");
        }
    }

    private Expr or() {
        enter(i);
        Expr left = and();
        while (accept("||")) {
            SourcePos pos = pos(i - 2);
            left = new Expr.Binary("||", left, and(), pos);
        }
        nesting--;
        return left;
    }

    private Expr and() {
        Expr left = comparison();
        while (accept("&&")) {
            SourcePos pos = pos(i - 2);
            left = new Expr.Binary("&&", left, comparison(), pos);
        }
        return left;
    }

    private Expr comparison() {
        Expr left = additive();
        for (String op : new String[] {"<=", ">=", "==", "!=", "<", ">"}) {
            int at = peekAt();
            if (accept(op)) {
                Expr right = additive();
                Expr e = new Expr.Binary(op, left, right, pos(at));
                skipSpace();
                for (String again : new String[] {"<", ">", "==", "!="}) {
                    if (text.startsWith(again, i)) {
                        throw error(i, "comparisons do not chain; write (a < b) && (b < c)");
                    }
                }
                return e;
            }
        }
        return left;
    }

    private Expr additive() {
        Expr left = multiplicative();
        while (true) {
            int at = peekAt();
            if (at < text.length() && (text.charAt(at) == '+' || text.charAt(at) == '-')) {
                i = at + 1;
                left = new Expr.Binary(String.valueOf(text.charAt(at)), left, multiplicative(), pos(at));
            } else {
                return left;
            }
        }
    }

    private Expr multiplicative() {
        Expr left = unary();
        while (true) {
            int at = peekAt();
            if (at < text.length() && (text.charAt(at) == '/' || (text.charAt(at) == '*' && !text.startsWith("**", at)))) {
                i = at + 1;
                left = new Expr.Binary(String.valueOf(text.charAt(at)), left, unary(), pos(at));
            } else {
                return left;
            }
        }
    }

    private Expr unary() {
        int at = peekAt();
        if (at < text.length()) {
            char c = text.charAt(at);
            if (c == '-' || c == '!' || c == '+') {
                i = at + 1;
                enter(at);
                Expr operand = unary();
                nesting--;
                return c == '+' ? operand : new Expr.Unary(c, operand, pos(at));
            }
        }
        return power();
    }

    private Expr power() {
        Expr base = primary();
        int at = peekAt();
        if (text.startsWith("^", at) || text.startsWith("**", at)) {
            i = at + (text.charAt(at) == '^' ? 1 : 2);
            enter(at);
            Expr exponent = unary();
            nesting--;
            return new Expr.Binary("^", base, exponent, pos(at));
        }
        return base;
    }

    private Expr primary() {
        int at = peekAt();
        if (at >= text.length()) {
            throw error(at, "expected a number, a name or '(', found the end of the line");
        }
        char c = text.charAt(at);
        if (c == '(') {
            i = at + 1;
            Expr e = or();
            expect(')', "to close the '(' at column " + (columnOffset + at + 1));
            return e;
        }
        if (Character.isDigit(c) || (c == '.' && at + 1 < text.length() && Character.isDigit(text.charAt(at + 1)))) {
            return number(at);
        }
        if (Character.isLetter(c) || c == '_') {
            int end = at;
            while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
                end++;
            }
            String name = text.substring(at, end);
            i = end;
            if (peekAt() < text.length() && text.charAt(peekAt()) == '(') {
                return call(name, at);
            }
            return new Expr.Ref(name, pos(at));
        }
        throw error(at, "unexpected '" + tokenAt(at) + "'; expected a number, a name or '('");
    }

    private Expr call(String name, int at) {
        int[] arity = Builtins.FUNCTIONS.get(name);
        if (arity == null) {
            throw error(at, "unknown function '" + name + "'; known: " + new java.util.TreeSet<>(Builtins.FUNCTIONS.keySet()));
        }
        i = peekAt() + 1;
        List<Expr> args = new ArrayList<>();
        if (peekAt() < text.length() && text.charAt(peekAt()) == ')') {
            i = peekAt() + 1;
        } else {
            do {
                args.add(or());
            } while (accept(","));
            expect(')', "to close the call of " + name);
        }
        if (args.size() < arity[0] || args.size() > arity[1]) {
            String want = arity[0] == arity[1] ? String.valueOf(arity[0])
                    : arity[1] == Integer.MAX_VALUE ? "at least " + arity[0] : arity[0] + " to " + arity[1];
            throw error(at, name + "() takes " + want + " argument" + (want.equals("1") ? "" : "s") + ", given " + args.size());
        }
        return new Expr.Call(name, args, pos(at));
    }

    private Expr number(int at) {
        int end = at;
        while (end < text.length() && (Character.isDigit(text.charAt(end)) || text.charAt(end) == '.')) {
            end++;
        }
        if (end < text.length() && (text.charAt(end) == 'e' || text.charAt(end) == 'E')) {
            int exp = end + 1;
            if (exp < text.length() && (text.charAt(exp) == '+' || text.charAt(exp) == '-')) {
                exp++;
            }
            if (exp < text.length() && Character.isDigit(text.charAt(exp))) {
                end = exp;
                while (end < text.length() && Character.isDigit(text.charAt(end))) {
                    end++;
                }
            } else {
                throw error(end, "malformed number '" + text.substring(at, Math.min(exp + 1, text.length())) + "'");
            }
        }
        String literal = text.substring(at, end);
        if (end < text.length() && (Character.isLetter(text.charAt(end)) || text.charAt(end) == '_')) {
            throw error(at, "malformed number '" + literal + tokenAt(end) + "'; write a '*' between a number and a name");
        }
        double value;
        try {
            value = Double.parseDouble(literal);
        } catch (NumberFormatException e) {
            throw error(at, "malformed number '" + literal + "'");
        }
        if (Double.isInfinite(value)) {
            throw error(at, "number '" + literal + "' is too large for a double (at most about 1.8e308)");
        }
        i = end;
        return new Expr.Num(value, pos(at));
    }

    private boolean accept(String token) {
        int at = peekAt();
        if (text.startsWith(token, at)) {
            i = at + token.length();
            return true;
        }
        return false;
    }

    private void expect(char c, String why) {
        int at = peekAt();
        if (at >= text.length()) {
            throw error(at, "expected '" + c + "' " + why + ", found the end of the line");
        }
        if (text.charAt(at) != c) {
            throw error(at, "expected '" + c + "' " + why + ", found '" + tokenAt(at) + "'");
        }
        i = at + 1;
    }

    private int peekAt() {
        skipSpace();
        return i;
    }

    private void skipSpace() {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
    }

    private String tokenAt(int at) {
        if (at >= text.length()) {
            return "end of line";
        }
        char c = text.charAt(at);
        if (Character.isLetterOrDigit(c) || c == '_') {
            int end = at;
            while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_' || text.charAt(end) == '.')) {
                end++;
            }
            return text.substring(at, end);
        }
        return String.valueOf(c);
    }

    private SourcePos pos(int at) {
        return new SourcePos(source, line, columnOffset + at + 1);
    }

    private SystemDefinitionException error(int at, String message) {
        return new SystemDefinitionException(pos(at), message);
    }
}
