package org.tornadobatch.solver.method;

/**
 * The implicit part of a singly diagonally implicit Runge-Kutta method (SDIRK; ESDIRK where the first stage is
 * explicit): every implicit stage has the same diagonal coefficient {@code gamma}, so one matrix
 * {@code W = I / (h gamma) - J} ({@code J = df/dy} at the step's start) serves the Newton iterations of all stages,
 * factorised once per step. Stage {@code i} solves
 * <pre>
 *   Y_i = y + h sum_(j&lt;i) a_ij k_j + h gamma f(t + c_i h, Y_i),   k_i = f(t + c_i h, Y_i),
 * </pre>
 * with the step's {@link ButcherTableau} holding {@code c}, the strictly lower {@code a}, {@code b} and {@code bHat}.
 *
 * @param gamma              the diagonal coefficient, {@code > 0}
 * @param explicitFirstStage whether the first stage is explicit ({@code a_00 = 0}: ESDIRK; its k is f at the step's start)
 */
public record Sdirk(double gamma, boolean explicitFirstStage) {
    /** Checks {@code gamma > 0}. */
    public Sdirk {
        if (!(gamma > 0)) {
            throw new IllegalArgumentException("sdirk: gamma " + gamma + " (expected: > 0)");
        }
    }

    /** Whether stage {@code stage} is implicit (solved by Newton's iteration). */
    public boolean implicit(int stage) {
        return stage > 0 || !explicitFirstStage;
    }
}
