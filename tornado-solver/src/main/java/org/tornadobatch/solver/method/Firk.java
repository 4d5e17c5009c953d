package org.tornadobatch.solver.method;

import java.util.Arrays;

/**
 * The implicit part of a fully implicit Runge-Kutta method (the collocation methods Gauss-Legendre and Radau IIA):
 * the step's {@link ButcherTableau} holds the full stage matrix {@code A} ({@code s} entries per row). A step solves
 * for the stage increments {@code Z_i = Y_i - y},
 * <pre>
 *   Z_i = h sum_j a_ij f(t + c_j h, y + Z_j),
 * </pre>
 * all stages at once, by simplified Newton over one matrix of {@code s n} rows, {@code (A^-1 / h) (x) I - I (x) J}
 * ({@code J = df/dy} at the step's start), factorised once per step; the new state is {@code y + sum_i d_i Z_i} with
 * {@code d = b^T A^-1} ({@code (0, ..., 0, 1)} for a stiffly accurate method), so that f is not evaluated again.
 *
 * <p>An error estimate, where {@code estimateGamma > 0} (Radau IIA: Hairer and Wanner, Solving ODEs II, IV.8, and
 * their code RADAU5): {@code err = (I / (h gamma0) - J)^-1 (f(t, y) + sum_i e_i Z_i / h)}, which damps the stiff
 * components of the raw difference; where it exceeds 1 on the first step or after a rejection, it is refined once
 * with f at {@code y + err} in place of {@code f(t, y)}.
 *
 * <p>A three-stage method may carry Hairer's {@link Transformation} of {@code A^-1} to one real eigenvalue and one
 * complex pair: the step then factorises an {@code n x n} real and an {@code n x n} complex matrix in place of the
 * {@code 3n x 3n} block form (about a fifth of the work), and the estimate's matrix is the real one.
 *
 * @param estimateGamma   {@code gamma0} of the estimate's matrix, {@code > 0}; 0 for a method without an estimate
 * @param estimateWeights {@code e}, one per stage; null where {@code estimateGamma} is 0
 * @param transformation  the real eigenvalue and complex pair of {@code A^-1} with their basis, or null (the block form)
 */
public record Firk(double estimateGamma, double[] estimateWeights, Transformation transformation) {
    /** A method without an error estimate (fixed steps). */
    public static final Firk NO_ESTIMATE = new Firk(0, null);

    /**
     * {@code T^-1 A^-1 T = [[gamma, 0, 0], [0, alpha, -beta], [0, beta, alpha]]} for a three-stage {@code A}: the real
     * eigenvalue {@code gamma} of {@code A^-1} (the estimate's {@code 1 / gamma0}) and the pair {@code alpha +- i beta},
     * with {@code T}'s columns the real eigenvector and the real and imaginary parts of the complex one. The stage
     * increments {@code Z = (T (x) I) W} decouple: {@code (gamma / h - J) W_0 = r_0} and
     * {@code ((alpha + i beta) / h - J) (W_1 + i W_2) = r_1 + i r_2}, {@code r = (T^-1 (x) I)} times the Newton residual.
     *
     * @param t    {@code T}, 3 x 3
     * @param tInv {@code T^-1}, 3 x 3
     */
    public record Transformation(double[][] t, double[][] tInv, double gamma, double alpha, double beta) {
        /** Checks the shapes and that {@code beta > 0}; copies the matrices. */
        public Transformation {
            if (t.length != 3 || tInv.length != 3 || Arrays.stream(t).anyMatch(r -> r.length != 3)
                    || Arrays.stream(tInv).anyMatch(r -> r.length != 3) || !(beta > 0) || !(gamma > 0)) {
                throw new IllegalArgumentException("firk: a transformation is of a three-stage method, 3 x 3 matrices, gamma > 0 and beta > 0"
                        + " (got gamma " + gamma + ", beta " + beta + ")");
            }
            t = Arrays.stream(t).map(double[]::clone).toArray(double[][]::new);
            tInv = Arrays.stream(tInv).map(double[]::clone).toArray(double[][]::new);
        }

