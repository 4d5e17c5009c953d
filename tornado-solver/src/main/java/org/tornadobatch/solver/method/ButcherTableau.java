package org.tornadobatch.solver.method;

import java.util.Arrays;
import java.util.Objects;

/**
 * A Runge-Kutta method as data: nodes {@code c}, the strictly lower-triangular matrix {@code a} (row {@code i} has
 * {@code i} entries; a fully implicit method's has {@code s}), weights {@code b}, and optionally the embedded weights
 * {@code bHat} whose difference from {@code b} estimates the local error. Arrays are copied in and out.
 *
 * @param name          the method's canonical name
 * @param c             nodes, {@code c[0] = 0}
 * @param a             coupling coefficients, row {@code i} of length {@code i} ({@code s} for a fully implicit method)
 * @param b             weights of the propagated solution
 * @param bHat          embedded weights, or null for a method without an error estimate
 * @param order         order of the propagated solution
 * @param embeddedOrder order of the embedded solution (0 without one); step control uses {@code embeddedOrder + 1}
 * @param rosenbrock    for a Rosenbrock method, its implicit part (then {@code c}, {@code a}, {@code b} and
 *                      {@code bHat} are its {@code alpha}, {@code a}, {@code m} and {@code mHat}); null otherwise
 * @param sdirk         for a singly diagonally implicit method, its diagonal ({@code a} holds the part below it); null otherwise
 * @param firk          for a fully implicit method, its error estimate ({@code a} is the full matrix; {@code bHat} null); null otherwise
 */
