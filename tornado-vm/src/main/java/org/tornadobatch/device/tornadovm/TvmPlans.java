package org.tornadobatch.device.tornadovm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceException;
import org.tornadobatch.device.Direction;
import org.tornadobatch.device.KernelParameter;
import org.tornadobatch.device.LaunchArguments;

import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.enums.TornadoVMBackendType;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * The execution plans of one tornadovm runtime: one per kernel and set of buffers (so every chunk of a solve
 * reuses one), its task graph's transfers derived from the kernel's signature (inputs to the device every
 * execution, constants on the first, outputs back every execution), its memory limit the bytes of those buffers;
 * rebuilt when a constant is written with other contents. A user's plan that holds the task can take a set of
 * buffers' launches instead ({@link #attach}).
 */
final class TvmPlans {
    private static final Logger LOG = LoggerFactory.getLogger(TvmPlans.class);
    private static final AtomicLong PLANS = new AtomicLong();

    private final TornadoDevice device;
    private final String name;
    private final Function<DeviceBuffer, TvmBuffer> own;
    private final Map<List<Object>, Plan> plans = new HashMap<>();
    private final AtomicLong kernelNanos = new AtomicLong();

    /**
     * The arrays of a task of one kernel over one set of buffers, as added to a task graph: the task's arguments
     * (the buffers' TornadoVM arrays, then the two packed scalar arrays and the size), the checked array (in/out,
     * for the launch check; null without one), and the versions and contents of the constants it sent (on its
     * first execution).
     */
    record TaskArrays(Object[] taskArgs, IntArray ints, DoubleArray reals, IntArray status, List<TvmBuffer> buffers,
                      long[] constantVersions, byte[][] constantContents, long bytes) {
        boolean uses(TvmBuffer b) {
            return buffers.contains(b);
        }
    }

    /**
     * An execution plan that runs launches over one set of buffers: one of the runtime's own, or a user's that
     * holds the task ({@code external}: never rebuilt or closed here; {@code afterExecute} sees each launch's
     * arguments right after its execution). The kernel time is read from plans with TornadoVM's profiler on
     * ({@code profiled}) only.
     */
    private record Plan(TornadoExecutionPlan plan, TaskArrays arrays, boolean external, boolean profiled,
                        Consumer<LaunchArguments> afterExecute) {
    }

    /** Ends an {@link #attach}. */
    interface Attachment extends AutoCloseable {
        @Override
        void close();
    }

    TvmPlans(TornadoDevice device, String name, Function<DeviceBuffer, TvmBuffer> own) {
        this.device = device;
        this.name = name;
        this.own = own;
    }

    /** Device kernel time TornadoVM's profiler counted so far, in nanoseconds. */
    long kernelNanos() {
        return kernelNanos.get();
    }

    private List<Object> key(TvmKernel k, LaunchArguments args) {
        List<Object> key = new ArrayList<>();
        key.add(k);
        for (KernelParameter.Buffer b : k.buffers()) {
            DeviceBuffer d = args.buffer(b.name());
            key.add(d == null ? "null:" + b.name() : d);
        }
        return key;
    }

