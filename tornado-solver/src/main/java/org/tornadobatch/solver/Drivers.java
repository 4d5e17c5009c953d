package org.tornadobatch.solver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.tornadobatch.system.OdeSystem;

/**
 * The samples of a system's drivers (inputs sampled in time, declared under {@code drivers:} and read in the
 * equations by name), shared by every run of a solve ({@link #sampled}) or one set of samples per run
 * ({@link #perRun}): equally spaced samples from {@code t0}, {@code dt} apart,
 * interpolated in the kernel, linearly or by a cubic spline through the samples, and beyond the samples either
 * held at the end values ({@link Ends#CLAMP}, with a natural spline) or repeated ({@link Ends#WRAP}: the samples
 * are one period, {@code n * dt} long, and the spline is periodic). Immutable; {@link #linear()}, {@link #cubic()},
 * {@link #wrap()} and {@link #clamp()} return changed copies.
 */
public final class Drivers {
    /** How values between samples are made. */
    public enum Interpolation {
        /** A straight line between neighbouring samples. */
        LINEAR(1),
        /** A cubic spline through the samples. */
        CUBIC(3);

        private final int degree;

        Interpolation(int degree) {
            this.degree = degree;
        }

        /** The polynomial's degree on each segment. */
        public int degree() {
            return degree;
        }
    }

    /** What a driver is beyond its samples. */
    public enum Ends {
        /** The end values, held. */
        CLAMP,
        /** The samples repeated: they are one period. */
        WRAP
    }

    private final double t0;
    private final double dt;
    /** Per driver, its samples: one row shared by every run, or one row per run. */
    private final Map<String, double[][]> samples;
    private final boolean perRun;
    private final Interpolation interpolation;
    private final Ends ends;

    private Drivers(double t0, double dt, Map<String, double[][]> samples, boolean perRun, Interpolation interpolation, Ends ends) {
        this.t0 = t0;
        this.dt = dt;
        this.samples = samples;
        this.perRun = perRun;
        this.interpolation = interpolation;
        this.ends = ends;
        int least = interpolation == Interpolation.CUBIC ? 4 : 2;
        int n = samples();
        if (n < least) {
            throw new IllegalArgumentException("driver " + samples.keySet().iterator().next() + ": " + n + " samples (expected: at least "
                    + least + " for " + interpolation.name().toLowerCase(java.util.Locale.ROOT) + " interpolation)");
        }
    }

    /**
     * Drivers sampled at {@code t0 + k * dt} for {@code k = 0 .. n-1}, every driver with the same number {@code n} of
     * samples; linear and clamped until told otherwise.
     */
    public static Drivers sampled(double t0, double dt, Map<String, double[]> samples) {
        checkSpacing(t0, dt);
        Map<String, double[][]> rows = new LinkedHashMap<>();
        samples.forEach((name, v) -> rows.put(name, new double[][] {Objects.requireNonNull(v, name)}));
        return new Drivers(t0, dt, checked(rows, false), false, Interpolation.LINEAR, Ends.CLAMP);
    }

    /**
     * Drivers with samples of their own for each run: {@code samples.get(name)[run][k]} is driver {@code name} of run
     * {@code run} at {@code t0 + k * dt}, every driver with the same runs and the same number of samples per run (the
     * runs of the batch solved, in its order); linear and clamped until told otherwise. The kernel reads them with
     * the run's parameters, in the solve's precision.
     */
    public static Drivers perRun(double t0, double dt, Map<String, double[][]> samples) {
        checkSpacing(t0, dt);
        return new Drivers(t0, dt, checked(samples, true), true, Interpolation.LINEAR, Ends.CLAMP);
    }

    private static void checkSpacing(double t0, double dt) {
        if (!Double.isFinite(t0) || !(dt > 0) || !Double.isFinite(dt)) {
            throw new IllegalArgumentException("drivers: t0 " + t0 + ", dt " + dt + " (expected: finite numbers, dt > 0)");
        }
    }

