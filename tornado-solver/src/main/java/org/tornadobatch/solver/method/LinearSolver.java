package org.tornadobatch.solver.method;

import java.util.Arrays;
import java.util.Locale;

/**
 * How the Newton iteration of an SDIRK or ESDIRK step solves its linear systems {@code (I / (h gamma) - J) d = r}:
 * <ul>
 *   <li>{@code dense}: J evaluated once per step, {@code W} factorised by LU with partial pivoting, two triangular
 *       solves per iteration (memory per run grows as {@code n^2});</li>
 *   <li>{@code krylov}: matrix-free, BiCGStab with W's diagonal as its (Jacobi) preconditioner, each product
 *       {@code J v} computed from the generated Jacobian at the step's start without storing J (memory per run grows as
 *       {@code n}, work per product as J's non-zero entries);</li>
 *   <li>{@code auto} (the default): {@code krylov} from {@link #KRYLOV_MIN_STATES} states, else {@code dense}.</li>
 * </ul>
 * Rosenbrock and fully implicit methods always factorise (their stages need exact solves).
 */
public enum LinearSolver {
    /** LU of W, once per step. */
    DENSE,
    /** BiCGStab on products with J, without forming W. */
    KRYLOV,
    /** {@link #KRYLOV} from {@link #KRYLOV_MIN_STATES} states, else {@link #DENSE}. */
    AUTO;

    /** The states from which {@link #AUTO} solves an SDIRK method's systems by Krylov iterations. */
    public static final int KRYLOV_MIN_STATES = 32;

    /** The solver named {@code name} (case-insensitive); an unknown name is refused listing the known ones. */
    public static LinearSolver of(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        for (LinearSolver s : values()) {
            if (s.name().equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("linear solver: " + name + " (expected one of "
                + String.join(", ", Arrays.stream(values()).map(LinearSolver::toString).toList()) + ")");
    }

    /**
     * Whether a step of {@code tableau} on {@code states} states solves by Krylov iterations under this choice;
     * {@code krylov} for a method without Newton stages of its own is refused, naming the methods it serves.
     */
    public boolean krylov(ButcherTableau tableau, int states) {
        if (this == KRYLOV && !tableau.isSdirk()) {
            throw new IllegalArgumentException("linear solver: krylov serves the SDIRK and ESDIRK methods (kvaerno3, kvaerno5, "
                    + "l-stable-sdirk-4, ...), not " + tableau.name() + " (use dense or auto)");
        }
        return tableau.isSdirk() && (this == KRYLOV || (this == AUTO && states >= KRYLOV_MIN_STATES));
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
