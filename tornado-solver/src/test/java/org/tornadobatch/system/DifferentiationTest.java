package org.tornadobatch.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** Symbolic Jacobians against central finite differences of the interpreted right-hand side. */
class DifferentiationTest {
    /**
     * The worst difference of the symbolic Jacobian (and time derivative) of {@code sys} from central differences, over
     * what central differences can resolve: {@code tol (1 + |entry|)} plus their rounding error, {@code 100 eps |f| / h}
     * (which dominates for small entries of a stiff system's large rows), at {@code points} random points.
     */
    private static double worstAgainstFiniteDifferences(OdeSystem sys, int points, double scale, long seed, double tol) {
        Interpreter in = new Interpreter(sys);
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = sys.states().size();
        double worst = 0;
        for (int k = 0; k < points; k++) {
            double t = rnd.nextDouble(0, 3);
            double[] y = new double[n];
            double[] p;
            double[] f = new double[n];
            // A point in the system's domain: drawn again where f is not finite there (a logarithm of a negative state).
            do {
                for (int i = 0; i < n; i++) {
                    y[i] = sys.states().get(i).defaultValue() + rnd.nextDouble(-scale, scale);
                }
                p = sys.parameters().stream().mapToDouble(v -> v.defaultValue() * (1 + rnd.nextDouble(-0.2, 0.2))).toArray();
                in.derivatives(t, y, p, f);
            } while (!java.util.Arrays.stream(f).allMatch(Double::isFinite));
            double[][] j = in.jacobian(t, y, p);
            double[] ft = in.timeDerivatives(t, y, p);
            for (int c = 0; c <= n; c++) {
                double h = 1e-6 * (c < n ? Math.max(1, Math.abs(y[c])) : Math.max(1, t));
                double[] plus = new double[n];
                double[] minus = new double[n];
                double[] yp = y.clone();
                double[] ym = y.clone();
                if (c < n) {
                    yp[c] += h;
                    ym[c] -= h;
                }
                in.derivatives(c < n ? t : t + h, yp, p, plus);
                in.derivatives(c < n ? t : t - h, ym, p, minus);
                for (int r = 0; r < n; r++) {
                    double fd = (plus[r] - minus[r]) / (2 * h);
                    double exact = c < n ? j[r][c] : ft[r];
                    double rounding = 100 * Math.ulp(1.0) * (Math.abs(plus[r]) + Math.abs(minus[r])) / (2 * h);
                    worst = Math.max(worst, Math.abs(fd - exact) / (tol * (1 + Math.abs(exact)) + rounding));
                }
            }
        }
        return worst;
    }

    @Test
    void everyExampleSystemsJacobianMatchesFiniteDifferences() throws Exception {
        Path examples = Path.of("..", "examples");
        List<Path> files;
        try (Stream<Path> s = Files.list(examples)) {
            files = s.filter(f -> f.toString().endsWith(".ode")).sorted().toList();
        }
        assertTrue(files.size() >= 4, "the example systems: " + files);
        for (Path f : files) {
            OdeSystem sys = OdeSystem.load(f);
            double w = worstAgainstFiniteDifferences(sys, 50, 1, 7, 1e-6);
            assertTrue(w < 1, f + ": worst " + w);
        }
    }

    /** A random expression of x, y, z, t and the parameter k; its values stay finite for arguments in [-3, 3]. */
    private static String random(SplittableRandom rnd, int depth) {
        if (depth == 0 || rnd.nextInt(4) == 0) {
            return switch (rnd.nextInt(6)) {
                case 0 -> "x";
                case 1 -> "y";
                case 2 -> "z";
                case 3 -> "t";
                case 4 -> "k";
                default -> Double.toString(Math.round(rnd.nextDouble(-3, 3) * 100) / 100.0);
            };
        }
        String a = random(rnd, depth - 1);
        String b = random(rnd, depth - 1);
        return switch (rnd.nextInt(22)) {
            case 0 -> "(" + a + " + " + b + ")";
            case 1 -> "(" + a + " - " + b + ")";
            case 2 -> "(" + a + " * " + b + ")";
            case 3 -> "(" + a + " / (2 + cos(" + b + ")))";
            case 4 -> "sin(" + a + ")";
            case 5 -> "cos(" + a + ")";
            case 6 -> "exp(sin(" + a + "))";
            case 7 -> "log(1 + (" + a + ")^2)";
            case 8 -> "sqrt(1 + " + a + " * " + a + ")";
            case 9 -> "tanh(" + a + ")";
            case 10 -> "atan(" + a + ")";
            case 11 -> "atan2(" + a + ", 2 + cos(" + b + "))";
            case 12 -> "(" + a + ")^3";
            case 13 -> "pow(1.5 + sin(" + a + "), cos(" + b + "))";
            case 14 -> "abs(" + a + ")";
            case 15 -> "min(" + a + ", " + b + ", 0.5)";
            case 16 -> "max(" + a + ", " + b + ")";
            case 17 -> "ifelse(" + a + " > " + b + ", " + a + ", -" + b + ")";
            case 18 -> "-(" + a + ")";
            case 19 -> "sinh(sin(" + a + "))";
            case 20 -> "log10(2 + sin(" + a + "))";
            default -> "asin(0.5 * sin(" + a + ")) + acos(0.5 * cos(" + b + ")) + tan(0.5 * sin(" + a + "))";
        };
    }

    @Test
    void randomExpressionTreesDifferentiateLikeFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(2026);
        for (int trial = 0; trial < 200; trial++) {
            String text = "states: x = 0.3, y = -0.2, z = 0.5\nparameters: k = 1.3\n"
                    + "a = " + random(rnd, 3) + "\n"
                    + "dx = a * " + random(rnd, 3) + "\n"
                    + "dy = " + random(rnd, 4) + " + a\n"
                    + "dz = " + random(rnd, 4) + "\n";
            OdeSystem sys = OdeSystem.parse(text, "random" + trial);
            double w = worstAgainstFiniteDifferences(sys, 5, 1.5, trial, 1e-5);
            // Central differences lose about 1e-10 to rounding and h^2 f''' to truncation; a kink between x - h and x + h
            // (abs, min, max, ifelse) happens with probability about 1e-6 per entry.
            assertTrue(w < 1, () -> "worst " + w + " for\n" + text);
        }
    }

    @Test
    void simplifiedDerivativesOfSimpleTerms() {
        OdeSystem sys = OdeSystem.parse("states: x = 1, y = 0\nparameters: k = 2\ndx = k * x * y\ndy = -x\n", "simple");
        List<List<Expr>> j = Differentiation.jacobian(sys);
        assertEquals("(k * y)", Printer.print(j.get(0).get(0)));
        assertEquals("(k * x)", Printer.print(j.get(0).get(1)));
        assertEquals("-1", Printer.print(j.get(1).get(0)).replace(".0", ""));
        assertTrue(Differentiation.isZero(j.get(1).get(1)), "dy/dy of -x is the number 0");
        assertTrue(Differentiation.timeDerivatives(sys).stream().allMatch(Differentiation::isZero), "an autonomous system");
    }

    @Test
    void aDriversTimeDerivativeIsRefusedByName() {
        OdeSystem sys = OdeSystem.parse("states: x = 0\ndrivers: u\ndx = u * x\n", "driven");
        assertEquals("u", Printer.print(Differentiation.jacobian(sys).get(0).get(0)), "a driver is constant in the states");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Differentiation.timeDerivatives(sys));
        assertTrue(e.getMessage().startsWith("driver u: its time derivative is not available"), e.getMessage());
    }
}