    /** A sorted deep copy of {@code samples}, checked: every driver with as many rows and samples as the first, all finite. */
    private static Map<String, double[][]> checked(Map<String, double[][]> samples, boolean perRun) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("drivers: no samples (expected: samples for each driver by name)");
        }
        Map<String, double[][]> copy = new LinkedHashMap<>();
        int runs = -1;
        int n = -1;
        for (Map.Entry<String, double[][]> e : new java.util.TreeMap<>(samples).entrySet()) {
            double[][] rows = Objects.requireNonNull(e.getValue(), e.getKey()).clone();
            if (rows.length == 0 || (runs >= 0 && rows.length != runs)) {
                throw new IllegalArgumentException("driver " + e.getKey() + ": samples for " + rows.length + " runs (expected: "
                        + (runs >= 0 ? runs + ", as many as every other driver" : "at least 1") + ")");
            }
            runs = rows.length;
            for (int r = 0; r < rows.length; r++) {
                double[] v = Objects.requireNonNull(rows[r], e.getKey()).clone();
                if (n >= 0 && v.length != n) {
                    throw new IllegalArgumentException("driver " + e.getKey() + (perRun ? ", run " + r : "") + ": " + v.length
                            + " samples (expected: " + n + ", as many as every other " + (perRun ? "run and driver" : "driver") + ")");
                }
                n = v.length;
                for (int k = 0; k < v.length; k++) {
                    if (!Double.isFinite(v[k])) {
                        throw new IllegalArgumentException("driver " + e.getKey() + (perRun ? ", run " + r : "") + ": sample " + k + " is "
                                + v[k] + " (expected: a finite number)");
                    }
                }
                rows[r] = v;
            }
            copy.put(e.getKey(), rows);
        }
        return copy;
    }

    /** The same samples, interpolated linearly. */
    public Drivers linear() {
        return new Drivers(t0, dt, samples, perRun, Interpolation.LINEAR, ends);
    }

    /** The same samples, interpolated by a cubic spline. */
    public Drivers cubic() {
        return new Drivers(t0, dt, samples, perRun, Interpolation.CUBIC, ends);
    }

    /** The same samples, repeated: they are one period of {@code samples() * dt()} (a periodic spline when cubic). */
    public Drivers wrap() {
        return new Drivers(t0, dt, samples, perRun, interpolation, Ends.WRAP);
    }

    /** The same samples, held at their end values beyond them (a natural spline when cubic). */
    public Drivers clamp() {
        return new Drivers(t0, dt, samples, perRun, interpolation, Ends.CLAMP);
    }

    /** The same samples with interpolation {@code i} and ends {@code e}. */
    public Drivers with(Interpolation i, Ends e) {
        return new Drivers(t0, dt, samples, perRun, Objects.requireNonNull(i, "interpolation"), Objects.requireNonNull(e, "ends"));
    }

    /** The time of the first sample. */
    public double t0() {
        return t0;
    }

    /** The time between samples. */
    public double dt() {
        return dt;
    }

    /** How values between samples are made. */
    public Interpolation interpolation() {
        return interpolation;
    }

    /** What the drivers are beyond their samples. */
    public Ends ends() {
        return ends;
    }

    /** The drivers' names, sorted. */
    public List<String> names() {
        return List.copyOf(samples.keySet());
    }

    /** Samples per driver (and per run). */
    public int samples() {
        return samples.values().iterator().next()[0].length;
    }

    /** Whether each run has samples of its own ({@link #perRun}). */
    public boolean isPerRun() {
        return perRun;
    }

    /** The runs whose samples these are ({@link #perRun}); 1 for drivers shared by every run. */
    public int runs() {
        return samples.values().iterator().next().length;
    }

    /**
     * Checks that per-run drivers have samples for exactly {@code runs} runs (shared drivers serve any number); the
     * error names both counts.
     */
    public void checkRuns(long runs) {
        if (perRun && runs() != runs) {
            throw new IllegalArgumentException("drivers: samples for " + runs() + " runs, the batch has " + runs
                    + " (expected: one set of samples per run, in the batch's order)");
        }
    }

    /** Polynomial pieces per driver: {@code n - 1} clamped, {@code n} wrapped (the last joins the last sample to the first). */
    public int segments() {
        return ends == Ends.WRAP ? samples() : samples() - 1;
    }

    /** Checks that these are exactly {@code system}'s drivers; the error names what is missing or unknown. */
    public void check(OdeSystem system) {
        List<String> missing = new ArrayList<>(system.drivers());
        missing.removeAll(samples.keySet());
        List<String> unknown = new ArrayList<>(samples.keySet());
        unknown.removeAll(system.drivers());
        if (!missing.isEmpty() || !unknown.isEmpty()) {
            throw new IllegalArgumentException("drivers: " + (missing.isEmpty() ? "" : "no samples for " + missing)
                    + (missing.isEmpty() || unknown.isEmpty() ? "" : ", and ") + (unknown.isEmpty() ? "" : unknown + " not a driver of "
                    + system.name()) + " (expected: samples for each of its drivers " + system.drivers() + ")");
        }
    }

    /**
     * The kernel's table: for segment {@code s}, driver {@code j} (in {@code order}) and power {@code k}, at
     * {@code (s * drivers + j) * (degree + 1) + k}, the coefficient of {@code u^k} where {@code u} in [0, 1) is the
     * position within the segment.
     */
    public double[] coefficients(List<String> order) {
        return coefficients(order, 0);
    }

    /** {@link #coefficients(List)} of run {@code run}'s samples (per-run drivers; shared drivers have only run 0). */
    public double[] coefficients(List<String> order, int run) {
        int d = interpolation.degree() + 1;
        int segs = segments();
        double[] table = new double[segs * order.size() * d];
        for (int j = 0; j < order.size(); j++) {
            double[][] c = pieces(samples.get(order.get(j))[run]);
            for (int s = 0; s < segs; s++) {
                for (int k = 0; k < d; k++) {
                    table[(s * order.size() + j) * d + k] = c[s][k];
                }
            }
        }
        return table;
    }

    /**
     * Per-run drivers' tables for the kernel, with the runs fastest: {@code rows[i][run]} is element {@code i} of
     * {@link #coefficients(List, int) coefficients(order, run)}. Computed on all cores.
     */
    public double[][] perRunCoefficients(List<String> order) {
        int runs = runs();
        double[][] rows = new double[segments() * order.size() * (interpolation.degree() + 1)][runs];
        // Blocks of runs, each row written a block at a time: a run at a time writes one element of every row.
        int block = 256;
        java.util.stream.IntStream.range(0, (runs + block - 1) / block).parallel().forEach(b -> {
            int r0 = b * block;
            int r1 = Math.min(runs, r0 + block);
            double[][] tables = new double[r1 - r0][];
            for (int r = r0; r < r1; r++) {
                tables[r - r0] = coefficients(order, r);
            }
            for (int i = 0; i < rows.length; i++) {
                double[] row = rows[i];
                for (int r = r0; r < r1; r++) {
                    row[r] = tables[r - r0][i];
                }
            }
        });
        return rows;
    }

    /** Driver {@code name} at time {@code t}, as the kernel computes it (in double precision); shared drivers only. */
    public double value(String name, double t) {
        if (perRun) {
            throw new IllegalArgumentException("driver " + name + ": samples per run (expected: value(name, run, t))");
        }
        return value(name, 0, t);
    }

    /** Driver {@code name} of run {@code run} at time {@code t}, as the kernel computes it in double precision. */
    public double value(String name, int run, double t) {
        double[][] rows = samples.get(name);
        if (rows == null) {
            throw new IllegalArgumentException("driver " + name + " (expected: one of " + names() + ")");
        }
        if (run < 0 || run >= rows.length) {
            throw new IllegalArgumentException("driver " + name + ": run " + run + " (expected: 0 to " + (rows.length - 1) + ")");
        }
        double[][] c = pieces(rows[run]);
        double u = position(t);
        int s = Math.min((int) u, segments() - 1);
        double f = u - s;
        double y = 0;
        for (int k = c[s].length - 1; k >= 0; k--) {
            y = y * f + c[s][k];
        }
        return y;
    }

    /** The position in segments from {@code t0}, wrapped or clamped into [0, segments]. */
    double position(double t) {
        double u = (t - t0) / dt;
        int segs = segments();
        return ends == Ends.WRAP ? u - segs * Math.floor(u / segs) : Math.min(Math.max(u, 0.0), segs);
    }

    /** The polynomial of each segment, coefficients of u^0 .. u^degree. */
    private double[][] pieces(double[] y) {
        int segs = segments();
        int n = y.length;
        double[][] c = new double[segs][interpolation.degree() + 1];
        if (interpolation == Interpolation.LINEAR) {
            for (int s = 0; s < segs; s++) {
                c[s][0] = y[s];
                c[s][1] = y[(s + 1) % n] - y[s];
            }
            return c;
        }
        double[] m = ends == Ends.WRAP ? periodicCurvatures(y) : naturalCurvatures(y);
        for (int s = 0; s < segs; s++) {
            int e = (s + 1) % n;
            c[s][0] = y[s];
            c[s][1] = (y[e] - y[s]) - (2 * m[s] + m[e]) / 6;
            c[s][2] = m[s] / 2;
            c[s][3] = (m[e] - m[s]) / 6;
        }
        return c;
    }

    /** Second derivatives (per segment length squared) of the natural cubic spline: zero at both ends. */
    private static double[] naturalCurvatures(double[] y) {
        int n = y.length;
        double[] m = new double[n];
        int k = n - 2; // interior unknowns: m[1] .. m[n-2], rows m[i-1] + 4 m[i] + m[i+1] = 6 (y[i+1] - 2 y[i] + y[i-1])
        double[] diag = new double[k];
        double[] rhs = new double[k];
        for (int i = 0; i < k; i++) {
            diag[i] = 4;
            rhs[i] = 6 * (y[i + 2] - 2 * y[i + 1] + y[i]);
        }
        for (int i = 1; i < k; i++) { // Thomas algorithm, off-diagonals 1
            double w = 1 / diag[i - 1];
            diag[i] -= w;
            rhs[i] -= w * rhs[i - 1];
        }
        for (int i = k - 1; i >= 0; i--) {
            m[i + 1] = (rhs[i] - (i + 1 < k ? m[i + 2] : 0)) / diag[i];
        }
        return m;
    }

    /**
     * Second derivatives of the periodic cubic spline through {@code y} (one period, {@code y[n] = y[0]}): the cyclic
     * system {@code m[i-1] + 4 m[i] + m[i+1] = 6 (y[i+1] - 2 y[i] + y[i-1])}, indices mod n, solved as a tridiagonal
     * one plus a rank-one correction (Sherman-Morrison).
     */
    private static double[] periodicCurvatures(double[] y) {
        int n = y.length;
        double[] rhs = new double[n];
        for (int i = 0; i < n; i++) {
            rhs[i] = 6 * (y[(i + 1) % n] - 2 * y[i] + y[(i - 1 + n) % n]);
        }
        // A = T + u v^T with corners 1: take gamma = -4, T's diagonal 4 but for T[0][0] = 4 - gamma, T[n-1][n-1] = 4 - 1/gamma,
        // u = (gamma, 0, .., 0, 1), v = (1, 0, .., 0, 1/gamma).
        double gamma = -4;
        double[] diag = new double[n];
        java.util.Arrays.fill(diag, 4);
        diag[0] -= gamma;
        diag[n - 1] -= 1 / gamma;
        double[] u = new double[n];
        u[0] = gamma;
        u[n - 1] = 1;
        double[] x = tridiagonal(diag, rhs);
        double[] z = tridiagonal(diag, u);
        double vx = x[0] + x[n - 1] / gamma;
        double vz = z[0] + z[n - 1] / gamma;
        double f = vx / (1 + vz);
        for (int i = 0; i < n; i++) {
            x[i] -= f * z[i];
        }
        return x;
    }

    /** Solves the tridiagonal system with off-diagonals 1 and diagonal {@code diag} (Thomas algorithm). */
    private static double[] tridiagonal(double[] diag, double[] rhs) {
        int n = diag.length;
        double[] d = diag.clone();
        double[] b = rhs.clone();
        for (int i = 1; i < n; i++) {
            double w = 1 / d[i - 1];
            d[i] -= w;
            b[i] -= w * b[i - 1];
        }
        double[] x = new double[n];
        x[n - 1] = b[n - 1] / d[n - 1];
        for (int i = n - 2; i >= 0; i--) {
            x[i] = (b[i] - x[i + 1]) / d[i];
        }
        return x;
    }

    /** What determines the generated code: the drivers' order is the system's, and these settings. */
    String fingerprint() {
        return interpolation + "/" + ends + "/" + t0 + "/" + dt + "/" + segments() + (perRun ? "/per-run" : "");
    }
}
