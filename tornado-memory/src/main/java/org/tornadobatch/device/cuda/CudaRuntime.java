package org.tornadobatch.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

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
import org.tornadobatch.device.KernelParameter;
import org.tornadobatch.device.LaunchArguments;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.device.LaunchConfig;
import org.tornadobatch.device.MemoryInfo;
import org.tornadobatch.device.OutOfDeviceMemoryException;
import org.tornadobatch.device.Rows;
import org.tornadobatch.device.jvm.OffHeapHostBuffer;

/**
 * An NVIDIA GPU through the CUDA driver API, bound with {@code java.lang.foreign}: the device's primary
 * context, cuMemAlloc/cuMemFree, stream-ordered allocation from the device's default memory pool
 * (cuMemAllocAsync, the {@code async} allocator), page-locked host memory, non-blocking streams, events,
 * asynchronous copies, and CUDA C++ kernels compiled to PTX by NVRTC ({@link Nvrtc}, cached on disk), loaded
 * with cuModuleLoadData and launched with cuLaunchKernel.
 *
 * <p>Every native status is checked where the call is made; a failure is a {@link CudaException} naming the
 * function, the status and its name, and the device. Any thread may use the runtime: each call makes the
 * primary context current on the calling thread first.
 *
 * <p>Launches take device buffers (passed as pointers, null as a null pointer), boxed {@code Integer},
 * {@code Long}, {@code Float} and {@code Double} scalars, and {@code double[]}/{@code int[]} vectors, passed by
 * value as a struct of that many elements (the kernel declares e.g. {@code struct { double v[3]; }}).
 */
public final class CudaRuntime implements DeviceRuntime {
    /** System property: threads per block for every launch, overriding the occupancy calculator. */
    public static final String BLOCK_SIZE_PROPERTY = "tornadobatch.cuda.blockSize";

    private static final Logger LOG = LoggerFactory.getLogger(CudaRuntime.class);
    private static final ThreadLocal<MemorySegment> CURRENT = new ThreadLocal<>();
    private static final int CU_STREAM_NON_BLOCKING = 1;
    private static final int CU_EVENT_DISABLE_TIMING = 2;
    private static final int CU_MEMHOSTALLOC_PORTABLE = 1;
    private static final int CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;