    /** Runs one launch: builds (or finds) its plan, packs the scalars, marks, executes, checks. On the calling thread. */
    void execute(TvmKernel k, LaunchArguments args) {
        for (KernelParameter.Buffer b : k.buffers()) {
            if (args.buffer(b.name()) != null) {
                own.apply(args.buffer(b.name()));
            }
        }
        List<Object> key = key(k, args);
        Plan p;
        synchronized (plans) {
            p = plans.get(key);
            if (p != null && stale(k, p.arrays())) {
                if (p.external()) {
                    throw new DeviceException("a constant array of kernel " + k.entryPoint() + " was written after the task graph that holds"
                            + " it first ran; TornadoVM sends constants once (prepare a new IntegratorTask)");
                }
                plans.remove(key);
                close(p);
                p = null;
            }
            if (p == null) {
                p = build(k, args);
                plans.put(key, p);
            }
        }
        long t0 = System.nanoTime();
        TaskArrays a = p.arrays();
        k.pack(args, a.ints(), a.reals());
        IntArray status = a.status();
        int every = block();
        if (status != null) {
            k.mark(args, status, every);
        }
        long t1 = System.nanoTime();
        TornadoExecutionResult r;
        try {
            r = p.plan().execute();
        } catch (RuntimeException e) {
            throw new DeviceException("TornadoVM could not run kernel " + k.entryPoint() + " on " + name + ": " + e.getMessage()
                    + (String.valueOf(e).contains("ailout") ? " (TornadoVM could not compile it and would have run it as plain Java)" : ""), e);
        }
        // TornadoVM reports a failed launch (e.g. CUDA's 701, too many registers for the block) only in its log.
        long t2 = System.nanoTime();
        int unrun = status == null ? 0 : k.unrun(args, status, every);
        if (unrun > 0) {
            throw new DeviceException("TornadoVM did not run kernel " + k.entryPoint() + " on " + name + " for " + unrun
                    + " of the runs it checks, one per block (its launch failed; TornadoVM's log above says why, e.g. cuLaunchKernel 701: too many resources"
                    + " for the block); try a smaller block with -D" + TornadoVmRuntime.BLOCK_PROPERTY + " (now " + block() + ")");
        }
        if (p.profiled()) {
            var prof = r.getProfilerResult();
            kernelNanos.addAndGet(Math.max(0, prof.getDeviceKernelTime()));
            if (LOG.isDebugEnabled()) {
                LOG.debug("tornadovm: execution: mark {} ms, plan {} ms (TornadoVM: total {} ms, to device {} ms, kernel {} ms, to host {} ms,"
                        + " transfers {} ms, transfer dispatch {} ms, kernel dispatch {} ms, compile {} ms; {} MB in, {} MB out), check {} ms",
                        ms(t1 - t0), ms(t2 - t1), ms(prof.getTotalTime()), ms(prof.getDeviceWriteTime()), ms(prof.getDeviceKernelTime()),
                        ms(prof.getDeviceReadTime()), ms(prof.getDataTransfersTime()), ms(prof.getDataTransferDispatchTime()),
                        ms(prof.getKernelDispatchTime()), ms(prof.getCompileTime()), prof.getTotalBytesCopyIn() / 1_000_000,
                        prof.getTotalBytesCopyOut() / 1_000_000, ms(System.nanoTime() - t2));
            }
        }
        if (p.afterExecute() != null) {
            p.afterExecute().accept(args);
        }
    }

