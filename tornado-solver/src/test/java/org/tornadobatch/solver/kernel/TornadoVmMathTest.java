package org.tornadobatch.solver.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

import javax.tools.ToolProvider;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tornadovm kernels' own elementary functions ({@link KernelGenerator#TORNADOVM_MATH}), compiled here as plain
 * Java with a stand-in for TornadoMath whose log is single precision, as on TornadoVM's PTX backend: each must be
 * within a few units in the last place of StrictMath (fdlibm) over wide ranges, and get the special values right.
 */
class TornadoVmMathTest {
    private static Class<?> math;

    @BeforeAll
    static void compile(@TempDir Path dir) throws Exception {
        String src = """
                package tbmath;
                public final class M {
                    static final class TornadoMath {
                        static double floor(double x) { return Math.floor(x); }
                        static double abs(double x) { return Math.abs(x); }
                        static double min(double a, double b) { return Math.min(a, b); }
                        static double sqrt(double x) { return Math.sqrt(x); }
                        /** As on PTX: in single precision. */
                        static double log(double x) { return (float) Math.log((float) x); }
                    }
                """ + KernelGenerator.TORNADOVM_MATH + "\n}\n";
        Path file = dir.resolve("tbmath/M.java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, src, StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, err, "-d", dir.resolve("out").toString(), file.toString());
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        math = new URLClassLoader(new java.net.URL[] {dir.resolve("out").toUri().toURL()}).loadClass("tbmath.M");
    }

    private static DoubleUnaryOperator f(String name) throws NoSuchMethodException {
        Method m = math.getDeclaredMethod(name, double.class);
        m.setAccessible(true);
        return x -> {
            try {
                return (Double) m.invoke(null, x);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private static DoubleBinaryOperator f2(String name) throws NoSuchMethodException {
        Method m = math.getDeclaredMethod(name, double.class, double.class);
        m.setAccessible(true);
        return (x, y) -> {
            try {
                return (Double) m.invoke(null, x, y);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /** Largest error in units of the last place of StrictMath's value over {@code n} arguments drawn by {@code arg}. */
    private static double worstUlps(DoubleUnaryOperator ours, DoubleUnaryOperator ref, DoubleUnaryOperator arg, int n) {
        Random rnd = new Random(42);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double x = arg.applyAsDouble(rnd.nextDouble());
            double e = ref.applyAsDouble(x);
            double g = ours.applyAsDouble(x);
            double u = Math.abs(g - e) / Math.ulp(e);
            assertTrue(!Double.isNaN(u) || (Double.isNaN(g) && Double.isNaN(e)), "at " + x + ": " + g + " vs " + e);
            worst = Double.isNaN(u) ? worst : Math.max(worst, u);
        }
        return worst;
    }

    private static void within(String what, double ulps, double limit) {
        System.out.printf("tornadovm math: %s within %.2f ulp of StrictMath%n", what, ulps);
        assertTrue(ulps <= limit, what + ": " + ulps + " ulp (expected <= " + limit + ")");
    }

    @Test
    void expAndExpm1AreWithinAFewUlps() throws Exception {
        within("exp on [-700, 709]", worstUlps(f("tb_exp"), StrictMath::exp, u -> -700 + 1409 * u, 200_000), 3);
        within("exp on [-1, 1]", worstUlps(f("tb_exp"), StrictMath::exp, u -> 2 * u - 1, 100_000), 3);
        within("expm1 on [-2, 2]", worstUlps(f("tb_expm1"), StrictMath::expm1, u -> 4 * u - 2, 100_000), 3);
        within("expm1 near 0", worstUlps(f("tb_expm1"), StrictMath::expm1, u -> (u - 0.5) * 1e-9, 10_000), 3);
    }

    @Test
    void logIsWithinAFewUlpsFromSubnormalsToHuge() throws Exception {
        within("log of exp([-744, 709])", worstUlps(f("tb_log"), StrictMath::log, u -> Math.exp(-744 + 1453 * u), 200_000), 3);
        within("log near 1", worstUlps(f("tb_log"), StrictMath::log, u -> 1 + (u - 0.5) * 1e-6, 50_000), 3);
        within("log on [0.5, 2]", worstUlps(f("tb_log"), StrictMath::log, u -> 0.5 + 1.5 * u, 100_000), 3);
        within("log10 on [1e-300, 1e300]", worstUlps(f("tb_log10"), StrictMath::log10, u -> Math.pow(10, -300 + 600 * u), 50_000), 3);
    }

    @Test
    void trigonometryIsWithinAFewUlps() throws Exception {
        for (String fn : new String[] {"sin", "cos", "tan"}) {
            DoubleUnaryOperator ref = switch (fn) {
                case "sin" -> StrictMath::sin;
                case "cos" -> StrictMath::cos;
                default -> StrictMath::tan;
            };
            within(fn + " on [-10, 10]", worstUlps(f("tb_" + fn), ref, u -> 20 * u - 10, 200_000), fn.equals("tan") ? 4 : 2);
            within(fn + " on [-1e5, 1e5]", worstUlps(f("tb_" + fn), ref, u -> 2e5 * u - 1e5, 200_000), fn.equals("tan") ? 4 : 2);
        }
        within("atan on [-1e3, 1e3]", worstUlps(f("tb_atan"), StrictMath::atan, u -> Math.tan(Math.PI * (u - 0.5)), 200_000), 2);
        within("asin on [-1, 1]", worstUlps(f("tb_asin"), StrictMath::asin, u -> 2 * u - 1, 100_000), 4);
        within("acos on [-1, 1]", worstUlps(f("tb_acos"), StrictMath::acos, u -> 2 * u - 1, 100_000), 4);
        DoubleBinaryOperator atan2 = f2("tb_atan2");
        Random rnd = new Random(7);
        double worst = 0;
        for (int i = 0; i < 100_000; i++) {
            double y = (rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(7) - 3);
            double x = (rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(7) - 3);
            double e = StrictMath.atan2(y, x);
            worst = Math.max(worst, Math.abs(atan2.applyAsDouble(y, x) - e) / Math.ulp(e));
        }
        within("atan2 over all quadrants", worst, 4);
    }

    @Test
    void hyperbolicFunctionsAreWithinAFewUlps() throws Exception {
        within("sinh on [-30, 30]", worstUlps(f("tb_sinh"), StrictMath::sinh, u -> 60 * u - 30, 100_000), 4);
        within("sinh on [-710, 710]", worstUlps(f("tb_sinh"), StrictMath::sinh, u -> 1420 * u - 710, 100_000), 4);
        within("cosh on [-710, 710]", worstUlps(f("tb_cosh"), StrictMath::cosh, u -> 1420 * u - 710, 100_000), 4);
        within("tanh on [-30, 30]", worstUlps(f("tb_tanh"), StrictMath::tanh, u -> 60 * u - 30, 100_000), 4);
        within("sinh near 0", worstUlps(f("tb_sinh"), StrictMath::sinh, u -> (u - 0.5) * 1e-6, 10_000), 4);
        within("tanh near 0", worstUlps(f("tb_tanh"), StrictMath::tanh, u -> (u - 0.5) * 1e-6, 10_000), 4);
    }

    @Test
    void powIsAccurateToItsBoundAndSignsWholePowersOfNegatives() throws Exception {
        DoubleBinaryOperator pow = f2("tb_pow");
        Random rnd = new Random(3);
        double worst = 0;
        for (int i = 0; i < 100_000; i++) {
            double x = 100 * rnd.nextDouble();
            double y = 40 * rnd.nextDouble() - 20;
            double e = StrictMath.pow(x, y);
            double bound = (Math.abs(y * Math.log(x)) + 4) * Math.ulp(1.0) * Math.abs(e);
            worst = Math.max(worst, Math.abs(pow.applyAsDouble(x, y) - e) / bound);
        }
        within("pow (in units of its bound (|y ln x| + 4) 2^-52 |x^y|)", worst, 1);
        assertEquals(-8.0, pow.applyAsDouble(-2, 3), 1e-14);
        assertEquals(16.0, pow.applyAsDouble(-2, 4), 1e-13);
        assertTrue(Double.isNaN(pow.applyAsDouble(-8, 1.0 / 3)));
        assertEquals(Double.POSITIVE_INFINITY, pow.applyAsDouble(0, -1));
        assertEquals(0.0, pow.applyAsDouble(0, 2));
        assertEquals(1.0, pow.applyAsDouble(Double.NaN, 0));
    }

    @Test
    void specialValuesFollowJava() throws Exception {
        double inf = Double.POSITIVE_INFINITY;
        assertEquals(inf, f("tb_exp").applyAsDouble(inf));
        assertEquals(0.0, f("tb_exp").applyAsDouble(-inf));
        assertEquals(inf, f("tb_exp").applyAsDouble(710));
        assertTrue(Double.isNaN(f("tb_exp").applyAsDouble(Double.NaN)));
        assertEquals(-inf, f("tb_log").applyAsDouble(0));
        assertEquals(inf, f("tb_log").applyAsDouble(inf));
        assertTrue(Double.isNaN(f("tb_log").applyAsDouble(-1)));
        assertTrue(Double.isNaN(f("tb_log").applyAsDouble(Double.NaN)));
        assertEquals(Math.log(Double.MIN_VALUE), f("tb_log").applyAsDouble(Double.MIN_VALUE), Math.ulp(745.0));
        assertTrue(Double.isNaN(f("tb_sin").applyAsDouble(inf)));
        assertTrue(Double.isNaN(f("tb_cos").applyAsDouble(Double.NaN)));
        assertEquals(Math.PI / 2, f("tb_atan").applyAsDouble(inf), 1e-16);
        assertEquals(-Math.PI / 2, f("tb_atan").applyAsDouble(-inf), 1e-16);
        assertTrue(Double.isNaN(f("tb_asin").applyAsDouble(1.5)));
        assertEquals(Math.PI, f("tb_acos").applyAsDouble(-1), 1e-15);
        assertEquals(1.0, f("tb_tanh").applyAsDouble(100));
        assertEquals(-inf, f("tb_sinh").applyAsDouble(-800));
        assertEquals(Math.PI, f2("tb_atan2").applyAsDouble(0, -1), 1e-15);
        assertEquals(-Math.PI / 2, f2("tb_atan2").applyAsDouble(-1, 0), 1e-15);
    }
}