        /** Whether {@code T^-1 m T} is this transformation's block form, each entry within 1e-10 of {@code m}'s largest. */
        public boolean diagonalises(double[][] m) {
            double[][] expected = {{gamma, 0, 0}, {0, alpha, -beta}, {0, beta, alpha}};
            double largest = Arrays.stream(m).flatMapToDouble(Arrays::stream).map(Math::abs).max().orElse(0);
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    double sum = 0;
                    for (int p = 0; p < 3; p++) {
                        for (int q = 0; q < 3; q++) {
                            sum += tInv[i][p] * m[p][q] * t[q][j];
                        }
                    }
                    if (!(Math.abs(sum - expected[i][j]) <= 1e-10 * largest)) {
                        return false;
                    }
                }
            }
            return true;
        }

        /** {@code T} (a copy). */
        @Override
        public double[][] t() {
            return Arrays.stream(t).map(double[]::clone).toArray(double[][]::new);
        }

        /** {@code T^-1} (a copy). */
        @Override
        public double[][] tInv() {
            return Arrays.stream(tInv).map(double[]::clone).toArray(double[][]::new);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Transformation x && Arrays.deepEquals(t, x.t) && Arrays.deepEquals(tInv, x.tInv)
                    && gamma == x.gamma && alpha == x.alpha && beta == x.beta;
        }

        @Override
        public int hashCode() {
            return Arrays.deepHashCode(t) * 31 + Double.hashCode(alpha + 3 * beta + 7 * gamma);
        }

        @Override
        public String toString() {
            return "transformation gamma " + gamma + ", alpha " + alpha + " +- i " + beta;
        }
    }

    /** A method in the block form (no transformation). */
    public Firk(double estimateGamma, double[] estimateWeights) {
        this(estimateGamma, estimateWeights, null);
    }

    /**
     * Checks that an estimate has both its gamma ({@code > 0}) and its weights, and that a transformation's real
     * eigenvalue is the estimate's {@code 1 / gamma0}; copies the weights.
     */
    public Firk {
        if ((estimateGamma == 0) != (estimateWeights == null) || estimateGamma < 0 || Double.isNaN(estimateGamma)) {
            throw new IllegalArgumentException("firk: estimate gamma " + estimateGamma + " with "
                    + (estimateWeights == null ? "no" : estimateWeights.length) + " weights (expected: gamma > 0 with weights, or 0 without)");
        }
        if (transformation != null && estimateGamma > 0 && Math.abs(transformation.gamma() * estimateGamma - 1) > 1e-12) {
            throw new IllegalArgumentException("firk: the transformation's real eigenvalue " + transformation.gamma()
                    + " is not 1 / the estimate's gamma0 " + estimateGamma);
        }
        estimateWeights = estimateWeights == null ? null : estimateWeights.clone();
    }

    /** Whether the method has an error estimate (and so can control its step). */
    public boolean hasEstimate() {
        return estimateWeights != null;
    }

    /** The estimate's weights (a copy), or null. */
    @Override
    public double[] estimateWeights() {
        return estimateWeights == null ? null : estimateWeights.clone();
    }

    /** The inverse of the square matrix {@code a}, by Gauss-Jordan elimination with partial pivoting. */
    public static double[][] inverse(double[][] a) {
        int s = a.length;
        double[][] m = new double[s][2 * s];
        for (int i = 0; i < s; i++) {
            System.arraycopy(a[i], 0, m[i], 0, s);
            m[i][s + i] = 1;
        }
        for (int k = 0; k < s; k++) {
            int p = k;
            for (int r = k + 1; r < s; r++) {
                if (Math.abs(m[r][k]) > Math.abs(m[p][k])) {
                    p = r;
                }
            }
            if (m[p][k] == 0) {
                throw new IllegalArgumentException("firk: the stage matrix is singular");
            }
            double[] t = m[k];
            m[k] = m[p];
            m[p] = t;
            double pivot = m[k][k];
            for (int j = 0; j < 2 * s; j++) {
                m[k][j] /= pivot;
            }
            for (int r = 0; r < s; r++) {
                if (r != k && m[r][k] != 0) {
                    double f = m[r][k];
                    for (int j = 0; j < 2 * s; j++) {
                        m[r][j] -= f * m[k][j];
                    }
                }
            }
        }
        double[][] inv = new double[s][];
        for (int i = 0; i < s; i++) {
            inv[i] = Arrays.copyOfRange(m[i], s, 2 * s);
        }
        return inv;
    }

    /**
     * The collocation method with nodes {@code c}: {@code a_ij} and {@code b_j} from the simplifying conditions
     * {@code sum_j a_ij c_j^(k-1) = c_i^k / k} and {@code sum_j b_j c_j^(k-1) = 1 / k}, {@code k = 1..s}. Row {@code s}
     * of the result is {@code b}; rows {@code 0..s-1} are {@code A}.
     */
    public static double[][] collocation(double[] c) {
        int s = c.length;
        double[][] v = new double[s][s]; // v[k][j] = c_j^k
        for (int k = 0; k < s; k++) {
            for (int j = 0; j < s; j++) {
                v[k][j] = Math.pow(c[j], k);
            }
        }
        double[][] vi = inverse(v);
        double[][] out = new double[s + 1][s];
        for (int i = 0; i <= s; i++) {
            double x = i < s ? c[i] : 1;
            for (int j = 0; j < s; j++) {
                double sum = 0;
                for (int k = 0; k < s; k++) {
                    sum += Math.pow(x, k + 1) / (k + 1) * vi[j][k];
                }
                out[i][j] = sum;
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Firk f && estimateGamma == f.estimateGamma && Arrays.equals(estimateWeights, f.estimateWeights)
                && java.util.Objects.equals(transformation, f.transformation);
    }

    @Override
    public int hashCode() {
        return (Double.hashCode(estimateGamma) * 31 + Arrays.hashCode(estimateWeights)) * 31 + java.util.Objects.hashCode(transformation);
    }

    @Override
    public String toString() {
        return (hasEstimate() ? "fully implicit, estimate gamma0 " + estimateGamma : "fully implicit")
                + (transformation == null ? "" : ", " + transformation);
    }
}
