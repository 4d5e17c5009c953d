package org.tornadobatch.device.tornadovm;

import java.util.List;
import java.util.Objects;

import org.tornadobatch.device.KernelParameter;
import org.tornadobatch.device.LaunchArguments;
import org.tornadobatch.memory.ChunkPlan;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.run.PreparedSolve;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * The solver's integrator as a task in a TornadoVM task graph of the user's own. A solve is prepared as usual
 * (the memory manager plans its chunks and allocates its arrays); {@link #addTo} adds the generated kernel to
 * the user's graph with the transfers those arrays need (chunked inputs to the device every execution, the
 * unchunkable event arrays on the first, outputs back every execution), and {@link #run} executes the user's
 * plan once per chunk, with the chunk's inputs in the arrays, and returns the {@link SolveResult}. Tasks of the
 * user's before and after the integrator can read and write its arrays on the device ({@link #array}): each
 * is {@code rows x chunkLength()} values, run fastest.
 *
 * <pre>{@code
 * try (Solver solver = Solver.builder(lorenz).algorithm(Algorithm.CLASSICAL_RK4)
 *         .stepControl(StepControl.builder().dt(1e-3)).memoryManager(MemoryManager.builder(tornadovm).build()).build();
 *      IntegratorTask integrator = IntegratorTask.prepare(solver, batch, TimeSpec.finalState(1.0))) {
 *     TaskGraph graph = integrator.addTo(new TaskGraph("mine"), "integrate");
 *     graph.task("norm", Mine::norm, integrator.array("state"), norms, integrator.chunkLength())
 *          .transferToHost(DataTransferMode.EVERY_EXECUTION, norms);
 *     try (TornadoExecutionPlan plan = integrator.configure(new TornadoExecutionPlan(graph.snapshot()))) {
 *         SolveResult r = integrator.run(plan, (chunk, firstRun, runs) -> keep(norms, firstRun, runs));
 *     }
 * }
 * }</pre>
 *
 * The plan must run on the runtime's device with the integrator's worker grid ({@link #configure} sets both;
 * a plan with a grid scheduler of its own adds {@link #taskName()} with {@link #workerGrid()} to it). A chunk
 * is one execution; an integrator task is run once.
 */
public final class IntegratorTask implements AutoCloseable {
    /** Told after each chunk's execution, while the plan's arrays hold that chunk. */
    @FunctionalInterface
    public interface ChunkListener {
        /** Chunk {@code chunk} (runs {@code firstRun} to {@code firstRun + runs - 1} of the batch) was executed. */
        void executed(long chunk, long firstRun, long runs);
    }

    private final PreparedSolve prepared;
    private final TornadoVmRuntime runtime;
    private final TvmKernel kernel;
    private final LaunchArguments launch;
    private TvmPlans.TaskArrays arrays;
    private String taskName;
    private boolean ran;
    private boolean profiled;

    private IntegratorTask(PreparedSolve prepared) {
        this.prepared = prepared;
        if (!(prepared.runtime() instanceof TornadoVmRuntime rt) || !(prepared.kernel() instanceof TvmKernel k)) {
            throw new IllegalArgumentException("IntegratorTask: the solver runs on " + prepared.runtime().name()
                    + " (expected: tornadovm; build the solver with a MemoryManager over the tornadovm runtime)");
        }
        this.runtime = rt;
        this.kernel = k;
        this.launch = prepared.launchArguments();
    }

    /** Prepares a solve of {@code batch} over {@code time} on {@code solver}, whose memory manager runs on tornadovm. */
    public static IntegratorTask prepare(Solver solver, Batch batch, TimeSpec time) {
        PreparedSolve p = solver.prepare(batch, time);
        try {
            return new IntegratorTask(p);
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /**
     * Adds the integrator to {@code graph} as task {@code id}, with its transfers; returns the graph. Once per
     * integrator task.
     */
    public TaskGraph addTo(TaskGraph graph, String id) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(id, "id");
        if (arrays != null) {
            throw new IllegalStateException("this integrator task was already added to graph task " + taskName + "; prepare another");
        }
        arrays = runtime.plans().addTask(kernel, launch, graph, id);
        taskName = graph.getTaskGraphName() + "." + id;
        return graph;
    }

    /**
     * The TornadoVM array behind one of the integrator's arrays, for tasks of the user's to read or write on the
     * device: {@code init}, {@code params} (inputs: one row per state or parameter), {@code state},
     * {@code observables}, {@code state_summaries}, {@code observable_summaries} (outputs: one row per saved
     * value and variable), {@code status}, {@code steps} (accepted, rejected); every row is
     * {@link #chunkLength()} runs long, run fastest. Outputs the solve does not make are absent.
     */
    public TornadoNativeArray array(String name) {
        requireAdded();
        List<String> names = kernel.buffers().stream().map(KernelParameter.Buffer::name).toList();
        int at = names.indexOf(name);
        if (at < 0) {
            throw new IllegalArgumentException("array: " + name + " (expected one of " + List.copyOf(new java.util.TreeSet<>(names)) + ")");
        }
        if (launch.buffer(name) == null) {
            throw new IllegalArgumentException("array: " + name + " is not made by this solve (its outputs do not include it)");
        }
        return (TornadoNativeArray) arrays.taskArgs()[at];
    }

    /** Runs per chunk: the length of every row of the integrator's arrays. */
    public int chunkLength() {
        return Math.toIntExact(prepared.chunkPlan().chunkLength());
    }

    /** How the memory manager split the batch; each chunk is one execution of the plan. */
    public ChunkPlan chunkPlan() {
        return prepared.chunkPlan();
    }

    /** The integrator's task in its graph ({@code graph.id}), for a grid scheduler. */
    public String taskName() {
        requireAdded();
        return taskName;
    }

    /** The integrator's launch grid: one thread per run of a chunk, in blocks of {@code -Dtornadobatch.tornadovm.block} (128). */
    public WorkerGrid workerGrid() {
        requireAdded();
        return TvmPlans.workerGrid(arrays);
    }

    /** The device the integrator's arrays were planned for. */
    public TornadoDevice device() {
        return runtime.device();
    }

    /**
     * Sets {@code plan}'s device, a grid scheduler with the integrator's worker grid, and TornadoVM's silent
     * profiler (from which the result's kernel time comes; on plans not configured here it is 0), and the register cap
     * the kernel recommends or {@link TornadoVmRuntime#MAX_REGISTERS_PROPERTY} sets; returns the plan.
     */
    public TornadoExecutionPlan configure(TornadoExecutionPlan plan) {
        profiled = true;
        return TvmPlans.ptxFlags(kernel.maxRegisters(), plan.withDevice(device()).withGridScheduler(new GridScheduler(taskName(), workerGrid())).withProfiler(ProfilerMode.SILENT));
    }

    /** {@link #run(TornadoExecutionPlan, ChunkListener)} with no listener. */
    public SolveResult run(TornadoExecutionPlan plan) {
        return run(plan, (chunk, firstRun, runs) -> { });
    }

    /**
     * Solves: for each chunk, its inputs go into the integrator's arrays, {@code plan} (built from a graph this
     * task was {@link #addTo added to}) is executed once, each launch is checked, {@code listener} is told, and the
     * outputs go into the result. Once.
     */
    public SolveResult run(TornadoExecutionPlan plan, ChunkListener listener) {
        requireAdded();
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(listener, "listener");
        if (ran) {
            throw new IllegalStateException("this integrator task was already run; prepare another");
        }
        ran = true;
        ChunkPlan chunks = prepared.chunkPlan();
        long[] next = {0};
        String firstName = kernel.signature().first();
        String endName = kernel.signature().end();
        try (TvmPlans.Attachment routed = runtime.plans().attach(kernel, launch, arrays, plan, profiled, args -> {
            long c = next[0]++;
            int first = args.int32(firstName);
            int end = args.int32(endName);
            if (c >= chunks.chunks() || first != 0 || end != chunks.runsIn(c)) {
                throw new IllegalStateException("IntegratorTask runs one execution per chunk; launch " + (c + 1) + " covered runs " + first
                        + " to " + end + " of a chunk (unset -Dtornadobatch.slices)");
            }
            listener.executed(c, chunks.firstRun(c), end);
        })) {
            return prepared.run();
        }
    }

    private void requireAdded() {
        if (arrays == null) {
            throw new IllegalStateException("add the integrator task to a task graph first (addTo)");
        }
    }

    /** Frees the solve's arrays if it was not run. */
    @Override
    public void close() {
        prepared.close();
    }
}