    /**
     * Adds kernel {@code k}'s task over the buffers of {@code args} to {@code graph} as task {@code id}, with the
     * transfers its signature gives: inputs (and the packed scalar arrays) to the device every execution,
     * constants on the first, outputs back every execution, the checked array both ways.
     */
    TaskArrays addTask(TvmKernel k, LaunchArguments args, TaskGraph graph, String id) {
        List<KernelParameter.Buffer> params = k.buffers();
        Object[] taskArgs = new Object[params.size() + 3];
        List<TvmBuffer> buffers = new ArrayList<>();
        List<Object> in = new ArrayList<>();
        List<Object> constants = new ArrayList<>();
        List<Object> out = new ArrayList<>();
        List<Long> versions = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        IntArray status = null;
        long bytes = 0;
        for (int i = 0; i < params.size(); i++) {
            KernelParameter.Buffer param = params.get(i);
            DeviceBuffer d = args.buffer(param.name());
            TvmBuffer b = d == null ? null : own.apply(d);
            buffers.add(b);
            Class<? extends TornadoNativeArray> type = TvmKernel.arrayType(param);
            Object view = b != null ? b.view(type) : placeholder(type);
            bytes += b != null ? b.bytes() : 8;
            taskArgs[i] = view;
            Direction dir = k.direction(param);
            switch (dir) {
                case IN -> in.add(view);
                case CONSTANT -> {
                    constants.add(view);
                    versions.add(b == null ? 0 : b.version());
                    contents.add(b == null ? new byte[0] : b.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                }
                case OUT -> out.add(view);
                case IN_OUT -> {
                    in.add(view);
                    out.add(view);
                }
            }
            if (param.name().equals(k.signature().checked()) && b != null) {
                status = (IntArray) view;
            }
        }
        IntArray ints = new IntArray(Math.max(1, k.signature().intSlots()));
        DoubleArray reals = new DoubleArray(Math.max(1, k.signature().realSlots()));
        int n = params.size();
        taskArgs[n] = ints;
        taskArgs[n + 1] = reals;
        taskArgs[n + 2] = chunkLength(k, args);
        in.add(ints);
        in.add(reals);
        graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, in.toArray());
        if (!constants.isEmpty()) {
            graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, constants.toArray());
        }
        k.addTask(graph, id, taskArgs);
        graph.transferToHost(DataTransferMode.EVERY_EXECUTION, out.toArray());
        return new TaskArrays(taskArgs, ints, reals, status, buffers, versions.stream().mapToLong(Long::longValue).toArray(),
                contents.toArray(byte[][]::new), bytes);
    }

    /** The parallel loop's bound: the elements of the checked array (one per item), else those of the first chunked buffer's rows. */
    private int chunkLength(TvmKernel k, LaunchArguments args) {
        String checked = k.signature().checked();
        if (checked != null && args.buffer(checked) != null) {
            return Math.toIntExact(args.buffer(checked).bytes() / 4);
        }
        return Math.max(1, args.int32(k.signature().end()));
    }

    /**
     * The launch grid of a task added by {@link #addTask}: one thread per item of the chunk, {@link #block()} per
     * block. Set explicitly, since TornadoVM's own block choice can exceed what the kernel's registers allow (CUDA 701).
     */
    static WorkerGrid1D workerGrid(TaskArrays a) {
        int size = (Integer) a.taskArgs()[a.taskArgs().length - 1];
        int local = block();
        WorkerGrid1D grid = new WorkerGrid1D((int) Math.min(Integer.MAX_VALUE, ((long) size + local - 1) / local * local));
        grid.setLocalWork(local, 1, 1);
        return grid;
    }

    /**
     * Routes launches of {@code k} over the buffers of {@code args} to {@code plan}, a user's execution plan whose
     * graph holds the task {@code arrays} describe, until the returned handle is closed; {@code afterExecute} sees
     * each launch's arguments right after its execution. {@code profiled}: the plan has TornadoVM's profiler on.
     */
    Attachment attach(TvmKernel k, LaunchArguments args, TaskArrays arrays, TornadoExecutionPlan plan, boolean profiled,
                      Consumer<LaunchArguments> afterExecute) {
        List<Object> key = key(k, args);
        synchronized (plans) {
            Plan old = plans.put(key, new Plan(plan, arrays, true, profiled, afterExecute));
            if (old != null) {
                close(old);
            }
        }
        return () -> {
            synchronized (plans) {
                Plan p = plans.get(key);
                if (p != null && p.plan() == plan) {
                    plans.remove(key);
                }
            }
        };
    }

    private static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.2f", nanos / 1e6);
    }

    /**
     * {@code plan} with CUDA's JIT options for its PTX code where a register cap applies: {@link
     * TornadoVmRuntime#MAX_REGISTERS_PROPERTY} where set (0: none), else {@code recommended}, the kernel's own (0: none);
     * else {@code plan} as it is. The options are TornadoVM's own ({@code -Dtornado.ptx.compiler.flags}, else its default)
     * with the cap added ({@link #ptxFlags(String, int)}).
     */
    static TornadoExecutionPlan ptxFlags(int recommended, TornadoExecutionPlan plan) {
        int cap = System.getProperty(TornadoVmRuntime.MAX_REGISTERS_PROPERTY) != null ? maxRegisters() : recommended;
        String flags = ptxFlags(System.getProperty(PTX_FLAGS_PROPERTY), cap);
        return flags == null ? plan : plan.withCompilerFlags(TornadoVMBackendType.PTX, flags);
    }

    /** TornadoVM's property of CUDA JIT options for its PTX code (its default: {@link #PTX_DEFAULT_FLAGS}). */
    static final String PTX_FLAGS_PROPERTY = "tornado.ptx.compiler.flags";
    static final String PTX_DEFAULT_FLAGS = "CU_JIT_OPTIMIZATION_LEVEL 4";

    /**
     * The PTX JIT options for a register cap of {@code cap} over the user's {@code userFlags} (null: TornadoVM's default):
     * the cap appended; null (the plan keeps TornadoVM's options) where {@code cap} is 0 or the user's options name a
     * register cap of their own ({@code CU_JIT_MAX_REGISTERS}), which wins.
     */
    static String ptxFlags(String userFlags, int cap) {
        String base = userFlags == null || userFlags.isBlank() ? PTX_DEFAULT_FLAGS : userFlags.trim();
        if (cap == 0 || base.contains("CU_JIT_MAX_REGISTERS")) {
            return null;
        }
        return base + " CU_JIT_MAX_REGISTERS " + cap;
    }

    /** The register cap of {@link TornadoVmRuntime#MAX_REGISTERS_PROPERTY}: 0 (none, also where unset) or 16 to 255. */
    static int maxRegisters() {
        String given = System.getProperty(TornadoVmRuntime.MAX_REGISTERS_PROPERTY);
        int cap;
        try {
            cap = given == null ? 0 : Integer.parseInt(given.trim());
        } catch (NumberFormatException e) {
            cap = -1;
        }
        if (cap != 0 && (cap < 16 || cap > 255)) {
            throw new IllegalArgumentException(TornadoVmRuntime.MAX_REGISTERS_PROPERTY + ": " + given.trim() + " (expected: 0 for CUDA's own choice, or 16 to 255)");
        }
        return cap;
    }

    /** Threads per block (local work size) of every launch: -Dtornadobatch.tornadovm.block, default 128. */
    static int block() {
        int b = Integer.getInteger(TornadoVmRuntime.BLOCK_PROPERTY, 128);
        if (b < 1 || b > 1024) {
            throw new IllegalArgumentException(TornadoVmRuntime.BLOCK_PROPERTY + ": " + b + " (expected: 1 to 1024)");
        }
        return b;
    }

    /**
     * Whether a constant was written with other contents since the plan sent it (a rewrite with the same contents,
     * as every solve of one time span makes, only updates the version).
     */
    private static boolean stale(TvmKernel k, TaskArrays a) {
        List<KernelParameter.Buffer> params = k.buffers();
        for (int i = 0, c = 0; i < params.size(); i++) {
            if (k.direction(params.get(i)) == Direction.CONSTANT) {
                TvmBuffer b = a.buffers().get(i);
                if (b != null && b.version() != a.constantVersions()[c]) {
                    if (b.data().mismatch(java.lang.foreign.MemorySegment.ofArray(a.constantContents()[c])) != -1) {
                        return true;
                    }
                    a.constantVersions()[c] = b.version();
                }
                c++;
            }
        }
        return false;
    }

    private Plan build(TvmKernel k, LaunchArguments args) {
        TaskGraph g = new TaskGraph("tb" + PLANS.incrementAndGet());
        TaskArrays a = addTask(k, args, g, "run");
        // TornadoVM's "MB" is 10^6 bytes; the 4 MiB cover the arrays' headers and the scalar arrays.
        long limitMb = (a.bytes() + (4L << 20) + 999_999) / 1_000_000;
        TornadoExecutionPlan plan = ptxFlags(k.maxRegisters(), new TornadoExecutionPlan(g.snapshot()).withDevice(device).withMemoryLimit(limitMb + "MB")
                .withProfiler(ProfilerMode.SILENT).withGridScheduler(new GridScheduler(g.getTaskGraphName() + ".run", workerGrid(a))));
        LOG.debug("tornadovm: plan {} for {} over {} buffers, memory limit {} MB", g.getTaskGraphName(), k.entryPoint(), a.buffers().size(), limitMb);
        return new Plan(plan, a, false, true, null);
    }

    private static TornadoNativeArray placeholder(Class<?> type) {
        if (type == DoubleArray.class) {
            return new DoubleArray(1);
        }
        if (type == FloatArray.class) {
            return new FloatArray(1);
        }
        return new IntArray(1);
    }

    /** Closes the plans that use buffer {@code b} (before it is freed). */
    void closeUsing(TvmBuffer b) {
        synchronized (plans) {
            var it = plans.entrySet().iterator();
            while (it.hasNext()) {
                Plan p = it.next().getValue();
                if (p.arrays().uses(b)) {
                    it.remove();
                    close(p);
                }
            }
        }
    }

    /** Closes every plan of the runtime's own. */
    void closeAll() {
        synchronized (plans) {
            plans.values().forEach(TvmPlans::close);
            plans.clear();
        }
    }

    /** Closes one of the runtime's own plans; a user's plan is the user's to close. */
    private static void close(Plan p) {
        if (p.external()) {
            return;
        }
        try {
            p.plan().close();
        } catch (Exception e) {
            LOG.debug("tornadovm: closing a plan: {}", e.toString());
        }
    }
}
