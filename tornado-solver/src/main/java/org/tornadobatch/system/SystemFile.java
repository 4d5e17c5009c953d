package org.tornadobatch.system;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text format: one item per line, {@code #} starts a comment.
 * <pre>
 * name: lorenz
 * states: x = 1.0, y = 0.0, z = 0.0        # initial values (default 0)
 * parameters: sigma = 10.0, rho = 28.0     # vary per run (default 0)
 * constants: beta = 8/3                    # compiled into the kernel
 * drivers: u                               # time-sampled inputs, given with the solve
 * observables: r                           # auxiliaries to record
 * dx = sigma * (y - x)                     # derivative of state x
 * r = sqrt(x^2 + y^2 + z^2)                # an auxiliary
 * </pre>
 * Declared values are constant expressions (numbers, {@code pi}, earlier constants, functions).
 */
final class SystemFile {
    private static final List<String> SECTIONS = List.of("name", "states", "parameters", "constants", "drivers", "observables");

    private SystemFile() {
    }

    static OdeSystem parse(String text, String source) {
        if (text.startsWith("\uFEFF")) { // a byte-order mark, as some editors write
            text = text.substring(1);
        }
        String defaultName = source;
        int slash = Math.max(defaultName.lastIndexOf('/'), defaultName.lastIndexOf('\\'));
        defaultName = defaultName.substring(slash + 1);
        if (defaultName.contains(".")) {
            defaultName = defaultName.substring(0, defaultName.lastIndexOf('.'));
        }
        String name = defaultName.isBlank() ? "system" : defaultName;
        List<Object[]> declarations = new ArrayList<>();
        List<Object[]> observables = new ArrayList<>();
        List<Equation> equations = new ArrayList<>();
        Map<String, Double> constantsSoFar = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int n = 0; n < lines.length; n++) {
            int lineNo = n + 1;
            String line = lines[n];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            int eq = line.indexOf('=');
            if (colon >= 0 && (eq < 0 || colon < eq)) {
                String section = line.substring(0, colon).trim();
                int bodyStart = colon + 1;
                String body = line.substring(bodyStart);
                if (!SECTIONS.contains(section)) {
                    throw new SystemDefinitionException(new SourcePos(source, lineNo, firstNonSpace(line) + 1),
                            "unknown section '" + section + ":' (expected one of " + SECTIONS + ")");
                }
                if (section.equals("name")) {
                    name = body.trim();
                    if (!name.matches("[A-Za-z_][A-Za-z0-9_-]*")) {
                        throw new SystemDefinitionException(new SourcePos(source, lineNo, bodyStart + 1 + firstNonSpace(body)),
                                "system name '" + name + "' (expected: letters, digits, '_' or '-')");
                    }
                    continue;
                }
                for (int[] item : splitTopLevel(body)) {
                    String piece = body.substring(item[0], item[1]);
                    int col = bodyStart + item[0];
                    if (piece.isBlank()) {
                        throw new SystemDefinitionException(new SourcePos(source, lineNo, col + 1), "empty entry in '" + section + ":'");
                    }
                    if (section.equals("observables") || section.equals("drivers")) {
                        String o = piece.trim();
                        SourcePos pos = new SourcePos(source, lineNo, col + firstNonSpace(piece) + 1);
                        if (!o.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                            throw new SystemDefinitionException(pos, "'" + o + "' is not a name");
                        }
                        if (section.equals("drivers")) {
                            declarations.add(new Object[] {section, new Variable(o, 0, pos)});
                        } else {
                            observables.add(new Object[] {o, pos});
                        }
                        continue;
                    }
                    Variable v = declaration(section, piece, source, lineNo, col, constantsSoFar);
                    if (section.equals("constants")) {
                        constantsSoFar.put(v.name(), v.defaultValue());
                    }
                    declarations.add(new Object[] {section, v});
                }
                continue;
            }
            if (eq < 0) {
                throw new SystemDefinitionException(new SourcePos(source, lineNo, firstNonSpace(line) + 1),
                        "expected 'name = expression' or a 'section:' line, found '" + line.trim() + "'");
            }
            equations.add(equation(line, source, lineNo, 0));
        }
        OdeSystem.Builder b = OdeSystem.builder(name).sourceText(text);
        for (Object[] d : declarations) {
            b.declare((String) d[0], (Variable) d[1]);
        }
        for (Object[] o : observables) {
            b.observable((String) o[0], (SourcePos) o[1]);
        }
        equations.forEach(b::equation);
        return b.build();
    }

    /** Parses {@code lhs = expression}; {@code columnOffset} is where {@code line} starts in its source line. */
    static Equation equation(String line, String source, int lineNo, int columnOffset) {
        int eq = line.indexOf('=');
        if (eq < 0 || (eq + 1 < line.length() && line.charAt(eq + 1) == '=')) {
            throw new SystemDefinitionException(new SourcePos(source, lineNo, columnOffset + firstNonSpace(line) + 1),
                    "expected 'name = expression', found '" + line.trim() + "'");
        }
        String lhs = line.substring(0, eq).trim();
        SourcePos lhsPos = new SourcePos(source, lineNo, columnOffset + firstNonSpace(line) + 1);
        if (lhs.isEmpty()) {
            throw new SystemDefinitionException(lhsPos, "missing name before '='");
        }
        if (!lhs.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new SystemDefinitionException(lhsPos, "'" + lhs + "' is not a name (expected: a letter or '_', then letters,"
                    + " digits or '_'; derivatives are written dx = ...)");
        }
        Expr rhs = ExpressionParser.parse(line.substring(eq + 1), source, lineNo, columnOffset + eq + 1);
        return new Equation(lhs, rhs, lhsPos);
    }

    private static Variable declaration(String section, String piece, String source, int lineNo, int col,
                                        Map<String, Double> constants) {
        int eq = piece.indexOf('=');
        String name = (eq < 0 ? piece : piece.substring(0, eq)).trim();
        SourcePos pos = new SourcePos(source, lineNo, col + firstNonSpace(piece) + 1);
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new SystemDefinitionException(pos, "'" + name + "' is not a name (expected: a letter or '_', then letters,"
                    + " digits or '_')");
        }
        if (eq < 0) {
            if (section.equals("constants")) {
                throw new SystemDefinitionException(pos, "constant '" + name + "' needs a value ('" + name + " = ...')");
            }
            return new Variable(name, 0.0, pos);
        }
        Expr value = Folding.fold(ExpressionParser.parse(piece.substring(eq + 1), source, lineNo, col + eq + 1), constants);
        if (!(value instanceof Expr.Num n)) {
            Expr.Ref[] bad = new Expr.Ref[1];
            value.forEachRef(r -> bad[0] = bad[0] == null ? r : bad[0]);
            throw new SystemDefinitionException(bad[0] != null ? bad[0].pos() : value.pos(), "the value of '" + name
                    + "' must be a number" + (bad[0] != null ? "; '" + bad[0].name() + "' is not a constant declared before it" : ""));
        }
        if (!Double.isFinite(n.value())) {
            throw new SystemDefinitionException(pos, "the value of '" + name + "' is " + n.value() + " (expected: a finite number)");
        }
        return new Variable(name, n.value(), pos);
    }

    /** [start, end) of each comma-separated item outside parentheses. */
    private static List<int[]> splitTopLevel(String s) {
        List<int[]> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(new int[] {start, i});
                start = i + 1;
            }
        }
        if (!s.substring(start).isBlank() || !out.isEmpty()) {
            out.add(new int[] {start, s.length()});
        }
        return out;
    }

    private static int firstNonSpace(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
