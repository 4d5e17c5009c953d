package org.tornadobatch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.io.BatchCsv;
import org.tornadobatch.io.ResultFolder;
import org.tornadobatch.io.RunRecord;
import org.tornadobatch.memory.AllocatorKind;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.memory.MemoryManagerBuilder;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.GridKind;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.Controller;
import org.tornadobatch.solver.method.LinearSolver;
import org.tornadobatch.solver.method.StepControl;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.system.OdeSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tornado-batch solve SYSTEM_FILE ... --out DIR}. */
@Command(name = "solve", mixinStandardHelpOptions = true, sortOptions = false, versionProvider = TornadoBatch.Version.class,
        description = {"Solves SYSTEM_FILE for a batch of runs and writes the results to --out:",
                "STATE.npy arrays in (time, variable, run) order, the runs as grid/NAME.npy columns (and grid.csv up to 100000 runs),",
                "run.json (what was run, every file written, where the time went)."})
final class SolveCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger("tornado-batch");

    @Parameters(index = "0", paramLabel = "SYSTEM_FILE", description = "The system's equations (see examples/).")
    Path systemFile;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the results (created; written atomically).")
    Path out;

    @Option(names = "--overwrite", description = "Replace --out if it exists.")
    boolean overwrite;

    @Option(names = "--sweep", paramLabel = "NAME=START:STOP:COUNT", description = "COUNT evenly spaced values of a state or parameter.")
    List<String> sweeps = new ArrayList<>();

    @Option(names = "--set", paramLabel = "NAME=VALUE", description = "Fix a state, parameter or constant (a constant is compiled in).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--grid", paramLabel = "combinatorial|verbatim", defaultValue = "combinatorial",
            description = "How sweeps combine (default: ${DEFAULT-VALUE}).")
    String grid;

    @Option(names = "--grid-csv", negatable = true, description = "Also write the runs as grid.csv; --no-grid-csv: never (default: up to"
            + " 100000 runs). They are always written as grid/NAME.npy columns beside run.npy.")
    Boolean gridCsv;

    @Option(names = "--inputs", paramLabel = "FILE.csv", description = "Runs from a CSV file: a header of variable names, one row per run.")
    Path inputs;

    @Option(names = "--duration", defaultValue = "1", description = "Recorded time span (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--t0", defaultValue = "0", description = "Start time (default: ${DEFAULT-VALUE}).")
    double t0;

    @Option(names = "--warmup", defaultValue = "0", description = "Settling time before recording (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--save-every", description = "Save interval (default: first and last sample only).")
    Double saveEvery;

    @Option(names = "--no-save-start", description = "Do not save the sample at the start of recording (without --save-every: the final state only).")
    boolean noSaveStart;

    @Option(names = "--summarise-every", description = "Summary window (default: the whole duration).")
    Double summariseEvery;

    @Option(names = "--sample-every", description = "Summary sampling interval (default: --save-every if it divides the window, else window/10).")
    Double sampleEvery;

    @Option(names = "--tstops", split = ",", paramLabel = "T", description = "Times every run's steps land on exactly, recording"
            + " nothing there: where a forcing switches, e.g. a pulse's edges (--tstops 10,12); after --t0, up to the end.")
    List<Double> tstops;

    @Option(names = "--algorithm", defaultValue = "dormand-prince-54", description = "Method (default: ${DEFAULT-VALUE}); e.g. rk4, tsit5, vern7, dop853.")
    String algorithm;

    @Option(names = "--controller", description = "fixed, i, pi, pid or gustafsson (default: pi for adaptive methods, fixed otherwise).")
    String controller;

    @Option(names = "--dt", description = "Step (fixed) or first step (adaptive).")
    Double dt;

    @Option(names = "--dt-min", description = "Smallest adaptive step.")
    Double dtMin;

    @Option(names = "--dt-max", description = "Largest adaptive step.")
    Double dtMax;

    @Option(names = "--atol", split = ",", description = "Absolute tolerance, one or one per state (default: 1e-6).")
    double[] atol;

    @Option(names = "--rtol", split = ",", description = "Relative tolerance, one or one per state (default: 1e-6).")
    double[] rtol;

    @Option(names = "--max-steps", description = "Attempted steps per run before giving up (default: 10000000).")
    Long maxSteps;

    @Option(names = "--safety", description = "Step-size safety factor, in (0, 1] (default: 0.9).")
    Double safety;

    @Option(names = "--gains", split = ",", paramLabel = "MIN,MAX", description = "Bounds of a step's change factor (default: 0.2,10).")
    double[] gains;

    @Option(names = "--pid", split = ",", paramLabel = "KP,KI[,KD]", description = "PI/PID exponents (default: Hairer's, 0.85,-0.2 for 5(4) pairs).")
    double[] pid;

    @Option(names = "--deadband", split = ",", paramLabel = "MIN,MAX", description = "Change factors that keep the step (default: none).")
    double[] deadband;

    @Option(names = "--outputs", split = ",", defaultValue = "state",
            description = "state, observables, time, step_counts, and metrics mean max min rms std max_magnitude extrema peaks[n]"
                    + " negative_peaks[n] peak_indices[n] negative_peak_indices[n] dxdt_max|min|extrema d2xdt2_max|min|extrema mean_std"
                    + " std_rms mean_std_rms (default: ${DEFAULT-VALUE}).")
    List<String> outputs;

    @Option(names = "--save-variables", split = ",", description = "Saved states/observables (default: all).")
    List<String> saveVariables;

    @Option(names = "--summarise-variables", split = ",", description = "Summarised states/observables (default: the saved ones).")
    List<String> summariseVariables;

    @Option(names = "--precision", defaultValue = "float64", description = "float64 or float32 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--backend", paramLabel = "auto|jvm|cuda|tornadovm", defaultValue = "auto", description = "Device runtime (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", description = "Worker threads of the jvm backend (default: all cores).")
    Integer threads;

    @Option(names = "--device", defaultValue = "0", paramLabel = "N|B:D|LIST|all", description = "Device index (default: ${DEFAULT-VALUE});"
            + " on tornadovm also B:D, device D of TornadoVM backend B as tornado-batch devices lists them (default there: PTX, then a GPU);"
            + " a list (0,1) spreads one solve over the devices, all: every cuda device, jvm in a list: the host's cores beside GPUs.")
    String deviceText;

    @Option(names = "--block-size", description = "Runs per thread block on GPUs, per task on the jvm backend"
            + " (default: the runtime chooses; on cuda, the occupancy calculator's size).")
    Integer blockSize;

    @Option(names = "--simd", negatable = true, description = "Vector kernels on the jvm backend (several runs per instruction) for"
            + " every batch; --no-simd: scalar kernels (default: vector kernels where the batch's work pays for their JIT warm-up).")
    Boolean simd;

    @Option(names = "--linear-solver", paramLabel = "auto|dense|krylov", defaultValue = "auto", description = "How SDIRK and ESDIRK methods"
            + " solve Newton's linear systems: dense (LU of W), krylov (BiCGStab without forming W or storing J: memory per run grows"
            + " with the states, not their square), auto: krylov from 32 states (default: ${DEFAULT-VALUE}).")
    String linearSolver;

    @Option(names = "--mem-proportion", description = "Share of device memory for this solve; bigger batches are chunked.")
    Double memProportion;

    @Option(names = "--allocator", paramLabel = "default|pooled|async",
            description = "Device allocator (default: pooled on tornadovm, which keeps an execution plan per set of buffers; else default).")
    String allocator;

    @Option(names = "--nan-on-failure", description = "Failed runs' saved values and summaries become NaN (as CuBIE's nan_error_trajectories).")
    boolean nanOnFailure;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar and no log lines but warnings and errors.")
    boolean quiet;

    @picocli.CommandLine.Mixin
    DriverOptions driverOptions;

    @picocli.CommandLine.Mixin
    PlotOptions plotOptions;

    @picocli.CommandLine.Mixin
    Verbosity verbosity;

    @Override
    public Integer call() throws Exception {
        try {
            return solveChecked();
        } finally {
            if (runtimes != null) {
                runtimes.closeUnused();
            }
        }
    }

    /** Opens the runtimes of --backend, --device and --threads (cuda devices on threads of their own, from the start). */
    private DeviceOpeners runtimes;

    private int solveChecked() throws Exception {
        try {
            return solveCommand();
        } catch (StackOverflowError | OutOfMemoryError e) {
            // The limits checked up front (expression depth, states, peaks, result size) should leave none of these.
            throw new IllegalArgumentException("the input is too large to process here (" + e.getClass().getSimpleName() + "): make the"
                    + " system or the batch smaller, or give the JVM more memory or stack with TORNADO_BATCH_JAVA_OPTS (e.g. -Xmx16g -Xss8m)", e);
        }
    }

    private int solveCommand() throws Exception {
        long begun = System.nanoTime();
        double startup = startupMillis();
        // Everything the command line says is checked before any device, kernel or folder work; a cuda device is
        // opened meanwhile (its driver's start and context take a few hundred ms), and its errors are reported where
        // the solve takes it, after every other check.
        runtimes = DeviceOpeners.start(backend, threads, deviceText);
        ResultFolder.check(out, overwrite, ResultFolder.Wording.CLI);
        plotOptions.checkPath();
        if (blockSize != null && (blockSize < 1 || blockSize > 1024)) {
            throw new IllegalArgumentException("--block-size: " + blockSize + " (expected: 1 to 1024; leave it out to let the runtime choose)");
        }
        OdeSystem system = loadSystem();
        org.tornadobatch.solver.Drivers drivers = driverOptions.load(system, systemFile);
        long parsed = System.nanoTime();
        Map<String, String> givenBy = new LinkedHashMap<>();
        Map<String, double[]> values = new LinkedHashMap<>();
        Map<String, org.tornadobatch.solver.Sweep.Linspace> swept = new LinkedHashMap<>();
        for (String s : sets) {
            String[] kv = OptionValues.split(s, "--set", "NAME=VALUE");
            once(givenBy, kv[0], "--set " + kv[0]);
            double v = OptionValues.number(kv[1], "--set " + kv[0]);
            if (system.constants().containsKey(kv[0])) {
                system = system.withConstant(kv[0], v);
            } else {
                values.put(kv[0], new double[] {v});
            }
        }
        for (String s : sweeps) {
            String[] kv = OptionValues.split(s, "--sweep", "NAME=START:STOP:COUNT");
            once(givenBy, kv[0], "--sweep " + kv[0]);
            if (system.constants().containsKey(kv[0])) {
                throw new IllegalArgumentException("--sweep " + kv[0] + ": '" + kv[0] + "' is a constant, compiled into the kernel, which"
                        + " cannot vary per run (declare it under parameters: to sweep it, or fix it with --set " + kv[0] + "=VALUE)");
            }
            swept.put(kv[0], OptionValues.linspace(kv[0], kv[1]));
        }
        TimeSpec time = new TimeSpec(duration, t0, warmup, nan(saveEvery), nan(summariseEvery), nan(sampleEvery), !noSaveStart);
        if (tstops != null) {
            try {
                time = time.withStops(tstops.stream().mapToDouble(Double::doubleValue).toArray());
            } catch (IllegalArgumentException e) { // TimeSpec's check, said as the option the user gave
                throw new IllegalArgumentException("--tstops: " + e.getMessage().replaceFirst("^stops: ", ""), e);
            }
        }
        Precision prec = Precision.of(precision);
        OutputSpec spec = OutputSpec.of(outputs).withSaveVariables(saveVariables).withSummariseVariables(summariseVariables);
        org.tornadobatch.solver.run.Schedule schedule = org.tornadobatch.solver.run.Schedule.of(time, spec.hasSummaries());
        if (inputs == null) {
            // The result's size is known before the runs are built: refuse one the disk cannot hold at once.
            java.util.function.Supplier<java.util.stream.LongStream> lengths = () -> java.util.stream.LongStream.concat(
                    values.values().stream().mapToLong(v -> v.length), swept.values().stream().mapToLong(v -> v.count()));
            long runs = GridKind.of(grid) == GridKind.COMBINATORIAL
                    ? lengths.get().reduce(1, (a, b) -> a > Long.MAX_VALUE / Math.max(1, b) ? Long.MAX_VALUE : a * b)
                    : lengths.get().max().orElse(1);
            long saved = saveVariables != null ? saveVariables.size() : system.states().size();
            long saves = schedule.saves();
            java.math.BigInteger bytes = java.math.BigInteger.valueOf(runs).multiply(java.math.BigInteger.valueOf(saves * saved * prec.elementType().bytes()));
            if (outputs.stream().anyMatch(o -> o.trim().equalsIgnoreCase("state"))) {
                org.tornadobatch.memory.host.HostArrays.requireResultFits(bytes.min(java.math.BigInteger.valueOf(Long.MAX_VALUE)).longValueExact(),
                        Path.of(System.getProperty("java.io.tmpdir")));
            }
        }
        Batch batch;
        if (inputs != null) {
            if (!sweeps.isEmpty()) {
                throw new IllegalArgumentException("--inputs and --sweep: choose one way to give the runs");
            }
            if (!Files.isRegularFile(inputs)) {
                throw new IllegalArgumentException("--inputs: " + inputs + " is not a file");
            }
            for (String column : BatchCsv.columns(inputs)) {
                if (givenBy.containsKey(column)) {
                    throw new IllegalArgumentException(givenBy.get(column) + " and the column '" + column + "' of " + inputs
                            + ": both give " + column + " (remove one)");
                }
            }
            batch = BatchCsv.read(withDefaults(system, values), inputs);
        } else {
            batch = Batch.grid(system, values, swept, GridKind.of(grid));
        }
        long gridded = System.nanoTime();
        Algorithm alg = Algorithm.of(algorithm);
        StepControl.Builder ctl = StepControl.builder();
        ifSet(controller, c -> ctl.controller(Controller.of(c)));
        ifSet(dt, ctl::dt);
        ifSet(dtMin, ctl::dtMin);
        ifSet(dtMax, ctl::dtMax);
        ifSet(atol, ctl::atol);
        ifSet(rtol, ctl::rtol);
        ifSet(maxSteps, ctl::maxSteps);
        ifSet(safety, ctl::safety);
        ifSet(gains, g -> ctl.gains(OptionValues.values("--gains", g, 2, 2)[0], g[1]));
        ifSet(pid, k -> ctl.pid(OptionValues.values("--pid", k, 2, 3)[0], k[1], k.length == 3 ? k[2] : 0));
        ifSet(deadband, d -> ctl.deadband(OptionValues.values("--deadband", d, 2, 2)[0], d[1]));
        ctl.resolve(alg, system.states().size()); // refuses bad or ignored step options here, before any device work
        plotOptions.checkVariables(system, spec);
        AllocatorKind alloc = allocator == null ? null : AllocatorKind.of(allocator);
        // The solver's options are checked as they are set: all before any device is opened.
        Solver.Builder sb = Solver.builder(system).algorithm(alg).stepControl(ctl).precision(prec).outputs(spec);
        if (memProportion != null) {
            sb.memProportion(memProportion);
        }
        if (blockSize != null) {
            sb.blockSize(blockSize);
        }
        if (simd != null) {
            sb.vectorKernels(simd);
        }
        LinearSolver linear;
        try {
            linear = LinearSolver.of(linearSolver);
            linear.krylov(alg.tableau(), system.states().size()); // refuses krylov for a method it does not serve, here
        } catch (IllegalArgumentException e) { // said as the option the user gave
            throw new IllegalArgumentException("--linear-solver " + e.getMessage().replaceFirst("^linear solver: ", ""), e);
        }
        sb.linearSolver(linear);
        if (drivers != null) {
            sb.drivers(drivers);
        }

        ResultFolder folder = ResultFolder.create(out, ResultFolder.Wording.CLI);
        boolean csv = gridCsv != null ? gridCsv : batch.runs() <= ResultFolder.GRID_CSV_MAX_RUNS;
        long failed;
        long[] closing = new long[3]; // when the result, then the solver, then the memory manager and runtime start to close
        Map<String, Double> before = new LinkedHashMap<>(); // the phases before the solve's own, in their order
        before.put("startup", startup);
        before.put("parse", (parsed - begun) / 1e6);
        before.put("grid", (gridded - parsed) / 1e6);
        try (DeviceOpeners.Open devices = runtimes.open(before, rt -> managerBuilder(rt, alloc).build())) {
            if (devices.managers().size() == 1) {
                sb.memoryManager(devices.managers().get(0));
            } else {
                sb.devices(devices.managers());
            }
            if (!devices.first().name().equals("jvm")) {
                // A device solves: the host's cores are free to write the grid's files meanwhile (on the jvm backend
                // they are the solve's, and a writer beside it slowed the kernel more than it saved).
                folder.writeGridAhead(batch, csv);
            }
            try (Solver solver = sb.build();
                 Progress progress = Progress.create(quiet)) {
                try (SolveResult result = solver.solve(batch, time, progress, folder.store())) {
                    progress.close(); // the bar ends before the lines below
                    if (nanOnFailure) {
                        result.setFailedRunsToNaN();
                    }
                    Map<String, Object> record = RunRecord.of(result, systemFile, before);
                    record.put("tool", new TornadoBatch.Version().getVersion()[0]);
                    folder.writeResult(result, record, csv);
                    folder.commit(overwrite);
                    if (LOG.isDebugEnabled() && record.get("run") instanceof Map<?, ?> run) {
                        StringBuilder phases = new StringBuilder();
                        ((Map<?, ?>) run.get(RunRecord.PHASES)).forEach((k, v) -> phases.append(phases.isEmpty() ? "" : ", ").append(k).append(' ')
                                .append(v instanceof Double d && !d.isNaN() ? String.format(java.util.Locale.ROOT, "%.1f", d) : "-"));
                        LOG.debug("phases (ms): {}; wall since the JVM started {} ms", phases,
                                Math.round(startup + (System.nanoTime() - begun) / 1e6));
                    }
                    folder = null;
                    failed = result.failureCount();
                    if (failed == 0) {
                        LOG.info("wrote {} ({} runs)", out, result.runs());
                    } else {
                        LOG.warn("wrote {} ({} runs, {} failed: see status.npy; exit code {})", out, result.runs(), failed,
                                TornadoBatch.EXIT_RUNS_FAILED);
                    }
                    plotOptions.draw(result, out);
                    closing[0] = System.nanoTime();
                }
                closing[1] = System.nanoTime();
            }
            closing[2] = System.nanoTime();
        } finally {
            if (folder != null) {
                folder.abandon();
            }
        }
        long closed = System.nanoTime();
        LOG.debug("closing (ms): result {}, solver {}, memory manager and runtime {}; wall since the JVM started {} ms",
                Math.round((closing[1] - closing[0]) / 1e6), Math.round((closing[2] - closing[1]) / 1e6),
                Math.round((closed - closing[2]) / 1e6), Math.round(startup + (closed - begun) / 1e6));
        return failed == 0 ? 0 : TornadoBatch.EXIT_RUNS_FAILED;
    }

    /** Environment variable the launcher sets to its start time (bash's EPOCHREALTIME: seconds since 1970, with a fraction). */
    static final String LAUNCHED_AT = "TORNADO_BATCH_LAUNCHED_AT";

    /**
     * Milliseconds from the launcher's start ({@link #LAUNCHED_AT}), or else from the JVM's, until now: what a user waited
     * before the command began.
     */
    private static double startupMillis() {
        double now = System.currentTimeMillis();
        String launched = System.getenv(LAUNCHED_AT);
        if (launched != null && launched.matches("\\d+([.,]\\d+)?")) {
            return now - Double.parseDouble(launched.replace(',', '.')) * 1e3;
        }
        return now - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    }

    private static <T> void ifSet(T value, java.util.function.Consumer<T> set) {
        if (value != null) {
            set.accept(value);
        }
    }

    private OdeSystem loadSystem() throws IOException {
        try {
            return OdeSystem.load(systemFile);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("SYSTEM_FILE: " + systemFile + " does not exist");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException("SYSTEM_FILE: " + systemFile + " cannot be read (permission denied)");
        }
    }

    private static void once(Map<String, String> givenBy, String name, String option) {
        String first = givenBy.putIfAbsent(name, option);
        if (first != null) {
            throw new IllegalArgumentException(first + " and " + option + ": both give " + name + " (give each name once)");
        }
    }

    /** A memory manager builder with {@code alloc}, or the runtime's preferred allocator when none was asked for. */
    private static MemoryManagerBuilder managerBuilder(DeviceRuntime runtime, AllocatorKind alloc) {
        MemoryManagerBuilder b = MemoryManager.builder(runtime);
        return alloc == null ? b : b.allocator(alloc);
    }

    private static OdeSystem withDefaults(OdeSystem system, Map<String, double[]> fixed) {
        OdeSystem s = system;
        for (Map.Entry<String, double[]> e : fixed.entrySet()) {
            s = s.withDefault(e.getKey(), e.getValue()[0]);
        }
        return s;
    }

    private static double nan(Double d) {
        return d == null ? Double.NaN : d;
    }
}
