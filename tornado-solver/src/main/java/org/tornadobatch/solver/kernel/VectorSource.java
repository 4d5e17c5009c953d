package org.tornadobatch.solver.kernel;

/**
 * Java source being written, line by line with indentation ({@link VectorKernelWriter}), and the working type's
 * names in the generated code: its vector class, species and array type, and the conversions between the working
 * type, float32 (the error norm and the controller) and float64 (time and step sizes).
 */
final class VectorSource {
    private final StringBuilder out = new StringBuilder();
    private int indent;
    final boolean single;

    VectorSource(boolean single) {
        this.single = single;
    }

    void line(String s) {
        out.append("    ".repeat(indent)).append(s).append('\n');
    }

    /** Text already indented (lines printed by {@link Printer} at {@link #depth()}). */
    void raw(String text) {
        out.append(text);
    }

    /** The current indentation level. */
    int depth() {
        return indent;
    }

    /** A line ending in {@code {}}, and one level deeper. */
    void open(String s) {
        line(s + " {");
        indent++;
    }

    void close() {
        indent--;
        line("}");
    }

    /** Closes a block and opens the next one ({@code "} else {"}). */
    void reopen(String s) {
        indent--;
        line("} " + s + " {");
        indent++;
    }

    /** {@code for (it < max) { if (!step) break; }}: an iteration's method called until it reports no lane left. */
    void repeat(int max, String step) {
        open("for (int it = 0; it < " + max + "; it++)");
        open("if (!" + step + ")");
        line("break;");
        close();
        close();
    }

    /** The working type's vector class. */
    String type() {
        return single ? "FloatVector" : "DoubleVector";
    }

    /** The working type's species in the generated class. */
    String species() {
        return single ? "F" : "D";
    }

    /** The working type's primitive (workspace arrays). */
    String primitive() {
        return single ? "float" : "double";
    }

    /** Bytes per value of the working type. */
    int bytes() {
        return single ? 4 : 8;
    }

    /** A float64 vector expression as the working type. */
    String fromDouble(String x) {
        return single ? "toF(" + x + ")" : x;
    }

    /** A working-type vector expression as float64. */
    String toDouble(String x) {
        return single ? "toD(" + x + ")" : x;
    }

    /** A working-type vector expression as float32 (the scalar kernel's {@code (float)} casts). */
    String toFloat(String x) {
        return single ? x : "toF(" + x + ")";
    }

    /** The working type's mask type. */
    String maskType() {
        return single ? "VectorMask<Float>" : "VectorMask<Double>";
    }

    /** A mask of the float64 species as one of the working type's. */
    String mask(String m) {
        return single ? m + ".cast(F)" : m;
    }

    /** A working-type literal. */
    String literal(double v) {
        return Dialect.JAVA.literal(v, single);
    }

    /** A float32 literal. */
    static String f32(double v) {
        return Dialect.JAVA.literal(v, true);
    }

    /** A float64 literal. */
    static String f64(double v) {
        return Dialect.JAVA.literal(v, false);
    }

    /** Loads workspace slot {@code slot} of the vector at offset {@code o}. */
    String load(String array, String slot) {
        return type() + ".fromArray(" + species() + ", " + array + ", " + slot + " * B + o)";
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
