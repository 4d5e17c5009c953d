package org.tornadobatch.device.tornadovm;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
import org.tornadobatch.device.LaunchArguments;
import org.tornadobatch.device.LaunchConfig;
import org.tornadobatch.device.MemoryInfo;
import org.tornadobatch.device.host.HostMemoryBudget;
import org.tornadobatch.device.host.JavaKernelCompiler;
import org.tornadobatch.device.host.LaneStream;
import org.tornadobatch.device.host.OffHeapHostBuffer;

import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/**
 * One TornadoVM device (a backend and a device index: OpenCL, PTX). Device buffers are TornadoVM arrays in host
 * memory ({@link TvmBuffer}); a launch runs an execution plan ({@link TvmPlans}) whose task graph moves each array
 * as the kernel's signature says: inputs to the device every execution, constants on the first, outputs back
 * every execution. Streams are ordered lanes on which copies
 * and plan executions run in turn. TornadoVM compiles the kernels ({@code tornadovm} Java, compiled with
 * {@code -g}); a bailout to sequential Java is an error, never a silent fallback.
 */
public final class TornadoVmRuntime implements DeviceRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(TornadoVmRuntime.class);
    /** TornadoVM options this runtime needs, set where not given: bailouts fail; float64 stays exact on OpenCL. */
    static final Map<String, String> REQUIRED_OPTIONS = Map.of("tornado.recover.bailout", "False",
            "tornado.enable.nativeFunctions", "False", "tornado.opencl.compiler.flags", "-w");
    /** System property: the directory (on the class path) that kernel class files are written to. */
    public static final String CLASSES_PROPERTY = "tornadobatch.tornadovm.classes";
    /** System property: threads per block of the kernels' launches. */
    public static final String BLOCK_PROPERTY = "tornadobatch.tornadovm.block";
    /**
     * System property: the most registers a thread of a kernel may use on TornadoVM's PTX backend (CUDA's JIT option
     * {@code CU_JIT_MAX_REGISTERS}, from 16 to 255); 0 leaves the choice to CUDA's JIT.
     */
    public static final String MAX_REGISTERS_PROPERTY = "tornadobatch.tornadovm.maxRegisters";
    /**
     * Kernel source option: the register cap its generator recommends on PTX (where the property above is not set);
     * taken out of the options before javac sees them.
     */
    public static final String MAX_REGISTERS_OPTION = "tornadovm.maxRegisters";

    private final TornadoDevice device;
    private final String name;
    private final HostMemoryBudget<TvmBuffer> memory;
    private final Set<LaneStream> streams = ConcurrentHashMap.newKeySet();
    private final TvmPlans plans;
    private volatile boolean closed;

    private TornadoVmRuntime(TornadoDevice device, String name) {
        this.device = device;
        this.name = name;
        this.plans = new TvmPlans(device, name, this::own);
        // A buffer's plans close before its memory goes.
        this.memory = new HostMemoryBudget<>(name, Math.min(device.getMaxGlobalMemory(), tornadoMemoryLimit()), TvmBuffer::new, b -> {
            plans.closeUsing(b);
            b.release();
        });
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

    /**
     * A TornadoVM backend as {@link #preferredBackend(List)} sees it.
     *
     * @param type    the backend's type, as TornadoVM names it ({@code TornadoVMBackendType}: PTX, OPENCL, SPIRV, ...)
     * @param devices the types of its devices, in order ({@code TornadoDeviceType}: GPU, CPU, ...)
     */
    public record BackendView(String type, List<String> devices) {
    }

    /**
     * The backend to take when none is named: the first PTX backend with a device (NVIDIA GPUs, where TornadoVM's PTX
     * code runs at about cuda's speed, while NVIDIA's OpenCL, which an SDK built for both lists first, is 3x slower),
     * else the first backend with a GPU device, else the first with any device, else 0.
     */
    public static int preferredBackend(List<BackendView> backends) {
        for (int b = 0; b < backends.size(); b++) {
            if (backends.get(b).type().equals("PTX") && !backends.get(b).devices().isEmpty()) {
                return b;
            }
        }
        for (int b = 0; b < backends.size(); b++) {
            if (backends.get(b).devices().contains("GPU")) {
                return b;
            }
        }
        for (int b = 0; b < backends.size(); b++) {
            if (!backends.get(b).devices().isEmpty()) {
                return b;
            }
        }
        return 0;
    }

    /** {@link #preferredBackend(List)} of this JVM's TornadoVM backends. */
    public static int preferredBackend() {
        requireOptions();
        var rt = TornadoRuntimeProvider.getTornadoRuntime();
        List<BackendView> views = new ArrayList<>();
        for (int b = 0; b < rt.getNumBackends(); b++) {
            var backend = rt.getBackend(b);
            List<String> types = new ArrayList<>();
            for (int d = 0; d < backend.getNumDevices(); d++) {
                types.add(backend.getDevice(d).getDeviceType().name());
            }
            views.add(new BackendView(backend.getBackendType().name(), types));
        }
        return preferredBackend(views);
    }

    /** Opens device {@code deviceIndex} of TornadoVM backend {@code backendIndex} (see {@link #preferredBackend()}). */
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
        return memory.info();
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        checkOpen();
        return memory.allocate(bytes);
    }

    @Override
    public void free(DeviceBuffer buffer) {
        memory.free(own(buffer));
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
        String cap = options.remove(MAX_REGISTERS_OPTION);
        int maxRegisters;
        try {
            maxRegisters = cap == null ? 0 : Integer.parseInt(cap.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("kernel option " + MAX_REGISTERS_OPTION + ": '" + cap + "' (expected: a whole number)");
        }
        options.put("-g", "");
        String modules = System.getProperty("jdk.module.path", "");
        String tornado = java.util.Arrays.stream(modules.split(java.io.File.pathSeparator)).filter(p -> !p.isBlank() && !p.equals("."))
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        if (!tornado.isEmpty()) {
            options.put("--module-path", tornado);
            options.put("--add-modules", "tornado.api");
        }
        Path dir = classDirectory();
        Class<?> type;
        try {
            type = JavaKernelCompiler.loadClass(new KernelSource("java", source.entryPoint(), source.code(), options, source.signature()), dir);
        } catch (org.tornadobatch.device.KernelTooLargeException e) {
            // javac's own limit (64 KB a method), far past TornadoVM's: said as this backend's, not the jvm backend's.
            throw new org.tornadobatch.device.KernelTooLargeException("the generated kernel is too large for the tornadovm backend (more than"
                    + " the JVM's 64 KB of bytecode in one method; TornadoVM 5.2 builds kernels of at most " + MAX_CODE_BYTES + "): "
                    + TOO_LARGE_REMEDY, e);
        }
        checkCodeSize(dir.resolve(type.getName().replace('.', '/') + ".class"));
        Object task;
        try {
            task = type.getDeclaredConstructor().newInstance(); // once: launches use the instance, never reflection
        } catch (ReflectiveOperationException e) {
            throw new DeviceException("kernel " + type.getName() + " has no public no-argument constructor: " + e, e);
        }
        return new TvmKernel(type.getName(), source.signature(), task, maxRegisters);
    }

    /**
     * The most bytecode per kernel method handed to TornadoVM: past it javac writes wide jumps, and TornadoVM 5.2 fails
     * at the kernel's first launch ("Unable to build sketch ... Label offset position has not been resolved yet"), as
     * gauss-legendre-4 on Lorenz (36,635 bytes) did on PoCL, where radau-iia-5 (17,348) runs.
     */
    static final int MAX_CODE_BYTES = 32767;

    private static final String TOO_LARGE_REMEDY = "use the cuda backend, a method with fewer stages or a smaller system (e.g. radau-iia-5"
            + " or gauss-legendre-2 instead of gauss-legendre-4)";

    /** Refuses a kernel class whose methods are past {@link #MAX_CODE_BYTES}, before TornadoVM fails on it at launch. */
    private static void checkCodeSize(Path classFile) {
        byte[] bytes;
        try {
            bytes = java.nio.file.Files.readAllBytes(classFile);
        } catch (java.io.IOException e) {
            return; // TornadoVM reads it through the class path; a file not found here is its error to report
        }
        for (var m : java.lang.classfile.ClassFile.of().parse(bytes).methods()) {
            int length = m.findAttribute(java.lang.classfile.Attributes.code()).map(java.lang.classfile.attribute.CodeAttribute::codeLength)
                    .orElse(0);
            if (length > MAX_CODE_BYTES) {
                throw new org.tornadobatch.device.KernelTooLargeException("the generated kernel is too large for the tornadovm backend ("
                        + length + " bytes of bytecode in one method; TornadoVM 5.2 builds kernels of at most " + MAX_CODE_BYTES
                        + "): " + TOO_LARGE_REMEDY, null);
            }
        }
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

    /** Runs the kernel's execution plan on the stream's lane; the launch grid is one thread per item of the chunk (see TvmPlans). */
    @Override
    public void launch(Kernel kernel, LaunchConfig config, DeviceStream stream, LaunchArguments args) {
        if (!(kernel instanceof TvmKernel k)) {
            throw new IllegalArgumentException("kernel " + kernel.entryPoint() + " was not compiled by the tornadovm runtime");
        }
        k.requireArguments(args);
        lane(stream).submit(() -> plans.execute(k, args));
    }

    /** An event whose time is the device kernel time TornadoVM's profiler counted so far on this runtime. */
    @Override
    public DeviceEvent recordTimed(DeviceStream stream) {
        long[] at = new long[1];
        LaneStream lane = lane(stream);
        lane.submit(() -> at[0] = plans.kernelNanos());
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

    /** The TornadoVM device this runtime runs on. */
    TornadoDevice device() {
        return device;
    }

    /** The runtime's execution plans (for IntegratorTask: a task in a user's graph, a user's plan). */
    TvmPlans plans() {
        return plans;
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
        plans.closeAll();
        memory.freeAll();
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
