package org.tornadobatch.solver.kernel;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.tornadobatch.solver.kernel.Code.St;

/**
 * The scalar Java kernel of a big system, in methods small enough for HotSpot's JIT compilers. Written as one method,
 * a run of Lorenz-96 with 40 states under dormand-prince-853 is 56,559 bytes of bytecode: past HotSpot's limit of
 * 8000 for compiling a method at all ({@code -XX:-DontCompileHugeMethods} is not the default), so the kernel ran in the
 * interpreter, 40 times slower than the vector kernel. Here a run's variables are the fields of a frame object (one per
 * call of the kernel's {@code run}), so any consecutive statements can become a method of their own, without
 * parameters: each list of statements printed longer than {@code partChars} characters (but white space) is cut into
 * consecutive groups of at most that size, each group a method ({@code part<n>}) where it is worth one; a statement
 * longer than that on its own counts as its call, and is printed in its part with its bodies cut the same way. The
 * statements and their order are those of the one-method kernel, so the results are the same to the bit.
 *
 * <p>A failure that leaves the event loop ({@link Code.Leave}) from inside a part returns {@code true}, and its caller
 * leaves in turn; a group holding a {@code break} of a loop outside it ({@link Code.Break}) stays in its method.
 */
final class JavaParts {
    /**
     * The printed size of a run (characters of its source but white space) above which the Java kernel is written in
     * parts. Measured over every algorithm and systems of 2 to 16 states (javac 25), a method of the one-method layout
     * takes 0.34 to 0.45 bytes of bytecode per such character up to this size (more beyond, where the locals pass 255
     * slots): 17,000 characters are 5,800 to 7,700 bytes, below the 8000 HotSpot compiles. The parts' fields take more
     * bytes than locals (0.6 to 1.0 per character).
     */
    static final int DEFAULT_WHOLE_CHARS = 17_000;

    /**
     * The printed size of a part: some 1000 to 2500 bytes of bytecode. Lorenz-96 (40 states) under dormand-prince-853, 8192
     * runs to t = 5 on the 2-core build machine: warm kernel 1.26 to 1.28 s in parts of this size; parts of about twice
     * the size ran 1.58 to 1.73 s (2026-12-07).
     */
    static final int DEFAULT_PART_CHARS = 1_500;

    /** Groups printed shorter than this stay in their method (a call costs about as much). */
    private static final int MIN_PART_CHARS = 100;

    /**
     * The system property that sets the part size (characters but white space); set, every Java kernel is written in
     * parts (for tests and measurements).
     */
    static final String PART_PROPERTY = "tornadobatch.jvm.partChars";

    private final Dialect d;
    private final int partChars;
    private final Map<String, String> fields = new LinkedHashMap<>();
    private final List<String> methods = new ArrayList<>();
    private final Map<St, Integer> sizes = new IdentityHashMap<>();

    JavaParts(Dialect d, int partChars) {
        this.d = d;
        this.partChars = partChars;
    }

    /** The part size the property asks for, or the default; null where the property is unset. */
    static Integer requestedPartChars() {
        String v = System.getProperty(PART_PROPERTY);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("-D" + PART_PROPERTY + ": '" + v + "' (expected: a whole number of characters >= 0)");
    }

    /** The part size for a run printed {@code bodyChars} long: null where it fits one method. */
    static Integer partCharsFor(int bodyChars) {
        Integer asked = requestedPartChars();
        return asked != null ? asked : bodyChars > DEFAULT_WHOLE_CHARS ? Integer.valueOf(DEFAULT_PART_CHARS) : null;
    }

    /** The printed size of {@code s} (characters but white space) as one method would hold it. */
    int size(St s) {
        Integer n = sizes.get(s);
        if (n == null) {
            StringBuilder sb = new StringBuilder();
            new Printer(d, sb, 0).print(s);
            n = visible(sb);
            sizes.put(s, n);
        }
        return n;
    }

    /** The printed size of {@code body} (characters but white space). */
    static int size(Dialect d, List<St> body) {
        StringBuilder sb = new StringBuilder();
        new Printer(d, sb, 0).print(body);
        return visible(sb);
    }

