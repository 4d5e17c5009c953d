package org.tornadobatch.solver.kernel;

import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.Metric;
import org.tornadobatch.system.OdeSystem;

/**
 * Everything one generated kernel is specialised for: the system (with its constants), the method, the
 * controller and its coefficients, the precision, which variables are saved and summarised with which
 * metrics, the drivers, and whether an SDIRK step solves its linear systems by Krylov iterations
 * ({@link org.tornadobatch.solver.method.LinearSolver}). Index arrays refer to the system's states and observables.
 */
public record KernelSpec(OdeSystem system, ButcherTableau tableau, StepControl control, Precision precision,
                         int[] savedStates, int[] savedObservables, int[] summarisedStates, int[] summarisedObservables,
                         List<Metric> metrics, boolean stepCounts, DriverTable drivers, boolean krylov) {

    /** A spec whose Newton steps (if any) factorise their matrix ({@code krylov} false). */
    public KernelSpec(OdeSystem system, ButcherTableau tableau, StepControl control, Precision precision, int[] savedStates,
                      int[] savedObservables, int[] summarisedStates, int[] summarisedObservables, List<Metric> metrics, boolean stepCounts,
                      DriverTable drivers) {
        this(system, tableau, control, precision, savedStates, savedObservables, summarisedStates, summarisedObservables, metrics, stepCounts,
                drivers, false);
    }

    /** A spec without drivers ({@code drivers} null). */
    public KernelSpec(OdeSystem system, ButcherTableau tableau, StepControl control, Precision precision, int[] savedStates,
                      int[] savedObservables, int[] summarisedStates, int[] summarisedObservables, List<Metric> metrics, boolean stepCounts) {
        this(system, tableau, control, precision, savedStates, savedObservables, summarisedStates, summarisedObservables, metrics, stepCounts,
                null);
    }

    /** A spec without the per-save step counts. */
    public KernelSpec(OdeSystem system, ButcherTableau tableau, StepControl control, Precision precision, int[] savedStates,
                      int[] savedObservables, int[] summarisedStates, int[] summarisedObservables, List<Metric> metrics) {
        this(system, tableau, control, precision, savedStates, savedObservables, summarisedStates, summarisedObservables, metrics, false);
    }

    /** Copies the index arrays and the metrics. */
    public KernelSpec {
        savedStates = savedStates.clone();
        savedObservables = savedObservables.clone();
        summarisedStates = summarisedStates.clone();
        summarisedObservables = summarisedObservables.clone();
        metrics = List.copyOf(metrics);
    }

    /** Output values per summarised variable. */
    public int slotsPerVariable() {
        return metrics.stream().mapToInt(Metric::slots).sum();
    }

    /**
     * The rows of the per-run array ({@link SolveResult}'s {@code PER_RUN_*}) that the kernel
     * writes into its {@code steps} argument, in that order: accepted and rejected steps; Newton iterations (SDIRK,
     * fully implicit); Jacobian evaluations and matrix factorisations (every implicit method).
     */
    public int[] perRunRows() {
        List<Integer> rows = new ArrayList<>(List.of(SolveResult.PER_RUN_ACCEPTED, SolveResult.PER_RUN_REJECTED));
        if (tableau.usesNewton()) {
            rows.add(SolveResult.PER_RUN_NEWTON);
        }
        if (tableau.isImplicit()) {
            rows.add(SolveResult.PER_RUN_JACOBIANS);
            rows.add(SolveResult.PER_RUN_FACTORISATIONS);
        }
        return rows.stream().mapToInt(Integer::intValue).toArray();
    }

    /** What determines the generated code (hashing this with the generator version names the class). */
    public String fingerprint() {
        return system.fingerprint() + "#" + tableau + java.util.Arrays.deepToString(tableau.a()) + "#" + control.controller()
                + "/" + control.safety() + "/" + control.minGain() + "/" + control.maxGain() + "/" + control.deadbandMin() + "/"
                + control.deadbandMax() + "/" + control.kp() + "/" + control.ki() + "/" + control.kd() + "/" + control.estimatesInitialStep()
                + "#" + precision + "#"
                + java.util.Arrays.toString(savedStates) + java.util.Arrays.toString(savedObservables)
                + java.util.Arrays.toString(summarisedStates) + java.util.Arrays.toString(summarisedObservables) + metrics
                + (stepCounts ? "#counts" : "") + (drivers == null ? "" : "#" + drivers) + (krylov ? "#krylov" : "");
    }
}
