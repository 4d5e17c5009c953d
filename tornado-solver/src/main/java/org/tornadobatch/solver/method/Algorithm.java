package org.tornadobatch.solver.method;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The explicit Runge-Kutta methods, and for stiff systems the Rosenbrock, the singly diagonally implicit (SDIRK) and the
 * fully implicit (Radau IIA, Gauss-Legendre) methods, by canonical name and the aliases users know. Names are
 * case-insensitive; {@code _} and {@code -} are interchangeable.
 */
public enum Algorithm {
    /** Forward Euler: order 1, fixed steps. */
    EULER("euler", Tableaus.EULER),
    /** Heun's method: order 2, fixed steps. */
    HEUN_21("heun-21", Tableaus.HEUN_21, "heun"),
    /** Ralston's third-order method, fixed steps. */
    RALSTON_33("ralston-33", Tableaus.RALSTON_33, "ralston"),
    /** Bogacki and Shampine's 3(2) pair (MATLAB's ode23). */
    BOGACKI_SHAMPINE_32("bogacki-shampine-32", Tableaus.BOGACKI_SHAMPINE_32, "rk23", "ode23", "bs3"),
    /** The classical fourth-order Runge-Kutta method, fixed steps. */
    CLASSICAL_RK4("classical-rk4", Tableaus.CLASSICAL_RK4, "rk4"),
    /** Cash and Karp's 5(4) pair. */
    CASH_KARP_54("cash-karp-54", Tableaus.CASH_KARP_54, "cash-karp", "rkck"),
    /** Fehlberg's 4(5) pair. */
    FEHLBERG_45("fehlberg-45", Tableaus.FEHLBERG_45, "rkf45", "fehlberg"),
    /** Dormand and Prince's 5(4) pair (dopri5, MATLAB's ode45): the default. */
    DORMAND_PRINCE_54("dormand-prince-54", Tableaus.DORMAND_PRINCE_54, "dopri5", "dopri54", "rk45", "ode45"),
    /** Tsitouras' 5(4) pair. */
    TSIT5("tsit5", Tableaus.TSIT5, "tsitouras-54"),
    /** Verner's 7(6) pair, for tight tolerances. */
    VERN7("vern7", Tableaus.VERN7, "verner-76"),
    /** Dormand and Prince's order-8 method with Hairer's 5 and 3 error estimates (dop853). */
    DORMAND_PRINCE_853("dormand-prince-853", Tableaus.DORMAND_PRINCE_853, "dop853"),
    /** Linearly implicit, for stiff systems: a Jacobian from the equations and one LU factorisation per step. */
    ROS3P("ros3p", Tableaus.ROS3P),
    /** Shampine and Reichelt's ode23s pair (OrdinaryDiffEq.jl's Rosenbrock23): order 2, L-stable, 3 stages; loose tolerances. */
    ROSENBROCK23("rosenbrock23", Tableaus.ROSENBROCK23, "ode23s", "rosenbrock23-sciml"),
    /** Steinebach's Rodas3P: stiffly accurate, order 3, 5 stages. */
    RODAS3P("rodas3p", Tableaus.RODAS3P),
    /** Hairer and Wanner's RODAS: stiffly accurate, order 4; fewer steps than ros3p at tight tolerances. */
    RODAS4("rodas4", Tableaus.RODAS4, "rodas"),
    /** Steinebach's Rodas5P: stiffly accurate, order 5 with less order reduction; DiffEqGPU's stiff default. */
    RODAS5P("rodas5p", Tableaus.RODAS5P),
    /** Backward Euler, for stiff systems: order 1, L-stable, fixed steps; Newton's iteration over the generated Jacobian. */
    BACKWARD_EULER("backward-euler", Tableaus.BACKWARD_EULER, "implicit-euler", "beuler"),
    /** The implicit midpoint rule: order 2, A-stable, symplectic; fixed steps. */
    IMPLICIT_MIDPOINT("implicit-midpoint", Tableaus.IMPLICIT_MIDPOINT, "midpoint-implicit"),
    /** The trapezoidal rule (Crank-Nicolson): order 2, A-stable; adaptive with an explicit Euler estimate. */
    CRANK_NICOLSON("crank-nicolson", Tableaus.TRAPEZOIDAL, "trapezoidal", "trapezoid", "cn"),
    /** Alexander's L-stable two-stage SDIRK of order 2, fixed steps. */
    SDIRK_2_2("sdirk-2-2", Tableaus.SDIRK_2_2, "sdirk2"),
    /** Alexander's L-stable three-stage SDIRK of order 3, fixed steps. */
    L_STABLE_DIRK_3("l-stable-dirk-3", Tableaus.L_STABLE_DIRK_3, "dirk3", "alexander3"),
    /** Hairer and Wanner's SDIRK4: L-stable, order 4 with an embedded order 3 (adaptive). */
    L_STABLE_SDIRK_4("l-stable-sdirk-4", Tableaus.L_STABLE_SDIRK_4, "sdirk4", "hairer-wanner-sdirk4"),
    /** Kvaerno's L-stable ESDIRK 3(2) (adaptive). */
    KVAERNO3("kvaerno3", Tableaus.KVAERNO3, "kvaerno-3"),
    /** Kvaerno's L-stable ESDIRK 5(4) (adaptive). */
    KVAERNO5("kvaerno5", Tableaus.KVAERNO5, "kvaerno-5"),
    /** Radau IIA of order 5 (Hairer and Wanner's RADAU5): fully implicit, L-stable, stiffly accurate; adaptive. */
    RADAU_IIA_5("radau-iia-5", Tableaus.RADAU_IIA_5, "radau", "radau5", "radau-iia"),
    /** Gauss-Legendre, two stages: order 4, A-stable, symplectic; fully implicit, fixed steps. */
    GAUSS_LEGENDRE_2("gauss-legendre-2", Tableaus.GAUSS_LEGENDRE_2, "firk-gauss-legendre-2", "gl2", "gauss2"),
    /** Gauss-Legendre, four stages: order 8, A-stable, symplectic; fully implicit, fixed steps. */
    GAUSS_LEGENDRE_4("gauss-legendre-4", Tableaus.GAUSS_LEGENDRE_4, "firk-gauss-legendre-4", "gl4", "gauss4");

