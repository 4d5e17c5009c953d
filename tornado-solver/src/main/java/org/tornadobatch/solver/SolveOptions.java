package org.tornadobatch.solver;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;

/**
 * The options of {@link Solver#solveIvp}: method and step control, output times, outputs, how swept values make
 * runs, precision, memory. Each setter returns this options object; unset options take the same defaults as the
 * builder's and the command line's (dormand-prince-54 with Hairer's PI control at {@code atol = rtol = 1e-6}, the
 * first and last sample of every state, a combinatorial grid, float64, the default memory manager).
 */
public final class SolveOptions {
    private Algorithm algorithm = Algorithm.DEFAULT;
    private final StepControl.Builder control = StepControl.builder();
    private List<String> outputs = List.of("state");
    private List<String> saveVariables;
    private List<String> summariseVariables;
    private GridKind grid = GridKind.COMBINATORIAL;
    private Precision precision = Precision.FLOAT64;
    private MemoryManager memory;
    private double t0;
    private double warmup;
    private double saveEvery = Double.NaN;
    private double summariseEvery = Double.NaN;
    private double sampleEvery = Double.NaN;
    private boolean saveStart = true;
    private double[] stops = new double[0];
    private boolean nanOnFailure;
    private Drivers drivers;

    /** Options with every default (as {@link #defaults()}). */
    public SolveOptions() {
    }

    /** Options with every default. */
    public static SolveOptions defaults() {
        return new SolveOptions();
    }

    /** The method by name or alias, e.g. {@code "rk4"}, {@code "tsit5"}, {@code "dopri5"} ({@link Algorithm#names()}). */
    public SolveOptions method(String name) {
        this.algorithm = Algorithm.of(name);
        return this;
    }

    /** {@code fixed}, {@code i}, {@code pi}, {@code pid} or {@code gustafsson}. */
    public SolveOptions controller(String name) {
        control.controller(Controller.of(name));
        return this;
    }

    /** The same absolute and relative tolerance for every state. */
    public SolveOptions tolerances(double atol, double rtol) {
        control.atol(atol).rtol(rtol);
        return this;
    }

    /** One absolute tolerance, or one per state. */
    public SolveOptions atol(double... v) {
        control.atol(v);
        return this;
    }

    /** One relative tolerance, or one per state. */
    public SolveOptions rtol(double... v) {
        control.rtol(v);
        return this;
    }

    /** The step of a fixed-step method; an adaptive method's first step (default: estimated per run). */
    public SolveOptions dt(double v) {
        control.dt(v);
        return this;
    }

    /** Any other step-control option ({@code dtMin}, {@code dtMax}, {@code maxSteps}, {@code safety}, gains, PID, ...). */
    public SolveOptions stepControl(Consumer<StepControl.Builder> set) {
        set.accept(control);
        return this;
    }

    /** What to record, as the command line's {@code --outputs}: {@code state}, {@code observables}, metrics such as {@code mean}, {@code peaks[3]}. */
    public SolveOptions outputs(String... names) {
        this.outputs = List.of(names);
        return this;
    }

    /** The states and observables saved (default: every state). */
    public SolveOptions saveVariables(String... names) {
        this.saveVariables = List.of(names);
        return this;
    }

    /** The states and observables summarised (default: the saved ones). */
    public SolveOptions summariseVariables(String... names) {
        this.summariseVariables = List.of(names);
        return this;
    }

    /** How the swept values make runs: every combination (default) or paired lists. */
    public SolveOptions grid(GridKind kind) {
        this.grid = Objects.requireNonNull(kind, "grid");
        return this;
    }

    /** The precision of states, parameters and results (default float64). */
    public SolveOptions precision(Precision p) {
        this.precision = Objects.requireNonNull(p, "precision");
        return this;
    }

    /** The manager that picks the device and allocates memory (default: {@link MemoryManager#getDefault()}). */
    public SolveOptions memoryManager(MemoryManager m) {
        this.memory = Objects.requireNonNull(m, "memoryManager");
        return this;
    }

    /** Start time (default 0). */
    public SolveOptions t0(double v) {
        this.t0 = v;
        return this;
    }

    /** Time integrated before recording starts (CuBIE's settling time; default 0). */
    public SolveOptions warmup(double v) {
        this.warmup = v;
        return this;
    }

    /** Save interval (default: the first and last sample only). */
    public SolveOptions saveEvery(double v) {
        this.saveEvery = v;
        return this;
    }

    /** Summary window (default: the whole duration). */
    public SolveOptions summariseEvery(double v) {
        this.summariseEvery = v;
        return this;
    }

    /** Summary sampling interval (default: the save interval when it divides the window, else a tenth of it). */
    public SolveOptions sampleEvery(double v) {
        this.sampleEvery = v;
        return this;
    }

    /**
     * Times every run's steps land on exactly, recording nothing there (DifferentialEquations.jl's {@code tstops}):
     * where a forcing switches, e.g. a stimulus pulse's edges (default: none).
     */
    public SolveOptions stops(double... times) {
        this.stops = times.clone();
        return this;
    }

    /** Saves the final state only (no sample at the start of recording). */
    public SolveOptions finalStateOnly() {
        this.saveStart = false;
        return this;
    }

    /** Failed runs' saved values and summaries become NaN, as CuBIE's {@code nan_error_trajectories} (default: kept). */
    public SolveOptions nanOnFailure(boolean v) {
        this.nanOnFailure = v;
        return this;
    }

    /** The samples of the system's drivers (required when it declares drivers). */
    public SolveOptions drivers(Drivers d) {
        this.drivers = Objects.requireNonNull(d, "drivers");
        return this;
    }

    Solver.Builder solver(org.tornadobatch.system.OdeSystem system) {
        Solver.Builder b = Solver.builder(system).algorithm(algorithm).stepControl(control).precision(precision)
                .outputs(OutputSpec.of(outputs).withSaveVariables(saveVariables).withSummariseVariables(summariseVariables));
        if (drivers != null) {
            b.drivers(drivers);
        }
        return memory == null ? b : b.memoryManager(memory);
    }

    TimeSpec time(double duration) {
        return new TimeSpec(duration, t0, warmup, saveEvery, summariseEvery, sampleEvery, saveStart, stops);
    }

    GridKind grid() {
        return grid;
    }

    boolean nanOnFailure() {
        return nanOnFailure;
    }
}
