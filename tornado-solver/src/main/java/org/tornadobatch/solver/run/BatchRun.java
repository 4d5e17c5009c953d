package org.tornadobatch.solver.run;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.FirstFailure;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.Kernel;
import org.tornadobatch.device.LaunchArguments;
import org.tornadobatch.device.LaunchConfig;
import org.tornadobatch.memory.ArrayRequest;
import org.tornadobatch.memory.ArrayResponse;
import org.tornadobatch.memory.ChunkPlan;
import org.tornadobatch.memory.ElementType;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.memory.host.HostArray;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.Precision;
import org.tornadobatch.solver.ProgressListener;
import org.tornadobatch.solver.ResultArray;
import org.tornadobatch.solver.RunColumn;
import org.tornadobatch.solver.SolveInfo;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.kernel.KernelArg;
import org.tornadobatch.solver.kernel.KernelSpec;
import org.tornadobatch.solver.kernel.LaunchScalars;
import org.tornadobatch.solver.method.StepControl;

/**
 * One solve, or one part of a split solve (runs {@code from} to {@code from + runs - 1} of the batch, into result
 * arrays shared with the other parts): requests, chunk loop (inputs in, kernel, outputs out), and the result.
 */
final class BatchRun {
    private static final Logger LOG = LoggerFactory.getLogger(BatchRun.class);

    private final SolveJob job;
    private final SolveJob.Setting solver;
    /** The memory owner this run allocates as: the solver's own, or a part's. */
    private final SolverPart owner;
    private final KernelSpec spec;
    private final Variables vars;
    private final Schedule schedule;
    private final Kernel kernel;
    private final Batch batch;
    private final TimeSpec time;
    private final ProgressListener progress;
    private final double compileMillis;
    private final long started;
    private final MemoryManager memory;
    private final ElementType type;
    /** Runs in the batch (and the result arrays). */
    private final int runs;
    /** First run of the batch this run integrates, and how many. */
    private final long from;
    private final int count;
    /** Whether this run allocated the result arrays (else a split solve's coordinator did, and closes them). */
    private final boolean ownsHost;
    private final Map<String, HostArray> host = new LinkedHashMap<>();
    private HostArray perRun;
    private ChunkPlan plan;
    private ArrayResponse resp;
    private ChunkPipeline pipeline;
    private long requested;
    private long hosted;
    private boolean released;
    /** This run's gathers, copies, kernels and scatters. */
    private final PhaseTimes times = new PhaseTimes();

    /**
     * @param results the result arrays, when a split solve's coordinator allocated them (null: this run allocates them)
     */
    BatchRun(SolveJob job, SolverPart owner, ProgressListener progress, long from, int count, SolveJob.Results results) {
        this.job = job;
        this.solver = job.solver();
        this.owner = owner;
        this.from = from;
        this.count = count;
        this.ownsHost = results == null;
        if (results != null) {
            this.host.putAll(results.arrays());
            this.perRun = results.perRun();
        }
        this.spec = job.spec();
        this.vars = job.vars();
        this.schedule = job.schedule();
        this.kernel = owner.kernel() != null ? owner.kernel() : job.kernel();
        this.batch = job.batch();
        this.time = job.time();
        this.progress = progress;
        this.compileMillis = job.compileMillis();
        this.started = job.started();
        this.memory = owner.memory(); // the solver's, or on a solve over several devices the part's device's
        this.type = spec.precision().elementType();
        this.runs = batch.runs();
    }

