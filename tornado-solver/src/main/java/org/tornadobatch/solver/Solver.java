package org.tornadobatch.solver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.Kernel;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.kernel.DriverTable;
import org.tornadobatch.solver.kernel.KernelGenerator;
import org.tornadobatch.solver.kernel.KernelSpec;
import org.tornadobatch.solver.kernel.VectorKernelWriter;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.LinearSolver;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.solver.run.CountProperty;
import org.tornadobatch.solver.run.PreparedSolve;
import org.tornadobatch.solver.run.Schedule;
import org.tornadobatch.solver.run.SolveJob;
import org.tornadobatch.solver.run.SolverPart;
import org.tornadobatch.solver.run.SplitRun;
import org.tornadobatch.solver.run.Variables;
import org.tornadobatch.system.OdeSystem;

/**
 * Solves one system for batches of runs on one device runtime. A solver owns a kernel per output layout it
 * has met (compiled once, also cached on disk by the runtime) and asks its {@link MemoryManager} for every
 * device array through ArrayRequests, so a batch that does not fit is split into chunks.
 *
 * <pre>{@code
 * try (Solver solver = Solver.builder(lorenz).algorithm(Algorithm.CLASSICAL_RK4)
 *         .stepControl(StepControl.builder().dt(1e-3)).build();
 *      SolveResult r = solver.solve(Batch.grid(lorenz, Map.of("rho", rhos), GridKind.COMBINATORIAL), TimeSpec.of(1.0))) {
 *     double zAtEnd = r.state().get(1, 2, 0);
 * }
 * }</pre>
 *
 * A solver is used by one thread at a time; {@link #close()} unregisters it from its memory manager.
 */
