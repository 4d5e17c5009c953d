package org.tornadobatch.solver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.tornadobatch.system.OdeSystem;

/**
 * The samples of a system's drivers (inputs sampled in time, declared under {@code drivers:} and read in the
 * equations by name), shared by every run of a solve: equally spaced samples from {@code t0}, {@code dt} apart,
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
    private final Map<String, double[]> samples;
    private final Interpolation interpolation;
    private final Ends ends;

    private Drivers(double t0, double dt, Map<String, double[]> samples, Interpolation interpolation, Ends ends) {
        this.t0 = t0;
        this.dt = dt;
        this.samples = samples;
        this.interpolation = interpolation;
        this.ends = ends;
        int least = interpolation == Interpolation.CUBIC ? 4 : 2;
        for (Map.Entry<String, double[]> e : samples.entrySet()) {
            if (e.getValue().length < least) {
                throw new IllegalArgumentException("driver " + e.getKey() + ": " + e.getValue().length + " samples (expected: at least " + least
                        + " for " + interpolation.name().toLowerCase(java.util.Locale.ROOT) + " interpolation)");
            }
        }
    }

    /**
     * Drivers sampled at {@code t0 + k * dt} for {@code k = 0 .. n-1}, every driver with the same number {@code n} of
     * samples; linear and clamped until told otherwise.
     */
    public static Drivers sampled(double t0, double dt, Map<String, double[]> samples) {
        if (!Double.isFinite(t0) || !(dt > 0) || !Double.isFinite(dt)) {
            throw new IllegalArgumentException("drivers: t0 " + t0 + ", dt " + dt + " (expected: finite numbers, dt > 0)");
        }
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("drivers: no samples (expected: samples for each driver by name)");
        }
        Map<String, double[]> copy = new LinkedHashMap<>();
        int n = -1;
        for (Map.Entry<String, double[]> e : new java.util.TreeMap<>(samples).entrySet()) {
            double[] v = e.getValue().clone();
            if (n >= 0 && v.length != n) {
                throw new IllegalArgumentException("driver " + e.getKey() + ": " + v.length + " samples (expected: " + n
                        + ", as many as every other driver)");
            }
            n = v.length;
            for (int k = 0; k < v.length; k++) {
                if (!Double.isFinite(v[k])) {
                    throw new IllegalArgumentException("driver " + e.getKey() + ": sample " + k + " is " + v[k] + " (expected: a finite number)");
                }
            }
            copy.put(e.getKey(), v);
        }
        return new Drivers(t0, dt, copy, Interpolation.LINEAR, Ends.CLAMP);
    }

    /** The same samples, interpolated linearly. */
    public Drivers linear() {
        return new Drivers(t0, dt, samples, Interpolation.LINEAR, ends);
    }

    /** The same samples, interpolated by a cubic spline. */
    public Drivers cubic() {
        return new Drivers(t0, dt, samples, Interpolation.CUBIC, ends);
    }

    /** The same samples, repeated: they are one period of {@code samples() * dt()} (a periodic spline when cubic). */
    public Drivers wrap() {
        return new Drivers(t0, dt, samples, interpolation, Ends.WRAP);
    }

    /** The same samples, held at their end values beyond them (a natural spline when cubic). */
    public Drivers clamp() {
        return new Drivers(t0, dt, samples, interpolation, Ends.CLAMP);
    }

    /** The same samples with interpolation {@code i} and ends {@code e}. */
    public Drivers with(Interpolation i, Ends e) {
        return new Drivers(t0, dt, samples, Objects.requireNonNull(i, "interpolation"), Objects.requireNonNull(e, "ends"));
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

    /** Samples per driver. */
    public int samples() {
        return samples.values().iterator().next().length;
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
        int d = interpolation.degree() + 1;
        int segs = segments();
        double[] table = new double[segs * order.size() * d];
        for (int j = 0; j < order.size(); j++) {
            double[][] c = pieces(samples.get(order.get(j)));
            for (int s = 0; s < segs; s++) {
                for (int k = 0; k < d; k++) {
                    table[(s * order.size() + j) * d + k] = c[s][k];
                }
            }
        }
        return table;
    }

    /** Driver {@code name} at time {@code t}, as the kernel computes it (in double precision). */
    public double value(String name, double t) {
        double[] v = samples.get(name);
        if (v == null) {
            throw new IllegalArgumentException("driver " + name + " (expected: one of " + names() + ")");
        }
        double[][] c = pieces(v);
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
        return interpolation + "/" + ends + "/" + t0 + "/" + dt + "/" + segments();
    }
}