    /** Output arrays of {@code n} runs: label to {rows, variables-per-row-group, n}. */
    static Map<String, long[]> outputShapes(KernelSpec spec, Variables vars, Schedule schedule, long n) {
        Map<String, long[]> m = new LinkedHashMap<>();
        int saves = schedule.saves();
        int windows = schedule.windows();
        int h = spec.slotsPerVariable();
        if (vars.savedStates().length > 0) {
            m.put(KernelArg.STATE.label(), new long[] {saves, vars.savedStates().length, n});
        }
        if (vars.savedObservables().length > 0) {
            m.put(KernelArg.OBSERVABLES.label(), new long[] {saves, vars.savedObservables().length, n});
        }
        if (windows > 0 && vars.summarisedStates().length > 0) {
            m.put(KernelArg.STATE_SUMMARIES.label(), new long[] {windows, (long) vars.summarisedStates().length * h, n});
        }
        if (windows > 0 && vars.summarisedObservables().length > 0) {
            m.put(KernelArg.OBSERVABLE_SUMMARIES.label(), new long[] {windows, (long) vars.summarisedObservables().length * h, n});
        }
        if (spec.stepCounts()) {
            m.put(KernelArg.STEP_COUNTS.label(), new long[] {saves, 3, n});
        }
        return m;
    }

    /**
     * Allocates the device arrays through the memory manager (which plans the chunks), the result arrays on the
     * host, and copies the event schedule to the device. On failure everything is freed again.
     */
    void prepare() {
        int states = batch.system().states().size();
        int params = batch.system().parameters().size();
        Map<String, ArrayRequest> requests = new LinkedHashMap<>();
        Precision p = spec.precision();
        requests.put(KernelArg.INIT.label(), KernelArg.INIT.request(p, states, count));
        int paramRows = params + (solver.runDrivers() == null ? 0 : solver.runDrivers().length);
        requests.put(KernelArg.PARAMS.label(), KernelArg.PARAMS.request(p, Math.max(1, paramRows), count));
        requests.put(KernelArg.EVENT_TIMES.label(), KernelArg.EVENT_TIMES.request(p, schedule.events()));
        requests.put(KernelArg.EVENT_FLAGS.label(), KernelArg.EVENT_FLAGS.request(p, schedule.events()));
        double[] drivers = solver.drivers();
        if (drivers != null) {
            requests.put(KernelArg.DRIVERS.label(), KernelArg.DRIVERS.request(p, drivers.length));
        }
        outputShapes(spec, vars, schedule, count).forEach((label, shape) -> requests.put(label, output(label).request(p, shape)));
        Map<String, long[]> outputs = outputShapes(spec, vars, schedule, runs);
        requests.put(KernelArg.STATUS.label(), KernelArg.STATUS.request(p, count));
        // Accepted and rejected steps; Newton iterations, Jacobian evaluations and factorisations where the method has them.
        requests.put(KernelArg.STEPS.label(), KernelArg.STEPS.request(p, spec.perRunRows().length, count));
        boolean ok = false;
        try (Arena arena = Arena.ofConfined()) { // the event arrays; closing a shared arena would stop every thread
            requested = System.nanoTime();
            // The result arrays first: a result too big for memory and the spill disk is refused at once, before
            // any device memory is planned or allocated.
            if (ownsHost) {
                SolveJob.Results r = job.allocateResults(memory, owner);
                host.putAll(r.arrays());
                perRun = r.perRun();
            }
            hosted = System.nanoTime();
            memory.queueRequest(owner, requests);
            resp = memory.allocate(owner);
            plan = resp.plan();
            DeviceStream stream = memory.stream(owner);
            MemorySegment evT = arena.allocate(ValueLayout.JAVA_DOUBLE, schedule.events());
            MemorySegment evF = arena.allocate(ValueLayout.JAVA_INT, schedule.events());
            MemorySegment.copy(schedule.eventTimes(), 0, evT, ValueLayout.JAVA_DOUBLE, 0, schedule.events());
            MemorySegment.copy(schedule.eventFlags(), 0, evF, ValueLayout.JAVA_INT, 0, schedule.events());
            memory.copyToDevice(owner, evT, false, resp.get("event_times").device(), 0);
            memory.copyToDevice(owner, evF, false, resp.get("event_flags").device(), 0);
            if (drivers != null) {
                MemorySegment drv = arena.allocate(ValueLayout.JAVA_DOUBLE, drivers.length);
                MemorySegment.copy(drivers, 0, drv, ValueLayout.JAVA_DOUBLE, 0, drivers.length);
                memory.copyToDevice(owner, drv, false, resp.get(KernelArg.DRIVERS.label()).device(), 0);
            }
            stream.synchronize(); // the arrays (stream-ordered under the async allocator) are ready for any stream
            pipeline = new ChunkPipeline(memory.runtime(), type, plan.chunkLength(), inputs(resp, states, params),
                    outputs(resp, outputs, host, perRun), owner::pinned, owner::pinnedBudget, owner::streams, times);
            ok = true;
        } finally {
            if (!ok) {
                release(false);
            }
        }
    }

