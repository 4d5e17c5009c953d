package org.tornadobatch.system;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses one expression (recursive descent). Precedence, loosest first: {@code ||}, {@code &&}, comparisons,
 * {@code + -}, {@code * /}, unary {@code - + !}, power {@code ^ **} (right-associative, binding tighter than
 * unary minus on its left: {@code -x^2 = -(x^2)}).
 */
final class ExpressionParser {
    private final String text;
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
        return e;
    }

    private Expr or() {
        Expr left = and();
        while (accept("||")) {
            SourcePos pos = pos(i - 2);
            left = new Expr.Binary("||", left, and(), pos);
        }
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
            if (c == '-' || c == '!') {
                i = at + 1;
                return new Expr.Unary(c, unary(), pos(at));
            }
            if (c == '+') {
                i = at + 1;
                return unary();
            }
        }
        return power();
    }

    private Expr power() {
        Expr base = primary();
        int at = peekAt();
        if (text.startsWith("^", at) || text.startsWith("**", at)) {
            i = at + (text.charAt(at) == '^' ? 1 : 2);
            return new Expr.Binary("^", base, unary(), pos(at));
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
        try {
            i = end;
            return new Expr.Num(Double.parseDouble(literal), pos(at));
        } catch (NumberFormatException e) {
            throw error(at, "malformed number '" + literal + "'");
        }
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
