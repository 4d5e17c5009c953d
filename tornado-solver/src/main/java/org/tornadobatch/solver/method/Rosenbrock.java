package org.tornadobatch.solver.method;

import java.util.Arrays;
import java.util.Objects;

/**
 * The linearly implicit part of a Rosenbrock method, in the transformed form of Hairer and Wanner (Solving ODEs
 * II, IV.7, (7.25)) that needs one LU factorisation per step and no matrix-vector products: with
 * {@code W = I / (h gamma) - J} ({@code J = df/dy} at the step's start),
 * <pre>
 *   W K_i = f(t + alpha_i h, y + sum_(j&lt;i) a_ij K_j) + sum_(j&lt;i) (c_ij / h) K_j + gamma_i h df/dt,
 *   y_new = y + sum_i m_i K_i,   error = sum_i (m_i - mHat_i) K_i.
 * </pre>
 * The step's {@link ButcherTableau} holds {@code alpha} as its nodes, {@code a}, and {@code m} and {@code mHat} as
 * its weights; this holds {@code gamma}, the {@code c_ij} (row {@code i} of length {@code i}) and the {@code gamma_i}.
 */
public record Rosenbrock(double gamma, double[][] c, double[] gammas) {
    /** Checks the shapes (row {@code i} of {@code c} of length {@code i}, one {@code gamma_i} per stage, {@code gamma > 0}) and copies the arrays. */
    public Rosenbrock {
        c = Arrays.stream(c).map(double[]::clone).toArray(double[][]::new);
        gammas = gammas.clone();
        for (int i = 0; i < c.length; i++) {
            if (c[i].length != i) {
                throw new IllegalArgumentException("rosenbrock: row " + i + " of c has " + c[i].length + " entries (expected: " + i + ")");
            }
        }
        if (gammas.length != c.length || !(gamma > 0)) {
            throw new IllegalArgumentException("rosenbrock: gamma " + gamma + ", " + gammas.length + " gammas for " + c.length + " stages");
        }
    }

    /** The coefficients {@code c_ij} of the earlier stages in each stage's right-hand side (a copy). */
    @Override
    public double[][] c() {
        return Arrays.stream(c).map(double[]::clone).toArray(double[][]::new);
    }

    /** The {@code gamma_i}: the weights of {@code h df/dt} in each stage (a copy). */
    @Override
    public double[] gammas() {
        return gammas.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rosenbrock r && gamma == r.gamma && Arrays.deepEquals(c, r.c) && Arrays.equals(gammas, r.gammas);
    }

    @Override
    public int hashCode() {
        return Objects.hash(gamma, Arrays.deepHashCode(c), Arrays.hashCode(gammas));
    }

    @Override
    public String toString() {
        return "rosenbrock gamma " + gamma + " c " + Arrays.deepToString(c) + " gammas " + Arrays.toString(gammas);
    }
}
