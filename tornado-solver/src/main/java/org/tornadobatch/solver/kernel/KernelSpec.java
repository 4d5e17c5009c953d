package org.tornadobatch.solver.kernel;

import java.util.List;

import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.method.ButcherTableau;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.Metric;
import org.tornadobatch.system.OdeSystem;

/**
 * Everything one generated kernel is specialised for: the system (with its constants), the method, the
 * controller and its coefficients, the precision, and which variables are saved and summarised with which
 * metrics. Index arrays refer to the system's states and observables.
 */
public record KernelSpec(OdeSystem system, ButcherTableau tableau, StepControl control, Precision precision,
                         int[] savedStates, int[] savedObservables, int[] summarisedStates, int[] summarisedObservables,
                         List<Metric> metrics) {
    public KernelSpec {
        savedStates = savedStates.clone();
        savedObservables = savedObservables.clone();
        summarisedStates = summarisedStates.clone();
        summarisedObservables = summarisedObservables.clone();
        metrics = List.copyOf(metrics);
    }

    /**
     * Argument positions of a launch; see {@link KernelGenerator}. A launch integrates the runs
     * {@code ARG_FIRST <= r < ARG_RUNS} of the chunk whose arrays are {@code ARG_STRIDE} runs wide; thread
     * {@code t} takes run {@code ARG_FIRST + t}.
     */
    public static final int ARG_INIT = 0;
    public static final int ARG_PARAMS = 1;
    public static final int ARG_EVENT_TIMES = 2;
    public static final int ARG_EVENT_FLAGS = 3;
    public static final int ARG_STATE = 4;
    public static final int ARG_OBSERVABLES = 5;
    public static final int ARG_STATE_SUMMARIES = 6;
    public static final int ARG_OBSERVABLE_SUMMARIES = 7;
    public static final int ARG_STATUS = 8;
    public static final int ARG_STEPS = 9;
    public static final int ARG_RUNS = 10;
    public static final int ARG_STRIDE = 11;
    public static final int ARG_EVENTS = 12;
    public static final int ARG_T0 = 13;
    public static final int ARG_DT = 14;
    public static final int ARG_DT_MIN = 15;
    public static final int ARG_DT_MAX = 16;
    public static final int ARG_MAX_STEPS = 17;
    public static final int ARG_ATOL = 18;
    public static final int ARG_RTOL = 19;
    public static final int ARG_SAVES = 20;
    public static final int ARG_WINDOWS = 21;
    public static final int ARG_FIRST = 22;
    public static final int ARG_COUNT = 23;

    /** Output values per summarised variable. */
    public int slotsPerVariable() {
        return metrics.stream().mapToInt(Metric::slots).sum();
    }

    /** What determines the generated code (hashing this with the generator version names the class). */
    public String fingerprint() {
        return system.fingerprint() + "#" + tableau + java.util.Arrays.deepToString(tableau.a()) + "#" + control.controller()
                + "/" + control.safety() + "/" + control.minGain() + "/" + control.maxGain() + "/" + control.deadbandMin() + "/"
                + control.deadbandMax() + "/" + control.kp() + "/" + control.ki() + "/" + control.kd() + "#" + precision + "#"
                + java.util.Arrays.toString(savedStates) + java.util.Arrays.toString(savedObservables)
                + java.util.Arrays.toString(summarisedStates) + java.util.Arrays.toString(summarisedObservables) + metrics;
    }
}