    private final CudaDriver d;
    private final int ordinal;
    private final int device;
    private final MemorySegment context;
    private final String name;
    private final String where;
    private final int computeCapability;
    private final int multiprocessors;
    private final long maxPitch;
    private final int driverVersion;
    private final boolean pools;
    private final Set<CudaBuffer> live = ConcurrentHashMap.newKeySet();
    private final Set<CudaStream> streams = ConcurrentHashMap.newKeySet();
    private final Set<CudaKernel> kernels = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private CudaRuntime(CudaDriver d, int ordinal) {
        this.d = d;
        this.ordinal = ordinal;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            d.check("cuDeviceGetCount", "the driver", n);
            int count = n.get(JAVA_INT, 0);
            if (ordinal < 0 || ordinal >= count) {
                throw new IllegalArgumentException("deviceIndex: " + ordinal + " (expected: 0 to " + (count - 1) + "; "
                        + count + " CUDA device(s) here)");
            }
            MemorySegment dev = a.allocate(JAVA_INT);
            d.check("cuDeviceGet", "CUDA device " + ordinal, dev, ordinal);
            this.device = dev.get(JAVA_INT, 0);
            MemorySegment nameBuf = a.allocate(256);
            d.check("cuDeviceGetName", "CUDA device " + ordinal, nameBuf, 256, device);
            this.name = nameBuf.getString(0);
            this.where = name + " (CUDA device " + ordinal + ")";
            this.computeCapability = attribute(CudaDriver.ATTR_COMPUTE_CAPABILITY_MAJOR) * 10
                    + attribute(CudaDriver.ATTR_COMPUTE_CAPABILITY_MINOR);
            this.multiprocessors = attribute(CudaDriver.ATTR_MULTIPROCESSOR_COUNT);
            this.maxPitch = Integer.toUnsignedLong(attribute(CudaDriver.ATTR_MAX_PITCH));
            this.pools = attribute(CudaDriver.ATTR_MEMORY_POOLS_SUPPORTED) == 1 && d.has("cuMemAllocAsync");
            d.check("cuDriverGetVersion", where, n);
            this.driverVersion = n.get(JAVA_INT, 0);
            MemorySegment ctx = a.allocate(ADDRESS);
            d.check("cuDevicePrimaryCtxRetain", where, ctx, device);
            this.context = ctx.get(ADDRESS, 0);
        }
        LOG.debug("opened {}: compute capability {}, {} multiprocessors, driver CUDA {}, memory pools {}", where,
                computeCapability / 10 + "." + computeCapability % 10, multiprocessors, driverVersion(), pools);
    }

    /**
     * Opens CUDA device {@code ordinal} (0 is the first).
     *
     * @throws CudaUnavailableException when there is no driver or no device
     */
    public static CudaRuntime open(int ordinal) {
        return new CudaRuntime(CudaDriver.get(), ordinal);
    }

    private int attribute(int attr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            d.check("cuDeviceGetAttribute", "CUDA device " + ordinal, v, attr, device);
            return v.get(JAVA_INT, 0);
        }
    }

    /** Makes the primary context current on this thread (once per thread and context). */
    private void bind() {
        if (closed) {
            throw new IllegalStateException("the cuda runtime of " + where + " is closed");
        }
        if (CURRENT.get() != context) {
            d.check("cuCtxSetCurrent", where, context);
            CURRENT.set(context);
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String deviceName() {
        return name;
    }

    /** Compute capability as major * 10 + minor, e.g. 90. */
    public int computeCapability() {
        return computeCapability;
    }

    public int multiprocessors() {
        return multiprocessors;
    }

    /** The driver's CUDA version, e.g. {@code 13.0}. */
    public String driverVersion() {
        return driverVersion / 1000 + "." + driverVersion % 1000 / 10;
    }

    /** The NVRTC that compiles kernels here, described in one line. */
    public String compilerDescription() {
        return Nvrtc.get().describe();
    }

    @Override
    public MemoryInfo memoryInfo() {
        bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG);
            MemorySegment total = a.allocate(JAVA_LONG);
            d.check("cuMemGetInfo_v2", where, free, total);
            return new MemoryInfo(free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0));
        }
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        return allocate(bytes, null);
    }

    private DeviceBuffer allocate(long bytes, CudaStream stream) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        bind();
        if (bytes == 0) {
            return new CudaBuffer(this, 0, 0, false);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(JAVA_LONG);
            String fn = stream == null ? "cuMemAlloc_v2" : "cuMemAllocAsync";
            int status = stream == null ? d.call(fn, p, bytes) : d.call(fn, p, bytes, stream.handle());
            if (status == CudaDriver.CUDA_ERROR_OUT_OF_MEMORY) {
                throw new OutOfDeviceMemoryException(where, bytes, memoryInfo().freeBytes());
            }
            if (status != CudaDriver.CUDA_SUCCESS) {
                throw new CudaException(fn, status, d.errorName(status), where, "allocating " + bytes + " bytes");
            }
            CudaBuffer b = new CudaBuffer(this, p.get(JAVA_LONG, 0), bytes, stream != null);
            live.add(b);
            return b;
        }
    }

    @Override
    public void free(DeviceBuffer buffer) {
        CudaBuffer b = own(buffer);
        release(b);
        if (b.address() != 0) {
            bind();
            d.check("cuMemFree_v2", where, b.address());
        }
    }

    private void release(CudaBuffer b) {
        if (!b.release() || (b.address() != 0 && !live.remove(b))) {
            throw new DeviceException(b + " was already freed");
        }
    }

    @Override
    public boolean supportsStreamOrderedAllocation() {
        return pools;
    }

    @Override
    public DeviceBuffer allocateAsync(long bytes, DeviceStream stream) {
        if (!pools) {
            return DeviceRuntime.super.allocateAsync(bytes, stream);
        }
        return allocate(bytes, stream(stream));
    }

    @Override
    public void freeAsync(DeviceBuffer buffer, DeviceStream stream) {
        if (!pools) {
            DeviceRuntime.super.freeAsync(buffer, stream);
            return;
        }
        CudaBuffer b = own(buffer);
        CudaStream s = stream(stream);
        release(b);
        if (b.address() != 0) {
            bind();
            d.check("cuMemFreeAsync", where, b.address(), s.handle());
        }
    }

    /** Trims the device's default memory pool (the async allocator's) to nothing kept: cuMemPoolTrimTo(pool, 0). */
    @Override
    public void releaseFreedAsyncMemory() {
        if (!pools || !d.has("cuMemPoolTrimTo") || !d.has("cuDeviceGetDefaultMemPool")) {
            return;
        }
        bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pool = a.allocate(ADDRESS);
            d.check("cuDeviceGetDefaultMemPool", where, pool, device);
            d.check("cuMemPoolTrimTo", where, pool.get(ADDRESS, 0), 0L);
        }
    }

    @Override
    public HostBuffer allocateHost(long bytes, HostMemoryKind kind) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        if (kind == HostMemoryKind.PAGEABLE) {
            return new OffHeapHostBuffer(bytes, kind);
        }
        bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            d.check("cuMemHostAlloc", where, p, Math.max(bytes, 1), CU_MEMHOSTALLOC_PORTABLE);
            return new PinnedHostBuffer(this, p.get(ADDRESS, 0).reinterpret(bytes));
        }
    }

    void freeHost(MemorySegment segment) {
        bind();
        d.check("cuMemFreeHost", where, segment);
    }

    @Override
    public DeviceStream newStream() {
        bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            d.check("cuStreamCreate", where, p, CU_STREAM_NON_BLOCKING);
            CudaStream s = new CudaStream(this, p.get(ADDRESS, 0));
            streams.add(s);
            return s;
        }
    }

    void synchronizeStream(MemorySegment stream) {
        bind();
        d.check("cuStreamSynchronize", where, stream);
    }

    void destroyStream(CudaStream s, MemorySegment stream) {
        streams.remove(s);
        if (closed) {
            return; // the context and its streams are gone
        }
        bind();
        d.check("cuStreamSynchronize", where, stream);
        d.check("cuStreamDestroy_v2", where, stream);
    }

    /**
     * Queues a copy from host memory. Native memory is copied with cuMemcpyHtoDAsync (asynchronously when it is
     * pinned); a heap segment is first copied into native memory and the copy completes before this returns.
     */
    @Override
    public void copyToDevice(MemorySegment source, DeviceBuffer target, long targetOffset, DeviceStream stream) {
        CudaBuffer t = own(target);
        CudaStream s = stream(stream);
        DeviceBuffer.checkRange(targetOffset, source.byteSize(), t.bytes());
        if (source.byteSize() == 0) {
            return;
        }
        bind();
        if (source.isNative()) {
            d.check("cuMemcpyHtoDAsync_v2", where, t.address() + targetOffset, source, source.byteSize(), s.handle());
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staged = a.allocate(source.byteSize(), 16).copyFrom(source);
            d.check("cuMemcpyHtoDAsync_v2", where, t.address() + targetOffset, staged, staged.byteSize(), s.handle());
            d.check("cuStreamSynchronize", where, s.handle());
        }
    }

    /**
     * Queues a copy into host memory with cuMemcpyDtoHAsync; a heap segment is filled through native memory and
     * the copy completes before this returns.
     */
    @Override
    public void copyToHost(DeviceBuffer source, long sourceOffset, MemorySegment target, DeviceStream stream) {
        CudaBuffer src = own(source);
        CudaStream s = stream(stream);
        DeviceBuffer.checkRange(sourceOffset, target.byteSize(), src.bytes());
        if (target.byteSize() == 0) {
            return;
        }
        bind();
        if (target.isNative()) {
            d.check("cuMemcpyDtoHAsync_v2", where, target, src.address() + sourceOffset, target.byteSize(), s.handle());
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staged = a.allocate(target.byteSize(), 16);
            d.check("cuMemcpyDtoHAsync_v2", where, staged, src.address() + sourceOffset, staged.byteSize(), s.handle());
            d.check("cuStreamSynchronize", where, s.handle());
            target.copyFrom(staged);
        }
    }

    /** One cuMemcpy2DAsync from native host memory; heap segments and pitches above the device's limit go row by row. */
    @Override
    public void copyRowsToDevice(MemorySegment source, DeviceBuffer target, long targetOffset, Rows rows, DeviceStream stream) {
        CudaBuffer t = own(target);
        DeviceBuffer.checkRange(targetOffset, rows.span(rows.targetPitch()), t.bytes());
        if (!copy2D(source, rows.sourcePitch(), t.address() + targetOffset, rows.targetPitch(), rows, stream, true)) {
            DeviceRuntime.super.copyRowsToDevice(source, target, targetOffset, rows, stream);
        }
    }

    /** One cuMemcpy2DAsync into native host memory; see {@link #copyRowsToDevice}. */
    @Override
    public void copyRowsToHost(DeviceBuffer source, long sourceOffset, MemorySegment target, Rows rows, DeviceStream stream) {
        CudaBuffer src = own(source);
        DeviceBuffer.checkRange(sourceOffset, rows.span(rows.sourcePitch()), src.bytes());
        if (!copy2D(target, rows.targetPitch(), src.address() + sourceOffset, rows.sourcePitch(), rows, stream, false)) {
            DeviceRuntime.super.copyRowsToHost(source, sourceOffset, target, rows, stream);
        }
    }

    /** Queues a CUDA_MEMCPY2D between host rows and device rows; false where it cannot (the caller goes row by row). */
    private boolean copy2D(MemorySegment host, long hostPitch, long device, long devicePitch, Rows rows, DeviceStream stream,
                           boolean toDevice) {
        CudaStream s = stream(stream);
        if (host.byteSize() < rows.span(hostPitch)) {
            throw new IndexOutOfBoundsException("host rows: " + rows + " need " + rows.span(hostPitch) + " bytes, the segment has "
                    + host.byteSize());
        }
        if (!host.isNative() || hostPitch > maxPitch || devicePitch > maxPitch) {
            return false;
        }
        if (rows.totalBytes() == 0) {
            return true;
        }
        long hp = rows.count() == 1 ? Math.max(hostPitch, rows.bytes()) : hostPitch; // one row: the pitch is not used
        long dp = rows.count() == 1 ? Math.max(devicePitch, rows.bytes()) : devicePitch;
        bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(128, 8); // CUDA_MEMCPY2D: two 56-byte sides, then width and height
            long h = toDevice ? 0 : 56;
            long dv = toDevice ? 56 : 0;
            m.set(JAVA_INT, h + 16, 1); // CU_MEMORYTYPE_HOST
            m.set(JAVA_LONG, h + 24, host.address());
            m.set(JAVA_LONG, h + 48, hp);
            m.set(JAVA_INT, dv + 16, 2); // CU_MEMORYTYPE_DEVICE
            m.set(JAVA_LONG, dv + 32, device);
            m.set(JAVA_LONG, dv + 48, dp);
            m.set(JAVA_LONG, 112, rows.bytes());
            m.set(JAVA_LONG, 120, rows.count());
            d.check("cuMemcpy2DAsync_v2", where, m, s.handle());
        }
        return true;
    }

    /** True: copies run on the copy engines while kernels run. */
    @Override
    public boolean overlapsCopiesWithKernels() {
        return true;
    }

    // ------------------------------------------------------------------------------------------ events

    DeviceEvent record(CudaStream stream, boolean timed) {
        bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            d.check("cuEventCreate", where, p, timed ? 0 : CU_EVENT_DISABLE_TIMING);
            MemorySegment ev = p.get(ADDRESS, 0);
            int status = d.call("cuEventRecord", ev, stream.handle());
            if (status != CudaDriver.CUDA_SUCCESS) {
                d.call("cuEventDestroy_v2", ev);
                throw new CudaException("cuEventRecord", status, d.errorName(status), where);
            }
            return new CudaEvent(this, ev, timed);
        }
    }

    /** Records a CUDA event with timing enabled, for {@link #elapsedMillis}. */
    @Override
    public DeviceEvent recordTimed(DeviceStream stream) {
        return record(stream(stream), true);
    }

    /** Milliseconds between two events from {@link #recordTimed} (cuEventElapsedTime), once both are complete. */
    @Override
    public double elapsedMillis(DeviceEvent start, DeviceEvent end) {
        if (!(start instanceof CudaEvent s) || !(end instanceof CudaEvent e)) {
            throw new IllegalArgumentException("events: expected two events from recordTimed of the cuda runtime");
        }
        s.synchronize();
        e.synchronize();
        bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ms = a.allocate(JAVA_FLOAT);
            String fn = d.has("cuEventElapsedTime_v2") ? "cuEventElapsedTime_v2" : "cuEventElapsedTime";
            d.check(fn, where, ms, s.handle(), e.handle());
            return ms.get(JAVA_FLOAT, 0);
        } finally {
            s.release();
            e.release();
        }
    }

    boolean queryEvent(MemorySegment event) {
        bind();
        int status = d.call("cuEventQuery", event);
        if (status == CudaDriver.CUDA_SUCCESS) {
            return true;
        }
        if (status == CudaDriver.CUDA_ERROR_NOT_READY) {
            return false;
        }
        throw new CudaException("cuEventQuery", status, d.errorName(status), where, "the work before this event failed");
    }

    void synchronizeEvent(MemorySegment event) {
        bind();
        int status = d.call("cuEventSynchronize", event);
        if (status != CudaDriver.CUDA_SUCCESS) {
            throw new CudaException("cuEventSynchronize", status, d.errorName(status), where, "the work before this event failed");
        }
    }

    void destroyEvent(MemorySegment event) {
        if (closed) {
            return; // destroyed with the context
        }
        bind();
        d.check("cuEventDestroy_v2", where, event);
    }

    // ------------------------------------------------------------------------------------------ kernels

    @Override
    public Set<String> kernelLanguages() {
        return Set.of("cuda");
    }

    /**
     * Compiles CUDA C++ ({@code language} "cuda"; {@code entryPoint} an {@code extern "C" __global__} function)
     * with NVRTC for this device's architecture, or takes the PTX from the disk cache, and loads it. Options are
     * passed to NVRTC as {@code --key=value} ({@code --key} when the value is empty).
     */
    @Override
    public Kernel compile(KernelSource source) {
        if (!"cuda".equals(source.language())) {
            return DeviceRuntime.super.compile(source);
        }
        bind();
        Nvrtc nvrtc = Nvrtc.get();
        int arch = nvrtc.architectureFor(computeCapability);
        List<String> options = new ArrayList<>();
        for (Map.Entry<String, String> o : new java.util.TreeMap<>(source.options()).entrySet()) {
            options.add("--" + o.getKey() + (o.getValue().isEmpty() ? "" : "=" + o.getValue()));
        }
        Nvrtc.Ptx ptx = nvrtc.compile(source.code(), source.entryPoint(), arch, options, where);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mod = a.allocate(ADDRESS);
            int status = d.call("cuModuleLoadData", mod, a.allocateFrom(ptx.code()));
            if (status != CudaDriver.CUDA_SUCCESS) {
                throw new CudaException("cuModuleLoadData", status, d.errorName(status), where, status == CUDA_ERROR_UNSUPPORTED_PTX_VERSION
                        ? nvrtc.describe() + " writes PTX newer than driver CUDA " + driverVersion()
                                + " reads; use an NVRTC no newer than the driver, or update the driver"
                        : "loading the PTX of " + source.entryPoint());
            }
            MemorySegment module = mod.get(ADDRESS, 0);
            MemorySegment fn = a.allocate(ADDRESS);
            status = d.call("cuModuleGetFunction", fn, module, a.allocateFrom(source.entryPoint()));
            if (status != CudaDriver.CUDA_SUCCESS) {
                d.call("cuModuleUnload", module);
                throw new CudaException("cuModuleGetFunction", status, d.errorName(status), where,
                        "the module has no extern \"C\" __global__ function " + source.entryPoint());
            }
            MemorySegment function = fn.get(ADDRESS, 0);
            MemorySegment v = a.allocate(JAVA_INT);
            d.check("cuFuncGetAttribute", where, v, CudaDriver.FUNC_ATTR_NUM_REGS, function);
            int regs = v.get(JAVA_INT, 0);
            MemorySegment minGrid = a.allocate(JAVA_INT);
            MemorySegment block = a.allocate(JAVA_INT);
            d.check("cuOccupancyMaxPotentialBlockSize", where, minGrid, block, function, MemorySegment.NULL, 0L, 0);
            int blockSize = block.get(JAVA_INT, 0);
            d.check("cuOccupancyMaxActiveBlocksPerMultiprocessor", where, v, function, blockSize, 0L);
            CudaKernel k = new CudaKernel(this, source.entryPoint(), source.signature(), module, function, regs, blockSize, v.get(JAVA_INT, 0),
                    ptx.arch(), ptx.cached(), ptx.millis(), new AtomicBoolean(true));
            kernels.add(k);
            LOG.debug("kernel {}: {} registers, block size {} ({} blocks per multiprocessor), PTX {} {} in {} ms", k.entryPoint(),
                    regs, blockSize, k.blocksPerSm(), ptx.arch(), ptx.cached() ? "from the cache" : "compiled", Math.round(ptx.millis()));
            return k;
        }
    }

    void unload(CudaKernel k) {
        kernels.remove(k);
        if (!closed) {
            bind();
            d.check("cuModuleUnload", where, k.module());
        }
    }

    /** What the driver reports for a kernel of this runtime: registers and the occupancy-based block size. */
    public CudaKernel describe(Kernel kernel) {
        return own(kernel);
    }

    /**
     * Blocks of the occupancy calculator's size (cuOccupancyMaxPotentialBlockSize), or of
     * {@value #BLOCK_SIZE_PROPERTY} when set, enough to cover {@code threads}.
     */
    @Override
    public LaunchConfig launchConfig(Kernel kernel, long threads) {
        String p = System.getProperty(BLOCK_SIZE_PROPERTY);
        int block = own(kernel).blockSize();
        if (p != null && !p.isBlank()) {
            try {
                block = Integer.parseInt(p.trim());
            } catch (NumberFormatException e) {
                block = -1;
            }
            if (block < 1 || block > 1024) {
                throw new IllegalArgumentException(BLOCK_SIZE_PROPERTY + ": " + p + " (expected: a whole number from 1 to 1024)");
            }
        }
        return LaunchConfig.covering(threads, block);
    }

    @Override
    public void launch(Kernel kernel, LaunchConfig config, DeviceStream stream, LaunchArguments args) {
        CudaKernel k = own(kernel);
        if (!k.loaded().get()) {
            throw new IllegalStateException("kernel " + k.entryPoint() + " is closed");
        }
        k.requireArguments(args);
        CudaStream s = stream(stream);
        bind();
        List<KernelParameter> ps = k.signature().parameters();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment params = a.allocate(ADDRESS, Math.max(1, ps.size()));
            for (int i = 0; i < ps.size(); i++) {
                params.setAtIndex(ADDRESS, i, argument(a, ps.get(i), args.value(ps.get(i))));
            }
            d.check("cuLaunchKernel", where, k.function(), config.gridSize(), 1, 1, config.blockSize(), 1, 1, config.sharedMemoryBytes(),
                    s.handle(), params, MemorySegment.NULL);
        }
    }

    /** Where cuLaunchKernel reads parameter {@code p}'s value: a pointer (0 for an absent buffer), a scalar, a struct of a vector's values. */
    private MemorySegment argument(Arena a, KernelParameter p, Object v) {
        return switch (p) {
            case KernelParameter.Buffer b -> a.allocateFrom(JAVA_LONG, v == null ? 0 : own((DeviceBuffer) v).address());
            case KernelParameter.Scalar sc -> switch (sc.type()) {
                case INT32 -> a.allocateFrom(JAVA_INT, (Integer) v);
                case INT64 -> a.allocateFrom(JAVA_LONG, (Long) v);
                case FLOAT32 -> a.allocateFrom(JAVA_FLOAT, (Float) v);
                case FLOAT64 -> a.allocateFrom(JAVA_DOUBLE, (Double) v);
            };
            case KernelParameter.Vector vec -> switch (vec.element()) {
                case FLOAT64 -> a.allocateFrom(JAVA_DOUBLE, (double[]) v);
                case FLOAT32 -> {
                    double[] d = (double[]) v;
                    MemorySegment m = a.allocate(JAVA_FLOAT, d.length);
                    for (int i = 0; i < d.length; i++) {
                        m.setAtIndex(JAVA_FLOAT, i, (float) d[i]);
                    }
                    yield m;
                }
                default -> throw new IllegalArgumentException("vector " + p.name() + " of " + vec.element() + " (expected: FLOAT64 or FLOAT32)");
            };
        };
    }

    @Override
    public void synchronize() {
        bind();
        d.check("cuCtxSynchronize", where);
    }

    /** Waits for the device, frees what is still allocated, destroys streams and kernels, releases the context. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        FirstFailure f = new FirstFailure();
        f.run(this::synchronize);
        for (CudaStream s : List.copyOf(streams)) {
            f.run(s::close);
        }
        for (CudaKernel k : List.copyOf(kernels)) {
            f.run(k::close);
        }
        for (CudaBuffer b : List.copyOf(live)) {
            f.run(() -> free(b));
        }
        closed = true;
        f.run(() -> d.check("cuDevicePrimaryCtxRelease_v2", where, device));
        f.rethrow();
    }

    private CudaBuffer own(DeviceBuffer b) {
        if (b instanceof CudaBuffer c && c.owner() == this) {
            return c;
        }
        throw new IllegalArgumentException("buffer: " + b + " (expected: a buffer of this cuda runtime)");
    }

    private CudaKernel own(Kernel k) {
        if (k instanceof CudaKernel c && c.owner() == this) {
            return c;
        }
        throw new IllegalArgumentException("kernel: " + k + " (expected: a kernel compiled by this cuda runtime)");
    }

    private CudaStream stream(DeviceStream s) {
        if (s instanceof CudaStream c && c.owner() == this) {
            return c;
        }
        throw new IllegalArgumentException("stream: " + s + " (expected: a stream of this cuda runtime)");
    }

    @Override
    public String toString() {
        return "cuda runtime on " + where;
    }
}
