package org.tornadobatch.device.tornadovm;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.FirstFailure;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.DeviceException;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;
import org.tornadobatch.device.Kernel;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.device.LaunchConfig;
import org.tornadobatch.device.MemoryInfo;
import org.tornadobatch.device.OutOfDeviceMemoryException;
import org.tornadobatch.device.jvm.JavaKernelCompiler;
import org.tornadobatch.device.jvm.LaneStream;
import org.tornadobatch.device.jvm.OffHeapHostBuffer;

import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * One TornadoVM device (a backend and a device index: OpenCL, PTX). Device buffers are TornadoVM arrays in host
 * memory ({@link TvmBuffer}); a launch runs an execution plan whose task graph moves each array by the role the
 * kernel gives it: inputs to the device every execution, constants on the first, outputs back every execution.
 * A plan is kept per set of buffers (so every chunk of a solve reuses one), with its memory limit set to the
 * bytes of those buffers, and rebuilt when a constant is written again. Streams are ordered lanes on which copies
 * and plan executions run in turn. TornadoVM compiles the kernels ({@code tornadovm} Java, compiled with
 * {@code -g}); a bailout to sequential Java is an error, never a silent fallback.
 */
public final class TornadoVmRuntime implements DeviceRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(TornadoVmRuntime.class);
    /** TornadoVM options this runtime needs, set where not given: bailouts fail; float64 stays exact on OpenCL. */
    static final Map<String, String> REQUIRED_OPTIONS = Map.of("tornado.recover.bailout", "False",
            "tornado.enable.nativeFunctions", "False", "tornado.opencl.compiler.flags", "-w");
    private static final AtomicLong PLANS = new AtomicLong();
    /** System property: the directory (on the class path) that kernel class files are written to. */
    public static final String CLASSES_PROPERTY = "tornadobatch.tornadovm.classes";
    /** System property: threads per block of the kernels' launches. */
    public static final String BLOCK_PROPERTY = "tornadobatch.tornadovm.block";

    private final TornadoDevice device;
    private final String name;
    private final long total;
    private final AtomicLong allocated = new AtomicLong();
    private final Set<TvmBuffer> live = ConcurrentHashMap.newKeySet();
    private final Set<LaneStream> streams = ConcurrentHashMap.newKeySet();
    private final Map<List<Object>, Plan> plans = new HashMap<>();
    private final AtomicLong kernelNanos = new AtomicLong();
    private volatile boolean closed;

    /**
     * The arrays of a task of one kernel over one set of buffers, as added to a task graph: the task's arguments
     * (the buffers' TornadoVM arrays, then the two small arrays that carry each launch's scalars), the status
     * array (in/out, for the launch check; null without one), and the versions and contents of the constants it
     * sent (on its first execution).
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
     * ({@code profiled}) only: others print a hint at each reading.
     */
    private record Plan(TornadoExecutionPlan plan, TaskArrays arrays, boolean external, boolean profiled, Consumer<Object[]> afterExecute) {
    }

    private TornadoVmRuntime(TornadoDevice device, String name) {
        this.device = device;
        this.name = name;
        this.total = Math.min(device.getMaxGlobalMemory(), tornadoMemoryLimit());
    }

    /**
     * The device memory TornadoVM lets its buffers take: {@code -Dtornado.device.memory} (TornadoVM's default,
     * 4GB), in TornadoVM's notation ("4GB", "512MB", bytes). The memory manager's cap never exceeds it.
     */
    static long tornadoMemoryLimit() {
        String v = System.getProperty("tornado.device.memory", "4GB").trim().toUpperCase(java.util.Locale.ROOT);
        try {
            if (!v.endsWith("B")) {
                return Long.parseLong(v);
            }
            int unit = "KMGTPE".indexOf(v.charAt(v.length() - 2));
            String digits = v.substring(0, v.length() - (unit >= 0 ? 2 : 1));
            return Long.parseLong(digits) << (unit >= 0 ? 10 * (unit + 1) : 0);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("tornado.device.memory: " + v + " (expected: bytes or a size such as 4GB or 512MB)", e);
        }
    }

    /** Opens device {@code deviceIndex} of TornadoVM backend {@code backendIndex} (0: the first, usually the default). */
    public static TornadoVmRuntime open(int backendIndex, int deviceIndex) {
        requireOptions();
        var rt = TornadoRuntimeProvider.getTornadoRuntime();
        if (backendIndex < 0 || backendIndex >= rt.getNumBackends()) {
            throw new IllegalArgumentException("TornadoVM backend " + backendIndex + " (expected: 0 to " + (rt.getNumBackends() - 1) + ")");
        }
        var backend = rt.getBackend(backendIndex);
        if (deviceIndex < 0 || deviceIndex >= backend.getNumDevices()) {
            throw new IllegalArgumentException("device " + deviceIndex + " of TornadoVM backend " + backendIndex + " (" + backend.getName()
                    + ") (expected: 0 to " + (backend.getNumDevices() - 1) + "; see tornado-batch devices)");
        }
        TornadoDevice d = backend.getDevice(deviceIndex);
        return new TornadoVmRuntime(d, d.getDeviceName() + " (TornadoVM " + backend.getBackendType() + " " + backendIndex + ":" + deviceIndex + ")");
    }

    /**
     * Sets {@link #REQUIRED_OPTIONS} where not given; before TornadoVM's runtime starts, since it reads some of them
     * once.
     */
    static void requireOptions() {
        REQUIRED_OPTIONS.forEach((k, v) -> {
            if (System.getProperty(k) == null) {
                System.setProperty(k, v);
            }
        });
    }

    /** Every TornadoVM device: "backend:device  backend-type  name  memory". */
    public static List<String> listDevices() {
        requireOptions();
        var rt = TornadoRuntimeProvider.getTornadoRuntime();
        List<String> out = new ArrayList<>();
        for (int b = 0; b < rt.getNumBackends(); b++) {
            var backend = rt.getBackend(b);
            for (int d = 0; d < backend.getNumDevices(); d++) {
                TornadoDevice dev = backend.getDevice(d);
                out.add(b + ":" + d + "  " + backend.getBackendType() + "  " + dev.getPhysicalDevice().getDeviceName() + "  "
                        + (dev.getMaxGlobalMemory() >> 20) + " MiB");
            }
        }
        return out;
    }

    @Override
    public String name() {
        return "tornadovm";
    }

    @Override
    public String deviceName() {
        return name;
    }

    @Override
    public MemoryInfo memoryInfo() {
        return new MemoryInfo(Math.max(0, total - allocated.get()), total);
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        checkOpen();
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        long now = allocated.addAndGet(bytes);
        if (now > total) {
            allocated.addAndGet(-bytes);
            throw new OutOfDeviceMemoryException(name, bytes, total - (now - bytes));
        }
        TvmBuffer b = new TvmBuffer(bytes);
        live.add(b);
        return b;
    }

    @Override
    public void free(DeviceBuffer buffer) {
        TvmBuffer b = own(buffer);
        if (!live.remove(b)) {
            throw new DeviceException("free of a buffer that is not live on " + name + ": " + buffer);
        }
        closePlans(b);
        allocated.addAndGet(-b.bytes());
        b.release();
    }

    @Override
    public HostBuffer allocateHost(long bytes, HostMemoryKind kind) {
        return new OffHeapHostBuffer(bytes, kind);
    }

    @Override
    public DeviceStream newStream() {
        LaneStream s = new LaneStream("tornadovm");
        streams.add(s);
        return s;
    }

    @Override
    public void copyToDevice(MemorySegment source, DeviceBuffer target, long targetOffset, DeviceStream stream) {
        TvmBuffer t = own(target);
        DeviceBuffer.checkRange(targetOffset, source.byteSize(), t.bytes());
        lane(stream).submit(() -> {
            MemorySegment.copy(source, 0, t.data(), targetOffset, source.byteSize());
            t.written();
        });
    }

    @Override
    public void copyToHost(DeviceBuffer source, long sourceOffset, MemorySegment target, DeviceStream stream) {
        TvmBuffer s = own(source);
        DeviceBuffer.checkRange(sourceOffset, target.byteSize(), s.bytes());
        lane(stream).submit(() -> MemorySegment.copy(s.data(), sourceOffset, target, 0, target.byteSize()));
    }

    /**
     * The buffer's host memory, which the execution plans move: writing an input there is what copying it "to the
     * device" does (constants, whose plans are rebuilt when they change, are written through copies only).
     */
    @Override
    public MemorySegment hostView(DeviceBuffer buffer) {
        return own(buffer).data();
    }

    /**
     * True: plans of different buffer sets, executed from the lanes of different streams, run at once (measured
     * with ConcurrentSolvesBench on PTX: four 2^22-run solves at once in 62% of the time of one after another).
     */
    @Override
    public boolean overlapsIndependentStreams() {
        return true;
    }

    /** True: an execution plan (compiled kernel, device and pinned host memory) is kept per set of buffers. */
    @Override
    public boolean prefersPooledBuffers() {
        return true;
    }

    @Override
    public java.util.Set<String> kernelLanguages() {
        return java.util.Set.of("tornadovm");
    }

    /** Compiles the kernel class in memory with {@code -g} against TornadoVM's API (on this JVM's module path). */
    @Override
    public Kernel compile(KernelSource source) {
        if (!source.language().equals("tornadovm")) {
            return DeviceRuntime.super.compile(source);
        }
        Map<String, String> options = new java.util.LinkedHashMap<>(source.options());
        options.put("-g", "");
        String modules = System.getProperty("jdk.module.path", "");
        String tornado = java.util.Arrays.stream(modules.split(java.io.File.pathSeparator)).filter(p -> !p.isBlank() && !p.equals("."))
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        if (!tornado.isEmpty()) {
            options.put("--module-path", tornado);
            options.put("--add-modules", "tornado.api");
        }
        Path dir = classDirectory();
        Class<?> type = JavaKernelCompiler.loadClass(new KernelSource("java", source.entryPoint(), source.code(), options), dir);
        return new TvmKernel(type);
    }

    /**
     * Where kernel class files go so that TornadoVM, which reads them through the system class loader, finds them:
     * {@code -Dtornadobatch.tornadovm.classes}, else {@code tornadovm-classes} in the kernel cache. It must be on the
     * class path from the JVM's start (the tornado-batch launcher and the tests put it there).
     */
    public static Path classDirectory() {
        String p = System.getProperty(CLASSES_PROPERTY);
        Path dir = p != null ? Path.of(p) : org.tornadobatch.device.KernelCache.root().resolve("tornadovm-classes");
        String cp = System.getProperty("java.class.path", "");
        boolean onPath = java.util.Arrays.stream(cp.split(java.io.File.pathSeparator)).filter(e -> !e.isBlank())
                .anyMatch(e -> Path.of(e).toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize()));
        if (!onPath) {
            throw new DeviceException("TornadoVM reads kernel classes through the class path, which lacks " + dir
                    + "; add it to -cp (the tornado-batch launcher does) or set -D" + CLASSES_PROPERTY + " to a directory on it");
        }
        return dir;
    }

    /** Runs the kernel's execution plan on the stream's lane; the launch configuration is TornadoVM's to choose. */
    @Override
    public void launch(Kernel kernel, LaunchConfig config, DeviceStream stream, Object... args) {
        if (!(kernel instanceof TvmKernel k)) {
            throw new IllegalArgumentException("kernel " + kernel.entryPoint() + " was not compiled by the tornadovm runtime");
        }
        Object[] copy = args.clone();
        lane(stream).submit(() -> execute(k, copy));
    }

    /** An event whose time is the device kernel time TornadoVM's profiler counted so far on this runtime. */
    @Override
    public DeviceEvent recordTimed(DeviceStream stream) {
        long[] at = new long[1];
        LaneStream lane = lane(stream);
        lane.submit(() -> at[0] = kernelNanos.get());
        return new KernelClock(lane.record(), at);
    }

    @Override
    public double elapsedMillis(DeviceEvent start, DeviceEvent end) {
        if (start instanceof KernelClock s && end instanceof KernelClock e) {
            s.synchronize();
            e.synchronize();
            return (e.at[0] - s.at[0]) / 1e6;
        }
        return DeviceRuntime.super.elapsedMillis(start, end);
    }

    private record KernelClock(DeviceEvent done, long[] at) implements DeviceEvent {
        @Override
        public boolean isComplete() {
            return done.isComplete();
        }

        @Override
        public void synchronize() {
            done.synchronize();
        }
    }

    private static List<Object> key(TvmKernel k, Object[] args) {
        List<Object> key = new ArrayList<>();
        key.add(k);
        for (int i = 0; i < k.roles().size(); i++) {
            key.add(args[i] == null ? "null:" + i : args[i]);
        }
        return key;
    }

    private void execute(TvmKernel k, Object[] args) {
        for (int i = 0; i < k.roles().size(); i++) {
            if (args[i] != null) {
                own((DeviceBuffer) args[i]);
            }
        }
        List<Object> key = key(k, args);
        Plan p;
        synchronized (plans) {
            p = plans.get(key);
            if (p != null && stale(p.arrays(), k.roles())) {
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
                    + " for the block); try a smaller block with -D" + BLOCK_PROPERTY + " (now " + block() + ")");
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
     * Adds kernel {@code k}'s task over the buffers in launch arguments {@code args} to {@code graph} as task
     * {@code id}, with the transfers its ROLES give: inputs (and the small scalar arrays) to the device every
     * execution, constants on the first, outputs back every execution.
     */
    TaskArrays addTask(TvmKernel k, Object[] args, TaskGraph graph, String id) {
        List<TvmKernel.Role> roles = k.roles();
        Object[] taskArgs = new Object[roles.size() + 2];
        List<TvmBuffer> buffers = new ArrayList<>();
        List<Object> in = new ArrayList<>();
        List<Object> constants = new ArrayList<>();
        List<Object> out = new ArrayList<>();
        List<Long> versions = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        IntArray status = null;
        long bytes = 0;
        for (int i = 0; i < roles.size(); i++) {
            TvmBuffer b = args[i] == null ? null : own((DeviceBuffer) args[i]);
            buffers.add(b);
            Object view = b != null ? b.view(k.arrayType(i)) : placeholder(k.arrayType(i));
            bytes += b != null ? b.bytes() : 8;
            taskArgs[i] = view;
            switch (roles.get(i)) {
                case IN -> in.add(view);
                case CONSTANT -> {
                    constants.add(view);
                    versions.add(b == null ? 0 : b.version());
                    contents.add(b == null ? new byte[0] : b.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                }
                case OUT -> out.add(view);
                case INOUT -> {
                    in.add(view);
                    out.add(view);
                    status = b != null ? (IntArray) view : null;
                }
            }
        }
        IntArray ints = new IntArray(k.ints());
        DoubleArray reals = new DoubleArray(k.reals());
        taskArgs[roles.size()] = ints;
        taskArgs[roles.size() + 1] = reals;
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

    /**
     * The launch grid of a task added by {@link #addTask}: one thread per run of the chunk, {@link #block()} per
     * block. Set explicitly, since TornadoVM's own block choice can exceed what the kernel's registers allow (CUDA 701).
     */
    static WorkerGrid1D workerGrid(TaskArrays a) {
        int size = a.status() != null ? a.status().getSize() : 1;
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
    Attachment attach(TvmKernel k, Object[] args, TaskArrays arrays, TornadoExecutionPlan plan, boolean profiled,
                      Consumer<Object[]> afterExecute) {
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

    /** Ends an {@link #attach}. */
    interface Attachment extends AutoCloseable {
        @Override
        void close();
    }

    /** The TornadoVM device this runtime runs on. */
    TornadoDevice device() {
        return device;
    }

    private static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.2f", nanos / 1e6);
    }

    /** Threads per block (local work size) of every launch: -Dtornadobatch.tornadovm.block, default 128. */
    static int block() {
        int b = Integer.getInteger(BLOCK_PROPERTY, 128);
        if (b < 1 || b > 1024) {
            throw new IllegalArgumentException(BLOCK_PROPERTY + ": " + b + " (expected: 1 to 1024)");
        }
        return b;
    }

    /**
     * Whether a constant was written with other contents since the plan sent it (a rewrite with the same contents,
     * as every solve of one time span makes, only updates the version).
     */
    private static boolean stale(TaskArrays a, List<TvmKernel.Role> roles) {
        for (int i = 0, c = 0; i < roles.size(); i++) {
            if (roles.get(i) == TvmKernel.Role.CONSTANT) {
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

    private Plan build(TvmKernel k, Object[] args) {
        TaskGraph g = new TaskGraph("tb" + PLANS.incrementAndGet());
        TaskArrays a = addTask(k, args, g, "run");
        // TornadoVM's "MB" is 10^6 bytes; the 4 MiB cover the arrays' headers and the scalar arrays.
        long limitMb = (a.bytes() + (4L << 20) + 999_999) / 1_000_000;
        TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot()).withDevice(device).withMemoryLimit(limitMb + "MB")
                .withProfiler(ProfilerMode.SILENT).withGridScheduler(new GridScheduler(g.getTaskGraphName() + ".run", workerGrid(a)));
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

    private void closePlans(TvmBuffer b) {
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

    @Override
    public void synchronize() {
        streams.forEach(LaneStream::synchronize);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        FirstFailure f = new FirstFailure();
        streams.forEach(s -> f.run(s::close));
        synchronized (plans) {
            plans.values().forEach(TornadoVmRuntime::close);
            plans.clear();
        }
        live.forEach(TvmBuffer::release);
        live.clear();
        f.rethrow();
    }

    private TvmBuffer own(DeviceBuffer b) {
        if (b instanceof TvmBuffer t) {
            if (!t.isValid()) {
                throw new DeviceException("use of a freed buffer: " + t);
            }
            return t;
        }
        throw new IllegalArgumentException("buffer " + b + " was not allocated by the tornadovm runtime");
    }

    private LaneStream lane(DeviceStream s) {
        if (s instanceof LaneStream l) {
            return l;
        }
        throw new IllegalArgumentException("stream " + s + " was not created by the tornadovm runtime");
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the tornadovm runtime is closed");
        }
    }
}