public record ButcherTableau(String name, double[] c, double[][] a, double[] b, double[] bHat, int order, int embeddedOrder,
                             Rosenbrock rosenbrock, Sdirk sdirk, Firk firk) {
    /** An explicit method. */
    public ButcherTableau(String name, double[] c, double[][] a, double[] b, double[] bHat, int order, int embeddedOrder) {
        this(name, c, a, b, bHat, order, embeddedOrder, null, null, null);
    }

    /** A Rosenbrock method. */
    public ButcherTableau(String name, double[] c, double[][] a, double[] b, double[] bHat, int order, int embeddedOrder, Rosenbrock rosenbrock) {
        this(name, c, a, b, bHat, order, embeddedOrder, rosenbrock, null, null);
    }

    /** A singly diagonally implicit method (SDIRK or ESDIRK). */
    public ButcherTableau(String name, double[] c, double[][] a, double[] b, double[] bHat, int order, int embeddedOrder, Sdirk sdirk) {
        this(name, c, a, b, bHat, order, embeddedOrder, null, sdirk, null);
    }

    /** A fully implicit method ({@code a} the full matrix; the estimate, if any, in {@code firk}; {@code embeddedOrder} its order). */
    public ButcherTableau(String name, double[] c, double[][] a, double[] b, int order, int embeddedOrder, Firk firk) {
        this(name, c, a, b, null, order, embeddedOrder, null, null, Objects.requireNonNull(firk, "firk"));
    }

    /**
     * Checks the shapes (a strictly lower-triangular {@code a}, or a full one for a fully implicit method; one entry of
     * {@code c}, {@code b}, {@code bHat} per stage) and copies the arrays.
     */
    public ButcherTableau {
        Objects.requireNonNull(name, "name");
        int s = b.length;
        if (c.length != s || a.length != s || (bHat != null && bHat.length != s)) {
            throw new IllegalArgumentException(name + ": c, a, b and bHat must all have " + s + " stages");
        }
        c = c.clone();
        b = b.clone();
        bHat = bHat == null ? null : bHat.clone();
        double[][] copy = new double[s][];
        for (int i = 0; i < s; i++) {
            int expected = firk != null ? s : i;
            if (a[i].length != expected) {
                throw new IllegalArgumentException(name + ": row " + i + " of a has " + a[i].length + " entries (expected: " + expected + ")");
            }
            copy[i] = a[i].clone();
        }
        a = copy;
        if (rosenbrock != null && rosenbrock.c().length != s) {
            throw new IllegalArgumentException(name + ": the Rosenbrock part has " + rosenbrock.c().length + " stages (expected: " + s + ")");
        }
        if ((rosenbrock != null ? 1 : 0) + (sdirk != null ? 1 : 0) + (firk != null ? 1 : 0) > 1) {
            throw new IllegalArgumentException(name + ": a method is one of Rosenbrock, SDIRK or fully implicit");
        }
        if (firk != null && (bHat != null || (firk.hasEstimate() && firk.estimateWeights().length != s))) {
            throw new IllegalArgumentException(name + ": a fully implicit method has no bHat, and one estimate weight per stage");
        }
        if (firk != null && firk.transformation() != null && s != 3) {
            throw new IllegalArgumentException(name + ": a transformation is of a three-stage method (this one has " + s + " stages)");
        }
        if (firk != null && firk.transformation() != null && !firk.transformation().diagonalises(Firk.inverse(a))) {
            throw new IllegalArgumentException(name + ": the transformation does not take A^-1 to [[gamma, 0, 0], [0, alpha, -beta], [0, beta, alpha]] (to 1e-10)");
        }
        if (order < 1 || ((bHat != null || (firk != null && firk.hasEstimate())) && embeddedOrder < 1)) {
            throw new IllegalArgumentException(name + ": order " + order + ", embedded order " + embeddedOrder);
        }
    }

    /** The number of stages. */
    public int stages() {
        return b.length;
    }

    /** Whether this is a Rosenbrock method (linearly implicit: a Jacobian and an LU factorisation per step). */
    public boolean isRosenbrock() {
        return rosenbrock != null;
    }

    /** Whether this is a singly diagonally implicit method (Newton's iteration per stage over one LU factorisation per step). */
    public boolean isSdirk() {
        return sdirk != null;
    }

    /** Whether this is a fully implicit method (Newton's iteration on all stages at once over one LU factorisation per step). */
    public boolean isFirk() {
        return firk != null;
    }

    /** Whether a step solves its stages by Newton's iteration (SDIRK or fully implicit). */
    public boolean usesNewton() {
        return sdirk != null || firk != null;
    }

    /** Whether a step needs the Jacobian and a factorised matrix (Rosenbrock, SDIRK or fully implicit). */
    public boolean isImplicit() {
        return rosenbrock != null || sdirk != null || firk != null;
    }

    /** Whether the method has embedded weights or a fully implicit method's estimate (and so can control its step). */
    public boolean hasErrorEstimate() {
        return bHat != null || (firk != null && firk.hasEstimate());
    }

    /** The exponent base of step control: the order of the error estimate ({@code embeddedOrder + 1}). */
    public int errorOrder() {
        return embeddedOrder + 1;
    }

    /** {@code b - bHat}, the weights of the error estimate. */
    public double[] errorWeights() {
        if (bHat == null) {
            throw new IllegalStateException(name + " has no error estimate");
        }
        double[] e = new double[b.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = b[i] - bHat[i];
        }
        return e;
    }

    /**
     * First same as last: the last stage is evaluated at the propagated solution ({@code c = 1}, {@code a} of
     * the last row equal to {@code b}, and the last weight zero), so it is the next step's first stage.
     */
    public boolean isFsal() {
        int s = stages();
        if (isImplicit() || s < 2 || c[s - 1] != 1.0 || b[s - 1] != 0.0) {
            return false;
        }
        for (int j = 0; j < s - 1; j++) {
            if (a[s - 1][j] != b[j]) {
                return false;
            }
        }
        return true;
    }

    /** The nodes (a copy). */
    @Override
    public double[] c() {
        return c.clone();
    }

    /** The coupling coefficients, row {@code i} of length {@code i} ({@code s} for a fully implicit method; a copy). */
    @Override
    public double[][] a() {
        double[][] copy = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            copy[i] = a[i].clone();
        }
        return copy;
    }

    /** The weights of the propagated solution (a copy). */
    @Override
    public double[] b() {
        return b.clone();
    }

    /** The embedded weights (a copy), or null. */
    @Override
    public double[] bHat() {
        return bHat == null ? null : bHat.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ButcherTableau t && name.equals(t.name) && Arrays.equals(c, t.c) && Arrays.deepEquals(a, t.a)
                && Arrays.equals(b, t.b) && Arrays.equals(bHat, t.bHat) && order == t.order && embeddedOrder == t.embeddedOrder
                && Objects.equals(rosenbrock, t.rosenbrock) && Objects.equals(sdirk, t.sdirk) && Objects.equals(firk, t.firk);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(c), Arrays.deepHashCode(a), Arrays.hashCode(b), Arrays.hashCode(bHat), order, rosenbrock, sdirk, firk);
    }

    @Override
    public String toString() {
        return name + " (order " + order + (bHat != null ? ", embedded " + embeddedOrder : "") + ", " + stages() + " stages"
                + (rosenbrock != null ? ", " + rosenbrock : "") + (sdirk != null ? ", " + sdirk : "")
                + (firk != null ? ", " + firk : "") + ")";
    }
}