    /** The chunks: every chunk's inputs in, its launches, its outputs back; then the result. Call once, after {@link #prepare()}. */
    SolveResult run() {
        DeviceRuntime rt = memory.runtime();
        LOG.info("solving {} runs of {} with {} ({}), {} on {} [{}]: {}", runs, spec.system().name(), spec.tableau().name(),
                spec.control().describe(), spec.precision(), rt.name(), rt.deviceName(), plan);
        boolean ok = false;
        long chunksStarted = System.nanoTime();
        try {
            runChunks(progress);
            ok = true;
        } finally {
            release(ok);
        }
        return result(times, (hosted - requested) / 1e6, (chunksStarted - hosted) / 1e6, (System.nanoTime() - chunksStarted) / 1e6,
                plan.chunks(), plan.chunkLength(), 1);
    }

    /** This run's phase sums (a split solve adds its parts'). */
    PhaseTimes times() {
        return times;
    }

    /** Sets the gate around the first gather of the first chunk; after {@link #prepare()}. */
    void firstGather(ChunkPipeline.Gate gate) {
        pipeline.firstGather(gate);
    }

    /**
     * The chunk loop; returns the summed kernel time in milliseconds. {@code listener} hears of this run's own
     * progress (runs and chunks done of its own). On failure, release with {@code succeeded} false.
     */
    double runChunks(ProgressListener listener) {
        DeviceRuntime rt = memory.runtime();
        long stride = plan.chunkLength();
        double kernelMillis = 0;
        long runsDone = 0;
        for (long c = 0; c < plan.chunks(); c++) {
            long first = plan.firstRun(c);
            long n = plan.runsIn(c);
            long before = runsDone;
            long chunk = c;
            memory.beginWork(owner);
            try {
                kernelMillis += pipeline.run(from + first, n, (lo, hi, s) -> launch(rt, resp, lo, hi, stride, s),
                        (done, inChunk) -> waitFor(done, rt, listener, before + inChunk, chunk, plan.chunks()));
            } finally {
                memory.endWork(owner, DeviceEvent.COMPLETE);
            }
            runsDone += n;
            listener.progress(runsDone, count, c + 1, plan.chunks());
            LOG.debug("chunk {}/{}: runs {}..{} done", c + 1, plan.chunks(), from + first, from + first + n - 1);
        }
        return kernelMillis;
    }

    /**
     * The result over the result arrays (this run's, or a split solve's), with the given phase times (milliseconds:
     * allocating the result arrays, planning and allocating device memory, the chunk loop) and chunk counts.
     */
    SolveResult result(PhaseTimes sums, double hostArraysMillis, double planMillis, double chunksMillis, long chunks, long chunkLength, int parts) {
        return result(sums, hostArraysMillis, planMillis, chunksMillis, chunks, chunkLength, parts,
                new String[] {memory.runtime().name(), memory.runtime().deviceName()});
    }