public final class Solver implements AutoCloseable {
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Solver.class);

    /**
     * System property: how many parts a solve is split into where the runtime runs independent streams at once
     * ({@code DeviceRuntime.overlapsIndependentStreams()}); default: one per 2^18 runs, at most 8; 1 never splits.
     * Never with a manual memory proportion, nor for {@link #prepare}d solves.
     */
    public static final String PARTS_PROPERTY = "tornadobatch.parts";
    private static final int MIN_PART_RUNS = 1 << 18;
    private static final int MAX_PARTS = 8;

    private final OdeSystem system;
    private final Algorithm algorithm;
    private final StepControl control;
    private final Precision precision;
    private final OutputSpec outputs;
    private final Drivers drivers;
    private final MemoryManager memory;
    private final int blockSize;
    private final String language;
    /** Whether vector kernels may run (the JVM has the module, the runtime is jvm, the user did not refuse them). */
    private final boolean vectorKernels;
    /** The user asked for vector kernels whatever the batch (Builder.vectorKernels(true)); else the work decides. */
    private final boolean vectorAlways;
    /** Whether the SDIRK method's linear systems are solved by Krylov iterations (Builder.linearSolver). */
    private final boolean krylov;
    private final Map<String, Kernel> kernels = new ConcurrentHashMap<>();
    /** The solver's own memory owner (a split solve adds parts of its own for its duration). */
    private final SolverPart self;
    private final String streamGroup;
    private final boolean manualProportion;
    private boolean closed;
    private PreparedSolve prepared;

    private Solver(Builder b) {
        this.system = b.system;
        this.algorithm = b.algorithm;
        this.control = forPrecision(b.control.resolve(b.algorithm, b.system.states().size()), b.precision);
        this.precision = b.precision;
        this.outputs = b.outputs;
        this.drivers = b.drivers;
        if (drivers != null || !system.drivers().isEmpty()) {
            if (drivers == null) {
                throw new IllegalArgumentException("drivers: " + system.name() + " reads the drivers " + system.drivers()
                        + " (expected: their samples, Solver.Builder.drivers(Drivers.sampled(t0, dt, samples)))");
            }
            drivers.check(system);
        }
        this.memory = b.memory != null ? b.memory : MemoryManager.getDefault();
        this.blockSize = b.blockSize;
        this.language = kernelLanguage(memory.runtime());
        this.vectorKernels = !Boolean.FALSE.equals(b.vectorKernels) && language.equals("java") && vectorApi();
        this.vectorAlways = Boolean.TRUE.equals(b.vectorKernels);
        this.krylov = b.linearSolver.krylov(algorithm.tableau(), system.states().size());
        Variables.check(system, outputs);
        this.streamGroup = "solver-" + IDS.incrementAndGet();
        this.self = new SolverPart(memory, "solver-" + system.name(), streamGroup);
        this.manualProportion = b.memProportion.isPresent();
        b.memProportion.ifPresent(p -> memory.setManualProportion(self, p));
    }

    /**
     * {@code c} as a kernel of {@code precision} can meet it: in float32, relative tolerances below
     * {@link StepControl#FLOAT32_MIN_RTOL} are raised to it (with a warning), since they only cost steps there.
     */
    private static StepControl forPrecision(StepControl c, Precision precision) {
        if (precision != Precision.FLOAT32 || !c.controller().isAdaptive()) {
            return c;
        }
        StepControl raised = c.withMinRtol(StepControl.FLOAT32_MIN_RTOL);
        if (raised != c) {
            LOG.warn("rtol {} is below float32's unit roundoff; raised to {} (float32 cannot resolve less: use float64 for tighter"
                    + " tolerances)", java.util.Arrays.toString(c.rtol()), StepControl.FLOAT32_MIN_RTOL);
        }
        return raised;
    }

    /**
     * Solves {@code system} in one call, as CuBIE's {@code solve_ivp}: the runs are every combination of the swept
     * {@code values} (or the paired lists, with {@link SolveOptions#grid}), variables not given keep their defaults;
     * integrated over {@code duration} from {@code options.t0}. The solver is closed before this returns; the
     * result is the caller's to close.
     */
    public static SolveResult solveIvp(OdeSystem system, Map<String, double[]> values, double duration, SolveOptions options) {
        Batch batch = Batch.grid(system, values, options.grid());
        TimeSpec time = options.time(duration);
        try (Solver solver = options.solver(system).build()) {
            SolveResult r = solver.solve(batch, time);
            if (options.nanOnFailure()) {
                r.setFailedRunsToNaN();
            }
            return r;
        }
    }

    /** {@link #solveIvp(OdeSystem, Map, double, SolveOptions)} with every default option. */
    public static SolveResult solveIvp(OdeSystem system, Map<String, double[]> values, double duration) {
        return solveIvp(system, values, duration, SolveOptions.defaults());
    }

    /** The kernel's view of the drivers, in the system's order; null without. */
    private DriverTable driverTable() {
        return drivers == null ? null : new DriverTable(system.drivers(), drivers.interpolation().degree(), drivers.segments(),
                drivers.ends() == Drivers.Ends.WRAP, drivers.t0(), drivers.dt(), drivers.isPerRun());
    }

    /** A builder of a solver for {@code system}. */
    public static Builder builder(OdeSystem system) {
        return new Builder(system);
    }

    /** The system the solver integrates. */
    public OdeSystem system() {
        return system;
    }

    /** The solver's method. */
    public Algorithm algorithm() {
        return algorithm;
    }

    /** The resolved step control. */
    public StepControl stepControl() {
        return control;
    }

    /** The precision of states, parameters and results. */
    public Precision precision() {
        return precision;
    }

    /** What each solve records. */
    public OutputSpec outputs() {
        return outputs;
    }

    /** The memory manager the solver allocates from. */
    public MemoryManager memoryManager() {
        return memory;
    }

    /** Solves {@code batch} over {@code time}. */
    public SolveResult solve(Batch batch, TimeSpec time) {
        return solve(batch, time, ProgressListener.NONE);
    }

    /**
     * Solves {@code batch} over {@code time}, telling {@code progress} as chunks and runs finish. On a runtime that
     * runs independent streams at once but does not overlap copies with kernels within one (tornadovm: one
     * execution plan per stream), a large batch is split into parts solved at once, each with its own arrays and
     * stream (see {@link #PARTS_PROPERTY}).
     */
    public SolveResult solve(Batch batch, TimeSpec time, ProgressListener progress) {
        return solve(batch, time, progress, null);
    }

    /**
     * {@link #solve(Batch, TimeSpec, ProgressListener)} with the result arrays from {@code store} (null: the memory
     * manager's), into which every chunk's results are copied as it finishes.
     */
    public SolveResult solve(Batch batch, TimeSpec time, ProgressListener progress, ResultStore store) {
        int parts = parts(batch.runs());
        if (parts <= 1) {
            return prepare(batch, time, progress, store).run();
        }
        checkSolvable(batch);
        return SplitRun.solve(newJob(batch, time, store), progress, parts);
    }

    private int parts(int runs) {
        DeviceRuntime rt = memory.runtime();
        int parts = CountProperty.forced(PARTS_PROPERTY);
        if (parts == 0) {
            parts = rt.overlapsIndependentStreams() && !rt.overlapsCopiesWithKernels() ? Math.min(MAX_PARTS, runs / MIN_PART_RUNS) : 1;
        }
        return manualProportion ? 1 : Math.max(1, Math.min(parts, runs));
    }

    /** A new memory owner for one part of a split solve; the caller closes it. */
    private SolverPart newPart(int index) {
        return new SolverPart(memory, "solver-" + system.name() + "-part" + index, streamGroup + "-part" + index);
    }

    /**
     * Prepares a solve of {@code batch} over {@code time} without running it: the kernel compiled, the chunks
     * planned, the arrays allocated (see {@link PreparedSolve}). Run or close it before the next solve.
     */
    public PreparedSolve prepare(Batch batch, TimeSpec time) {
        return prepare(batch, time, ProgressListener.NONE);
    }

    /** {@link #prepare(Batch, TimeSpec)}, telling {@code progress} as chunks and runs finish when run. */
    public PreparedSolve prepare(Batch batch, TimeSpec time, ProgressListener progress) {
        return prepare(batch, time, progress, null);
    }

    private PreparedSolve prepare(Batch batch, TimeSpec time, ProgressListener progress, ResultStore store) {
        checkSolvable(batch);
        if (prepared != null) {
            throw new IllegalStateException("this solver has a prepared solve that was neither run nor closed; run or close it first");
        }
        PreparedSolve p = PreparedSolve.prepare(newJob(batch, time, store), progress, this::finished);
        prepared = p;
        return p;
    }

    private void checkSolvable(Batch batch) {
        if (closed) {
            throw new IllegalStateException("the solver is closed");
        }
        if (batch.system() != system && !batch.system().fingerprint().equals(system.fingerprint())) {
            throw new IllegalArgumentException("batch: built for system " + batch.system().name() + " (expected: " + system.name() + ")");
        }
        if (drivers != null) {
            drivers.checkRuns(batch.runs());
        }
    }

    /** What every solve needs first: the kernel's spec, the variables, the schedule and the compiled kernel. */
    private SolveJob newJob(Batch batch, TimeSpec time, ResultStore store) {
        Variables vars = Variables.resolve(system, outputs);
        KernelSpec spec = new KernelSpec(system, algorithm.tableau(), control, precision, vars.savedStates(), vars.savedObservables(),
                vars.summarisedStates(), vars.summarisedObservables(), outputs.metrics(), outputs.stepCounts() || outputs.time(), driverTable(),
                krylov);
        Schedule schedule = Schedule.of(time, outputs.hasSummaries());
        long started = System.nanoTime();
        String lang = language;
        if (vectorKernels && (vectorAlways || worthVectors(batch, time))) {
            String why = VectorKernelWriter.unsupported(spec);
            if (why == null) {
                lang = KernelGenerator.JAVA_VECTOR;
            } else if (vectorAlways) {
                // Asked for by name (--simd, vectorKernels(true)): said where the user sees it, not only in the debug log.
                LOG.warn("vector kernels asked for, but they do not cover {}: the scalar kernel runs", why);
            } else {
                LOG.debug("the scalar kernel: the vector kernels do not cover {}", why);
            }
        }
        String kernelLanguage = lang;
        Kernel kernel = kernels.computeIfAbsent(KernelGenerator.key(spec, kernelLanguage),
                k -> memory.runtime().compile(KernelGenerator.generate(spec, kernelLanguage)));
        double compileMillis = (System.nanoTime() - started) / 1e6;
        long tables = System.nanoTime();
        SolveJob.Setting setting = new SolveJob.Setting(memory, algorithm.canonicalName(), outputs.toString(),
                drivers == null || drivers.isPerRun() ? null : drivers.coefficients(system.drivers()),
                drivers == null || !drivers.isPerRun() ? null : drivers.perRunCoefficients(system.drivers()), blockSize, self, this::newPart);
        if (drivers != null) {
            LOG.debug("drivers' tables: {} ms", Math.round((System.nanoTime() - tables) / 1e6));
        }
        return new SolveJob(setting, batch, time, spec, vars, schedule, kernel, compileMillis, started, store);
    }

    /** Called by a prepared solve when it was run or closed. */
    private synchronized void finished(PreparedSolve p) {
        if (prepared == p) {
            prepared = null;
        }
    }

    /**
     * The estimated work (runs x steps x states) from which a vector kernel pays for its JIT warm-up. HotSpot runs
     * Vector API code interpreted, and then without its intrinsics, until C2 has compiled it: about 1 to 2 s of a
     * cold solve on the 2-core build machine (docs/performance.md), against a scalar kernel that is 1.5x to 8x slower
     * once warm. 3e8 is about 3 s of scalar work on Lorenz.
     */
    static final double VECTOR_MIN_WORK = 3e8;

    /**
     * The steps per run that {@link #worthVectors} assumes for an adaptive implicit solve, whatever its duration: a stiff
     * solver's steps grow far slower than the time span (measured on the jvm: Robertson to t = 100 38 with kvaerno5, 50
     * with rodas5p, 377 with ros3p; to t = 1e5 74 with kvaerno5, 499 with l-stable-sdirk-4; HIRES to 321.8 134 with
     * kvaerno5, 202 with rodas5p).
     */
    static final double STIFF_STEPS = 300;

    /**
     * Whether {@code batch} over {@code time} is work enough for a vector kernel: runs x steps x states, the steps
     * those of the fixed step, {@link #STIFF_STEPS} for an adaptive implicit method, or 100 per unit of time for
     * other adaptive methods (the Lorenz ensemble takes 83 at 1e-8). Measured (2-core build machine, cold CLI solves,
     * HIRES under rodas5p, 8 states, 202 steps per run): at 16384 runs the vector kernel took 2.4 to 2.6 s against the
     * scalar kernel's 1.8 s, at 131072 runs 7.3 to 7.6 s against 12.7 to 13.0 s; Robertson, 65537 runs to t = 100: the
     * first solve 3.8 s against 1.1 s.
     */
    boolean worthVectors(Batch batch, TimeSpec time) {
        double span = time.end() - time.t0();
        boolean adaptive = control.controller().isAdaptive();
        double steps = !adaptive ? span / control.dt() : algorithm.tableau().isImplicit() ? STIFF_STEPS : 100 * Math.max(1, span);
        return (double) batch.runs() * steps * system.states().size() >= VECTOR_MIN_WORK;
    }

    private static final java.util.concurrent.atomic.AtomicBoolean VECTOR_API_NOTED = new java.util.concurrent.atomic.AtomicBoolean();

    /** Whether this JVM reads {@code jdk.incubator.vector} (started with {@code --add-modules jdk.incubator.vector}). */
    static boolean vectorApi() {
        boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        if (!present && VECTOR_API_NOTED.compareAndSet(false, true)) {
            LOG.info("the jvm backend runs scalar kernels: start the JVM with --add-modules jdk.incubator.vector for vector kernels"
                    + " (several runs per instruction; the tornado-batch launcher does)");
        }
        return present;
    }

    /** The language the solver's kernels are generated in for {@code runtime}: cuda, tornadovm or java, the first it accepts. */
    private static String kernelLanguage(DeviceRuntime runtime) {
        for (String l : List.of("cuda", "tornadovm", "java")) {
            if (runtime.kernelLanguages().contains(l)) {
                return l;
            }
        }
        throw new IllegalArgumentException("backend: " + runtime.name() + " cannot run this solver's kernels (it accepts "
                + runtime.kernelLanguages() + "; the solver generates " + KernelGenerator.LANGUAGES + ")");
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (prepared != null) {
            prepared.close();
        }
        closed = true;
        kernels.values().forEach(Kernel::close);
        self.close();
    }

    /** Options of a {@link Solver}; unset ones take their defaults. */
    public static final class Builder {
        private final OdeSystem system;
        private Algorithm algorithm = Algorithm.DEFAULT;
        private StepControl.Builder control = StepControl.builder();
        private Precision precision = Precision.FLOAT64;
        private OutputSpec outputs = OutputSpec.stateOnly();
        private MemoryManager memory;
        private OptionalDouble memProportion = OptionalDouble.empty();
        private int blockSize;
        private Drivers drivers;
        private Boolean vectorKernels;
        private LinearSolver linearSolver = LinearSolver.AUTO;

        Builder(OdeSystem system) {
            this.system = Objects.requireNonNull(system, "system");
        }

        /** The method (default dormand-prince-54). */
        public Builder algorithm(Algorithm a) {
            this.algorithm = Objects.requireNonNull(a, "algorithm");
            return this;
        }

        /** The step control: controller, steps and tolerances. */
        public Builder stepControl(StepControl.Builder c) {
            this.control = Objects.requireNonNull(c, "stepControl");
            return this;
        }

        /** The precision (default float64). */
        public Builder precision(Precision p) {
            this.precision = Objects.requireNonNull(p, "precision");
            return this;
        }

        /** What to record; variable names it gives are checked against the system here. */
        public Builder outputs(OutputSpec o) {
            Variables.resolve(system, Objects.requireNonNull(o, "outputs"));
            this.outputs = o;
            return this;
        }

        /** The manager that allocates device memory (default: {@link MemoryManager#getDefault()}). */
        public Builder memoryManager(MemoryManager m) {
            this.memory = Objects.requireNonNull(m, "memoryManager");
            return this;
        }

        /** The share of device memory this solver may use; batches that need more are chunked. */
        public Builder memProportion(double p) {
            if (!(p > 0 && p <= 1)) {
                throw new IllegalArgumentException("memProportion: " + p + " (expected: in (0, 1])");
            }
            this.memProportion = OptionalDouble.of(p);
            return this;
        }

        /**
         * Runs per block (per task on the jvm backend, per thread block on GPUs). Default 0: the runtime chooses
         * (256 on the jvm backend; the occupancy calculator's block size on cuda).
         */
        public Builder blockSize(int runs) {
            if (runs < 0 || runs > 1024) {
                throw new IllegalArgumentException("blockSize: " + runs + " (expected: 1 to 1024, or 0 to let the runtime choose)");
            }
            this.blockSize = runs;
            return this;
        }

        /** The samples of the system's drivers (required when it declares drivers), shared by every run. */
        public Builder drivers(Drivers d) {
            this.drivers = Objects.requireNonNull(d, "drivers");
            return this;
        }

        /**
         * Whether the jvm backend runs vector kernels: kernels that advance a vector of runs per instruction through
         * {@code jdk.incubator.vector}, where the JVM was started with {@code --add-modules jdk.incubator.vector} and
         * the solve is one they cover (every method; not equations past their length, nor many states with observables or summaries). True: for every batch (the CLI's {@code --simd});
         * false: never (the CLI's {@code --no-simd}). Not called: for batches whose work pays for the vector
         * kernel's JIT warm-up (about 3e8 runs x steps x states). Other backends ignore it.
         */
        public Builder vectorKernels(boolean allowed) {
            this.vectorKernels = allowed;
            return this;
        }

        /**
         * How an SDIRK or ESDIRK method solves its Newton iteration's linear systems (default {@link LinearSolver#AUTO}:
         * Krylov iterations from {@link LinearSolver#KRYLOV_MIN_STATES} states, else LU); {@link LinearSolver#KRYLOV}
         * with another method is refused when the solver is built. The CLI's {@code --linear-solver}.
         */
        public Builder linearSolver(LinearSolver s) {
            this.linearSolver = Objects.requireNonNull(s, "linearSolver");
            return this;
        }

        /** The solver; its options are checked here, before any device work. */
        public Solver build() {
            return new Solver(this);
        }
    }
}