    /** The default algorithm. */
    public static final Algorithm DEFAULT = DORMAND_PRINCE_54;

    private final String canonical;
    private final ButcherTableau tableau;
    private final List<String> aliases;

    Algorithm(String canonical, ButcherTableau tableau, String... aliases) {
        this.canonical = canonical;
        this.tableau = tableau;
        this.aliases = List.of(aliases);
    }

    /** The algorithm called {@code name} (canonical or alias). */
    public static Algorithm of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Algorithm a : values()) {
            if (a.canonical.equals(n) || a.aliases.contains(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException("algorithm: " + name + " (expected one of " + names() + ")");
    }

    /** Every accepted name, canonical names first. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (Algorithm a : values()) {
            out.add(a.canonical);
        }
        for (Algorithm a : values()) {
            out.addAll(a.aliases);
        }
        return out;
    }

    /** The method's name in outputs and run.json, e.g. {@code dormand-prince-54}. */
    public String canonicalName() {
        return canonical;
    }

    /** Other names {@link #of} accepts, e.g. {@code dopri5}, {@code rk45}. */
    public List<String> aliases() {
        return aliases;
    }

    /** The method's coefficients (for a Rosenbrock method, with its implicit part). */
    public ButcherTableau tableau() {
        return tableau;
    }

    /** Whether the method has an embedded error estimate, so that adaptive step control can use it. */
    public boolean isAdaptive() {
        return tableau.hasErrorEstimate();
    }

    /** {@code pi} for methods with an error estimate, {@code fixed} for the others. */
    public Controller defaultController() {
        return isAdaptive() ? Controller.PI : Controller.FIXED;
    }

    @Override
    public String toString() {
        return canonical;
    }
}