    /** As above, naming the runtime and device {@code devices} ({backend, device}: several joined, on a solve over several). */
    SolveResult result(PhaseTimes sums, double hostArraysMillis, double planMillis, double chunksMillis, long chunks, long chunkLength, int parts,
                       String[] devices) {
        double totalMillis = (System.nanoTime() - started) / 1e6;
        double kernelMillis = sums.kernelMillis();
        SolveInfo info = new SolveInfo(solver.algorithm(), spec.control().controller().toString(),
                spec.control().describe(), spec.precision().toString(), devices[0], devices[1],
                runs, chunks, chunkLength, kernel.entryPoint(), compileMillis, kernelMillis, totalMillis, spec.control(), time,
                solver.outputs(), sums.record(compileMillis, hostArraysMillis, planMillis, chunksMillis, totalMillis),
                spec.tableau().usesNewton(), spec.tableau().isImplicit(), spec.krylov());
        List<String> sn = Variables.names(spec.system().stateNames(), vars.savedStates());
        List<String> on = Variables.names(spec.system().observables(), vars.savedObservables());
        List<String> ssn = slotNames(Variables.names(spec.system().stateNames(), vars.summarisedStates()));
        List<String> osn = slotNames(Variables.names(spec.system().observables(), vars.summarisedObservables()));
        SolveResult result = new SolveResult(schedule.saveTimes(), wrap("state", host, sn), wrap("observables", host, on),
                wrap("state_summaries", host, ssn), wrap("observable_summaries", host, osn),
                wrap("step_counts", host, List.of("accepted", "rejected", "attempted")), schedule.windowStarts(), perRun, batch, info);
        long failed = result.failureCount();
        LOG.info("solved {} runs in {} chunk(s){}: kernel {} ms, compile {} ms, total {} ms{}", runs, chunks,
                parts > 1 ? " of " + parts + " parts at once" : "", Math.round(kernelMillis), Math.round(compileMillis), Math.round(totalMillis),
                failed == 0 ? "" : "; " + failed + " run(s) failed (see status)");
        return result;
    }

    /**
     * Frees the device arrays; unless the solve {@code succeeded} (its host arrays then belong to the result),
     * first waits for the pipeline's copies and then closes the host arrays too. Idempotent.
     */
    void release(boolean succeeded) {
        if (released) {
            return;
        }
        released = true;
        FirstFailure f = new FirstFailure();
        if (pipeline != null && !succeeded) {
            f.run(pipeline::drain); // nothing may still copy into the arrays freed below
        }
        f.run(() -> memory.freeAll(owner));
        if (!succeeded && ownsHost) {
            f.run(() -> new SolveJob.Results(host, perRun).close());
        }
        f.rethrow();
    }

    /** The chunk plan; after {@link #prepare()}. */
    ChunkPlan plan() {
        return plan;
    }

    /** The arguments of a launch over the first chunk's runs; after {@link #prepare()}. */
    LaunchArguments firstLaunch() {
        return args(resp, 0, plan.runsIn(0), plan.chunkLength());
    }

    Kernel kernel() {
        return kernel;
    }

    /** The runtime the device arrays live on. */
    DeviceRuntime runtime() {
        return memory.runtime();
    }

    private List<String> slotNames(List<String> variables) {
        List<String> out = new ArrayList<>();
        List<String> slots = new ArrayList<>();
        spec.metrics().forEach(m -> slots.addAll(m.slotNames()));
        for (String v : variables) {
            for (String s : slots) {
                out.add(v + "." + s);
            }
        }
        return out;
    }

    private static ResultArray wrap(String label, Map<String, HostArray> host, List<String> names) {
        HostArray h = host.get(label);
        return h == null ? null : new ResultArray(label, h, names);
    }

    private void launch(DeviceRuntime rt, ArrayResponse resp, long first, long end, long stride, DeviceStream stream) {
        long n = end - first;
        LaunchConfig config = solver.blockSize() > 0 ? LaunchConfig.covering(n, solver.blockSize()) : rt.launchConfig(kernel, n);
        rt.launch(kernel, config, stream, args(resp, first, end, stride));
    }

