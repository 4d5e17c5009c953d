package org.tornadobatch.solver.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tornadobatch.system.Equation;
import org.tornadobatch.system.OdeSystem;

/**
 * Expressions as the TornadoVM dialect writes them: subtractions of products become additions of negated products,
 * which TornadoVM fuses (see {@link Dialect#fusesOnlyAdditions()}), and must compute the same values as the
 * subtractions, bit for bit but for the sign of a zero.
 */
class ExpressionWriterTest {
    private static final List<String> EQUATIONS = List.of(
            "da = a - b * c",
            "db = a * b - c",
            "dc = a * b - c * d",
            "dd = a - 2.5 * b",
            "de = 2.5 * a - b",
            "df = a - b * 2.5",
            "dg = a * b * c - d",
            "dh = (a - b) * (c - d) - a",
            "di = a - (-3) * b",
            "dj = a - b",
            "dk = -a * b - c");

    private static OdeSystem system() {
        return OdeSystem.builder("w").state("a", 0).state("b", 0).state("c", 0).state("d", 0).state("e", 0).state("f", 0)
                .state("g", 0).state("h", 0).state("i", 0).state("j", 0).state("k", 0).equations(EQUATIONS.toArray(String[]::new)).build();
    }

    private static String write(Dialect d, Equation eq) {
        Map<String, String> names = Map.of("a", "v[0]", "b", "v[1]", "c", "v[2]", "d", "v[3]");
        return new ExpressionWriter(d, false, names::get).write(eq.expression());
    }

    @Test
    void subtractionsOfProductsAreWrittenAsSums() {
        List<Equation> eqs = system().derivatives();
        Dialect tvm = new Dialect.TornadoVm(11);
        assertEquals("(v[0] + ((-v[1]) * v[2]))", write(tvm, eqs.get(0)));
        assertEquals("(-(v[2] + ((-v[0]) * v[1])))", write(tvm, eqs.get(1)));
        assertEquals("(v[0] + ((-2.5) * v[1]))", write(tvm, eqs.get(3)));
        assertEquals("(v[0] + (v[1] * (-2.5)))", write(tvm, eqs.get(5)));
        assertEquals("(v[0] - v[1])", write(tvm, eqs.get(9)), "a plain subtraction stays");
        assertEquals("(v[0] - (v[1] * v[2]))", write(Dialect.JAVA, eqs.get(0)), "only the TornadoVM dialect rewrites");
        assertEquals("((v[0] * v[1]) - v[2])", write(Dialect.CUDA, eqs.get(1)), "only the TornadoVM dialect rewrites");
    }

    @Test
    void theSumsComputeTheSubtractions(@TempDir Path dir) throws Exception {
        List<Equation> eqs = system().derivatives();
        StringBuilder src = new StringBuilder("package tbexpr;\npublic final class E {\n");
        for (int i = 0; i < eqs.size(); i++) {
            src.append("    public static double java").append(i).append("(double[] v) { return ").append(write(Dialect.JAVA, eqs.get(i))).append("; }\n");
            src.append("    public static double tvm").append(i).append("(double[] v) { return ")
                    .append(write(new Dialect.TornadoVm(11), eqs.get(i))).append("; }\n");
        }
        Path file = dir.resolve("tbexpr/E.java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, src.append("}\n").toString(), StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, err, "-d", dir.resolve("out").toString(), file.toString());
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {dir.resolve("out").toUri().toURL()})) {
            Class<?> e = loader.loadClass("tbexpr.E");
            Random rnd = new Random(7);
            double[][] samples = new double[2000][];
            for (int s = 0; s < samples.length; s++) {
                samples[s] = new double[] {value(rnd), value(rnd), value(rnd), value(rnd)};
            }
            samples[0] = new double[] {6, 2, 3, 6}; // products equal to what they are subtracted from: zeros
            for (int i = 0; i < eqs.size(); i++) {
                Method java = e.getMethod("java" + i, double[].class);
                Method tvm = e.getMethod("tvm" + i, double[].class);
                for (double[] v : samples) {
                    double want = (Double) java.invoke(null, (Object) v);
                    double got = (Double) tvm.invoke(null, (Object) v);
                    assertTrue(want == got || Double.isNaN(want) && Double.isNaN(got),
                            EQUATIONS.get(i) + " at " + Arrays.toString(v) + ": " + got + " (expected " + want + ")");
                }
            }
        }
    }

    /** Mostly ordinary values, with zeros, infinities and NaN among them. */
    private static double value(Random rnd) {
        return switch (rnd.nextInt(20)) {
            case 0 -> 0.0;
            case 1 -> Double.POSITIVE_INFINITY;
            case 2 -> Double.NaN;
            default -> (rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(10) - 5);
        };
    }
}
