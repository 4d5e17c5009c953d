package org.tornadobatch.solver;

/**
 * Values to sweep a state or parameter over, as NumPy makes them (to the last bit or within one rounding):
 * {@code linspace}, {@code logspace} and {@code geomspace} (endpoints included), and {@code arange} (the stop
 * excluded). {@code linspace} gives the values of the command line's {@code --sweep NAME=START:STOP:COUNT}.
 */
public final class Sweep {
    private Sweep() {
    }

    /** {@code n} evenly spaced values from {@code start} to {@code stop}, both included (NumPy's {@code linspace}). */
    public static double[] linspace(double start, double stop, int n) {
        check(n, start, stop);
        double[] v = new double[n];
        if (n < 1 << 16) {
            for (int i = 0; i < n; i++) {
                v[i] = n == 1 ? start : start + (stop - start) * i / (n - 1);
            }
        } else { // on all cores (the same expression, so the same values)
            org.tornadobatch.HostThreads.parallel(() -> java.util.Arrays.parallelSetAll(v, i -> start + (stop - start) * i / (n - 1)));
        }
        return v;
    }

    /**
     * {@code linspace(start, stop, count)} as a description, not an array: {@link Batch#grid(org.tornadobatch.system.OdeSystem,
     * java.util.Map, java.util.Map, GridKind)} takes it and the solve computes each run's value where it fills the
     * device's rows, so a sweep of millions of runs costs no host array (the command line's {@code --sweep} is one).
     * {@link #get} gives the values of {@link Sweep#linspace} to the last bit.
     */
    public record Linspace(double start, double stop, int count) {
        /** Checks the values: at least one, finite ends. */
        public Linspace {
            check(count, start, stop);
        }

        /** Value {@code i}, {@code 0 <= i < count}: the same expression, so the same bits, as {@link Sweep#linspace}'s. */
        public double get(long i) {
            return count == 1 ? start : start + (stop - start) * (int) i / (count - 1);
        }

        /** Every value, as {@link Sweep#linspace} makes them. */
        public double[] toArray() {
            return linspace(start, stop, count);
        }
    }

    /** {@code n} values from {@code 10^start} to {@code 10^stop}, evenly spaced in the exponent (NumPy's {@code logspace}). */
    public static double[] logspace(double start, double stop, int n) {
        double[] v = linspace(start, stop, n);
        for (int i = 0; i < n; i++) {
            v[i] = Math.pow(10, v[i]);
        }
        return v;
    }

    /** {@code n} values from {@code start} to {@code stop} in a geometric progression; both of one sign, not 0. */
    public static double[] geomspace(double start, double stop, int n) {
        if (!(start * stop > 0)) {
            throw new IllegalArgumentException("geomspace: " + start + " to " + stop + " (expected: both nonzero and of the same sign)");
        }
        double[] v = linspace(Math.log(Math.abs(start)), Math.log(Math.abs(stop)), n);
        for (int i = 0; i < n; i++) {
            v[i] = Math.copySign(Math.exp(v[i]), start);
        }
        v[0] = start;
        v[n - 1] = stop;
        return v;
    }

    /** {@code start}, {@code start + step}, ... below {@code stop} (above it for a negative step; NumPy's {@code arange}). */
    public static double[] arange(double start, double stop, double step) {
        if (!(step != 0) || !Double.isFinite(step) || !Double.isFinite(start) || !Double.isFinite(stop)) {
            throw new IllegalArgumentException("arange: start " + start + ", stop " + stop + ", step " + step
                    + " (expected: finite numbers, a nonzero step)");
        }
        double count = Math.ceil((stop - start) / step);
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("arange: " + count + " values (expected: at most " + (Integer.MAX_VALUE - 8) + ")");
        }
        double[] v = new double[(int) Math.max(0, count)];
        for (int i = 0; i < v.length; i++) {
            v[i] = start + i * step;
        }
        return v;
    }

    private static void check(int n, double start, double stop) {
        if (n < 1) {
            throw new IllegalArgumentException("n: " + n + " (expected: at least 1 value)");
        }
        if (!Double.isFinite(start) || !Double.isFinite(stop)) {
            throw new IllegalArgumentException("start " + start + ", stop " + stop + " (expected: finite numbers)");
        }
    }
}