    /** The batch's initial states and parameters (then the per-run drivers' rows), one row per variable. */
    private List<ChunkPipeline.Input> inputs(ArrayResponse resp, int states, int params) {
        List<ChunkPipeline.Input> in = new ArrayList<>();
        in.add(new ChunkPipeline.Input(resp.get("init").device(), IntStream.range(0, states).mapToObj(batch::stateColumn).toList()));
        List<RunColumn> rows = new ArrayList<>(IntStream.range(0, params).mapToObj(batch::parameterColumn).toList());
        if (solver.runDrivers() != null) {
            for (double[] row : solver.runDrivers()) {
                rows.add(RunColumn.of(row, batch.runs()));
            }
        }
        if (!rows.isEmpty()) { // without parameters the kernel never reads its one-row placeholder
            in.add(new ChunkPipeline.Input(resp.get("params").device(), rows));
        }
        return in;
    }

    /** The saved and summarised outputs into their host arrays, the status and the step counts into the per-run array. */
    private List<ChunkPipeline.Output> outputs(ArrayResponse resp, Map<String, long[]> shapes, Map<String, HostArray> host, HostArray perRun) {
        List<ChunkPipeline.Output> out = new ArrayList<>();
        shapes.forEach((label, shape) -> {
            int eb = output(label).element(spec.precision()).bytes(); // the working type, or int32 (step counts)
            long rowBytes = (long) runs * eb;
            MemorySegment h = host.get(label).segment();
            List<MemorySegment> rows = LongStream.range(0, shape[0] * shape[1]).mapToObj(r -> h.asSlice(r * rowBytes, rowBytes)).toList();
            out.add(new ChunkPipeline.Output(resp.get(label).device(), eb, rows));
        });
        MemorySegment p = perRun.segment();
        long intRow = runs * 4L;
        out.add(new ChunkPipeline.Output(resp.get("status").device(), 4, List.of(p.asSlice(SolveResult.PER_RUN_STATUS * intRow, intRow))));
        // The kernel's rows of steps into theirs; the counts a method has not are zeros.
        List<MemorySegment> steps = new ArrayList<>();
        boolean[] written = new boolean[SolveResult.PER_RUN_ROWS];
        for (int row : spec.perRunRows()) {
            steps.add(p.asSlice(row * intRow, intRow));
            written[row] = true;
        }
        for (int row = SolveResult.PER_RUN_ACCEPTED; row < SolveResult.PER_RUN_ROWS; row++) {
            if (!written[row]) {
                p.asSlice(row * intRow, intRow).fill((byte) 0);
            }
        }
        out.add(new ChunkPipeline.Output(resp.get("steps").device(), 4, steps));
        return out;
    }

    /** The kernel's arguments for runs {@code [first, end)} of a chunk {@code stride} runs wide. */
    private LaunchArguments args(ArrayResponse resp, long first, long end, long stride) {
        Map<KernelArg, DeviceBuffer> arrays = new EnumMap<>(KernelArg.class);
        for (KernelArg a : KernelArg.values()) {
            if (a.isArray() && resp.arrays().containsKey(a.label())) {
                arrays.put(a, resp.get(a.label()).device());
            }
        }
        StepControl c = spec.control();
        LaunchScalars scalars = new LaunchScalars(Math.toIntExact(first), Math.toIntExact(end), Math.toIntExact(stride), schedule.events(),
                time.t0(), c.dt(), c.dtMin(), c.dtMax(), c.maxSteps(), c.atol(), c.rtol(), schedule.saves(), schedule.windows());
        return scalars.arguments(kernel.signature(), arrays);
    }

    /** The kernel argument of an output array's label. */
    static KernelArg output(String label) {
        for (KernelArg a : KernelArg.values()) {
            if (a.isArray() && a.label().equals(label)) {
                return a;
            }
        }
        throw new IllegalArgumentException("output " + label);
    }

    private void waitFor(DeviceEvent done, DeviceRuntime rt, ProgressListener listener, long runsDone, long chunk, long chunks) {
        if (rt.completedThreads() >= 0 && listener != ProgressListener.NONE) {
            long base = rt.completedThreads();
            while (!done.isComplete()) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                long inChunk = Math.max(0, rt.completedThreads() - base);
                listener.progress(Math.min(count, runsDone + inChunk), count, chunk, chunks);
            }
        }
        done.synchronize();
    }
}