    private static int visible(CharSequence s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                n++;
            }
        }
        return n;
    }

    /** Declares {@code name} a field of the frame, of Java type {@code type}; one name has one type. */
    void field(String name, String type) {
        String had = fields.putIfAbsent(name, type);
        if (had != null && !had.equals(type)) {
            throw new IllegalStateException("kernel variable " + name + " is declared both " + had + " and " + type + " (a frame field has one type)");
        }
    }

    /** The frame's fields as declarations, one per line ({@code type name;}). */
    List<String> fieldDeclarations() {
        List<String> out = new ArrayList<>();
        fields.forEach((n, t) -> out.add(t + " " + n + ";"));
        return out;
    }

    /** The part methods printed so far, each complete. */
    List<String> methods() {
        return List.copyOf(methods);
    }

    /** What a statement that becomes a method of its own costs its caller: the call (characters but white space). */
    private static final int CALL_CHARS = 12;

    /**
     * Prints {@code body} with {@code p}: as it is where it is short, else in consecutive groups of at most
     * {@link #partChars}, each a part where worth one. A statement longer than that counts as its call in its group: in
     * its part it is printed with its bodies cut in turn. One that holds a {@code break} of a loop outside it is printed
     * in {@code p}'s method, its bodies cut in turn.
     */
    void print(Printer p, List<St> body) {
        int total = 0;
        for (St s : body) {
            total += size(s);
        }
        if (total <= partChars) {
            body.forEach(p::print);
            return;
        }
        List<St> group = new ArrayList<>();
        int cost = 0;
        for (St s : body) {
            int n = size(s);
            if (n > partChars && breaksOut(s)) {
                flush(p, group);
                group = new ArrayList<>();
                cost = 0;
                p.print(s); // its bodies are cut in turn
                continue;
            }
            int c = n > partChars ? CALL_CHARS : n;
            if (cost + c > partChars) {
                flush(p, group);
                group = new ArrayList<>();
                cost = 0;
            }
            group.add(s);
            cost += c;
        }
        flush(p, group);
    }

    private void flush(Printer p, List<St> group) {
        if (group.isEmpty()) {
            return;
        }
        int chars = 0;
        for (St s : group) {
            chars += size(s);
        }
        if (chars < MIN_PART_CHARS || group.stream().anyMatch(JavaParts::breaksOut)) {
            group.forEach(p::print);
            return;
        }
        boolean leaves = group.stream().anyMatch(JavaParts::leaves);
        int index = methods.size();
        methods.add(null); // reserved: the group's own parts are numbered after it
        String name = "part" + index;
        StringBuilder m = new StringBuilder();
        m.append("        private ").append(leaves ? "boolean " : "void ").append(name).append("() {\n");
        Printer inner = new Printer(d, m, 3, this, true);
        group.forEach(inner::print);
        if (leaves) {
            m.append("            return false;\n");
        }
        m.append("        }\n");
        methods.set(index, m.toString());
        p.line(leaves ? "if (" + name + "()) " + p.leave() : name + "();");
    }

    /** Whether {@code s} leaves an event loop that is not inside it. */
    private static boolean leaves(St s) {
        return switch (s) {
            case Code.Leave l -> true;
            case Code.EventLoop l -> false;
            default -> children(s).stream().anyMatch(JavaParts::leaves);
        };
    }

    /** Whether {@code s} holds a {@code break} of a loop that is not inside it. */
    private static boolean breaksOut(St s) {
        return switch (s) {
            case Code.Break b -> true;
            case Code.For f -> false;
            case Code.StepLoop l -> false;
            case Code.EventLoop l -> false;
            default -> children(s).stream().anyMatch(JavaParts::breaksOut);
        };
    }

    private static List<St> children(St s) {
        return switch (s) {
            case Code.If f -> f.otherwise() == null ? f.then() : concat(f.then(), f.otherwise());
            case Code.For f -> f.body();
            case Code.Block b -> b.body();
            case Code.EventLoop l -> l.body();
            case Code.StepLoop l -> l.body();
            case Code.Guard g -> concat(concat(g.onFail(), List.of(g.exit())), g.rest());
            case Code.AfterSteps a -> a.body();
            default -> List.of();
        };
    }

    private static List<St> concat(List<St> a, List<St> b) {
        List<St> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
