package org.tornadobatch.solver;

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
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.LinearSolver;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.solver.run.CountProperty;
import org.tornadobatch.solver.run.DeviceSet;
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
    /** Builder.vectorKernels as given (null: not called), for the devices after the first. */
    private final Boolean vectorChoice;
    /** Whether the SDIRK method's linear systems are solved by Krylov iterations (Builder.linearSolver). */
    private final boolean krylov;
    private final Map<String, Kernel> kernels = new ConcurrentHashMap<>();
    /** The devices a solve spreads over (Builder.devices); null on one device. */
    private final DeviceSet devices;
    /** The solver's own memory owner (a split solve adds parts of its own for its duration). */
    private final SolverPart self;
    private final String streamGroup;
    private final boolean manualProportion;
    private final OptionalDouble memProportion;
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
        this.devices = DeviceSet.of(b.devices, b.shares, b.memory != null);
        this.memory = devices != null ? devices.manager(0) : b.memory != null ? b.memory : MemoryManager.getDefault();
        if (devices != null) {
            devices.forEach(m -> KernelChoice.baseLanguage(m.runtime())); // refuses a runtime that cannot run the kernels
        }
        this.blockSize = b.blockSize;
        this.language = KernelChoice.baseLanguage(memory.runtime());
        this.vectorKernels = !Boolean.FALSE.equals(b.vectorKernels) && language.equals("java") && vectorApi();
        this.vectorAlways = Boolean.TRUE.equals(b.vectorKernels);
        this.vectorChoice = b.vectorKernels;
        this.krylov = b.linearSolver.krylov(algorithm.tableau(), system.states().size());
        Variables.check(system, outputs);
        this.streamGroup = "solver-" + IDS.incrementAndGet();
        this.self = new SolverPart(memory, "solver-" + system.name(), streamGroup);
        this.manualProportion = b.memProportion.isPresent();
        this.memProportion = b.memProportion;
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

    /** The memory manager the solver allocates from (on several devices: the first's). */
    public MemoryManager memoryManager() {
        return memory;
    }

    /** The share of the runs each device takes in the next solve (given, or measured by the last solve); {@code [1.0]} on one. */
    public double[] deviceShares() {
        return devices == null ? new double[] {1.0} : devices.shares();
    }

    /** On several devices: each device's runs and times in the last solve; else empty. */
    public List<org.tornadobatch.solver.run.DeviceTimes> lastDeviceTimes() {
        return devices == null ? List.of() : devices.lastTimes();
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
        if (devices != null) {
            checkSolvable(batch);
            return devices.solve(newJob(batch, time, store), progress);
        }
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

    /** An owner on device {@code index} of several running {@code kernel} (with memProportion where given); the caller closes it. */
    private SolverPart newDevicePart(int index, Kernel kernel) {
        SolverPart p = new SolverPart(devices.manager(index), "solver-" + system.name() + "-device" + index, streamGroup + "-device" + index,
                kernel);
        memProportion.ifPresent(v -> devices.manager(index).setManualProportion(p, v));
        return p;
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
        if (devices != null) {
            throw new IllegalStateException("prepare: this solver spreads its solves over " + devices.size() + " devices; prepare works on"
                    + " one (build a solver with memoryManager for a prepared solve)");
        }
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
        String kernelLanguage = KernelChoice.language(spec, language, vectorKernels, vectorAlways, worthVectors(batch, time));
        Kernel kernel = kernels.computeIfAbsent(KernelGenerator.key(spec, kernelLanguage),
                k -> memory.runtime().compile(KernelGenerator.generate(spec, kernelLanguage)));
        java.util.function.IntFunction<SolverPart> parts = this::newPart;
        if (devices != null) {
            Kernel[] each = new Kernel[devices.size()];
            each[0] = kernel;
            for (int d = 1; d < each.length; d++) {
                String base = KernelChoice.baseLanguage(devices.manager(d).runtime());
                String lang = KernelChoice.language(spec, base, !Boolean.FALSE.equals(vectorChoice) && base.equals("java") && vectorApi(),
                        vectorAlways, worthVectors(batch, time));
                each[d] = devices.kernel(d, KernelGenerator.key(spec, lang), () -> KernelGenerator.generate(spec, lang));
            }
            parts = d -> newDevicePart(d, each[d]);
        }
        double compileMillis = (System.nanoTime() - started) / 1e6;
        long tables = System.nanoTime();
        SolveJob.Setting setting = new SolveJob.Setting(memory, algorithm.canonicalName(), outputs.toString(),
                drivers == null || drivers.isPerRun() ? null : drivers.coefficients(system.drivers()),
                drivers == null || !drivers.isPerRun() ? null : drivers.perRunCoefficients(system.drivers()), blockSize, self, parts);
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

    /** Whether {@code batch} over {@code time} is work enough for a vector kernel ({@link KernelChoice#worthVectors}). */
    boolean worthVectors(Batch batch, TimeSpec time) {
        return KernelChoice.worthVectors(system, algorithm, control, batch, time);
    }

    /** Whether this JVM reads {@code jdk.incubator.vector} (started with {@code --add-modules jdk.incubator.vector}). */
    static boolean vectorApi() {
        return KernelChoice.vectorApi();
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
        if (devices != null) {
            devices.close();
        }
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
        private List<MemoryManager> devices;
        private double[] shares;
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

        /**
         * Spreads every batch over several devices, one memory manager each (the first is the solver's; two managers of
         * one device, such as two contexts on one GPU, count as two): device k solves a contiguous range of the runs with
         * its own arrays, chunks and kernel, into one result. The ranges follow {@link #deviceShares} where given, else
         * equal ranges first and then each device's measured speed ({@link Solver#deviceShares()}). Results equal one
         * device's solve run for run. The managers stay the caller's to close. The CLI's {@code --device 0,1}.
         */
        public Builder devices(List<MemoryManager> managers) {
            this.devices = List.copyOf(Objects.requireNonNull(managers, "devices"));
            return this;
        }

        /** {@link #devices(List)} of these managers. */
        public Builder devices(MemoryManager... managers) {
            return devices(List.of(managers));
        }

        /** The share of the runs each of {@link #devices} takes, in their order (any positive weights; default: measured). */
        public Builder deviceShares(double... shares) {
            this.shares = shares.clone();
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
