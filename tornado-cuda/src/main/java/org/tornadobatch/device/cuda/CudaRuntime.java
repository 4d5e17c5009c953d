package org.tornadobatch.device.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.FirstFailure;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;
import org.tornadobatch.device.Kernel;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.device.LaunchArguments;
import org.tornadobatch.device.LaunchConfig;
import org.tornadobatch.device.MemoryInfo;
import org.tornadobatch.device.Rows;
import org.tornadobatch.device.host.OffHeapHostBuffer;

/**
 * An NVIDIA GPU through the CUDA driver API, bound with {@code java.lang.foreign} ({@link CudaDriver}: one typed
 * handle per driver function). The runtime is a facade over its parts: the device's primary context
 * ({@link CudaContext}), memory ({@link CudaMemory}: cuMemAlloc, stream-ordered allocation from the default pool
 * for the {@code async} allocator, page-locked host memory), copies ({@link CudaCopies}), streams and events
 * ({@link CudaStreams}), and kernels ({@link CudaModules}: NVRTC, cuModuleLoadData, cuLaunchKernel).
 *
 * <p>Every native status is checked where the call is made; a failure is a {@link CudaException} naming the
 * function, the status and its name, and the device. Any thread may use the runtime: each call makes the
 * primary context current on the calling thread first. Launches pass each argument as the kernel's signature
 * says: buffers as pointers (absent ones as null), scalars, vectors as a struct of their values (the kernel
 * declares e.g. {@code struct { double v[3]; }}).
 */
public final class CudaRuntime implements DeviceRuntime {
    /** System property: threads per block for every launch, overriding the occupancy calculator. */
    public static final String BLOCK_SIZE_PROPERTY = "tornadobatch.cuda.blockSize";

    private static final Logger LOG = LoggerFactory.getLogger(CudaRuntime.class);

    private final CudaContext context;
    private final CudaMemory memory;
    private final CudaCopies copies;
    private final CudaStreams streams;
    private final CudaModules modules;
    private volatile boolean closed;

    private CudaRuntime(CudaDriver d, int ordinal) {
        this.context = new CudaContext(d, ordinal);
        this.memory = new CudaMemory(this, context);
        this.copies = new CudaCopies(context);
        this.streams = new CudaStreams(this, context);
        this.modules = new CudaModules(this, context);
        LOG.debug("opened {}: compute capability {}, {} multiprocessors, driver CUDA {}, memory pools {}", context.where,
                context.computeCapability / 10 + "." + context.computeCapability % 10, context.multiprocessors, driverVersion(), context.pools);
    }

    /**
     * Opens CUDA device {@code ordinal} (0 is the first).
     *
     * @throws CudaUnavailableException when there is no driver or no device
     */
    public static CudaRuntime open(int ordinal) {
        return new CudaRuntime(CudaDriver.get(), ordinal);
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String deviceName() {
        return context.name;
    }

    /** Compute capability as major * 10 + minor, e.g. 90. */
    public int computeCapability() {
        return context.computeCapability;
    }

    /** The device's streaming multiprocessors. */
    public int multiprocessors() {
        return context.multiprocessors;
    }

    /** The driver's CUDA version, e.g. {@code 13.0}. */
    public String driverVersion() {
        return context.driverVersionText();
    }

    /** The NVRTC that compiles kernels here, described in one line. */
    public String compilerDescription() {
        return Nvrtc.get().describe();
    }

    @Override
    public MemoryInfo memoryInfo() {
        return memory.info();
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        return memory.allocate(bytes, null);
    }

    @Override
    public void free(DeviceBuffer buffer) {
        memory.free(own(buffer), null);
    }

    @Override
    public boolean supportsStreamOrderedAllocation() {
        return context.pools;
    }

    @Override
    public DeviceBuffer allocateAsync(long bytes, DeviceStream stream) {
        return context.pools ? memory.allocate(bytes, stream(stream)) : DeviceRuntime.super.allocateAsync(bytes, stream);
    }

    @Override
    public void freeAsync(DeviceBuffer buffer, DeviceStream stream) {
        if (!context.pools) {
            DeviceRuntime.super.freeAsync(buffer, stream);
            return;
        }
        CudaBuffer b = own(buffer);
        memory.free(b, stream(stream));
    }

    /** Trims the device's default memory pool (the async allocator's) to nothing kept: cuMemPoolTrimTo(pool, 0). */
    @Override
    public void releaseFreedAsyncMemory() {
        memory.trimPool();
    }

    @Override
    public HostBuffer allocateHost(long bytes, HostMemoryKind kind) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        return kind == HostMemoryKind.PAGEABLE ? new OffHeapHostBuffer(bytes, kind) : memory.pinnedHost(bytes);
    }

    void freeHost(MemorySegment segment) {
        memory.freeHost(segment);
    }

    @Override
    public DeviceStream newStream() {
        return streams.create();
    }

    void synchronizeStream(MemorySegment stream) {
        streams.synchronize(stream);
    }

    void destroyStream(CudaStream s, MemorySegment stream) {
        streams.destroy(s, stream);
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
        copies.toDevice(source, t.address() + targetOffset, s);
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
        copies.toHost(src.address() + sourceOffset, target, s);
    }

    /** One cuMemcpy2DAsync from native host memory; heap segments and pitches above the device's limit go row by row. */
    @Override
    public void copyRowsToDevice(MemorySegment source, DeviceBuffer target, long targetOffset, Rows rows, DeviceStream stream) {
        CudaBuffer t = own(target);
        DeviceBuffer.checkRange(targetOffset, rows.span(rows.targetPitch()), t.bytes());
        if (!copies.rows(source, rows.sourcePitch(), t.address() + targetOffset, rows.targetPitch(), rows, stream(stream), true)) {
            DeviceRuntime.super.copyRowsToDevice(source, target, targetOffset, rows, stream);
        }
    }

    /** One cuMemcpy2DAsync into native host memory; see {@link #copyRowsToDevice}. */
    @Override
    public void copyRowsToHost(DeviceBuffer source, long sourceOffset, MemorySegment target, Rows rows, DeviceStream stream) {
        CudaBuffer src = own(source);
        DeviceBuffer.checkRange(sourceOffset, rows.span(rows.sourcePitch()), src.bytes());
        if (!copies.rows(target, rows.targetPitch(), src.address() + sourceOffset, rows.sourcePitch(), rows, stream(stream), false)) {
            DeviceRuntime.super.copyRowsToHost(source, sourceOffset, target, rows, stream);
        }
    }

    /** True: copies run on the copy engines while kernels run. */
    @Override
    public boolean overlapsCopiesWithKernels() {
        return true;
    }

    DeviceEvent record(CudaStream stream, boolean timed) {
        return streams.record(stream, timed);
    }

    /** Records a CUDA event with timing enabled, for {@link #elapsedMillis}. */
    @Override
    public DeviceEvent recordTimed(DeviceStream stream) {
        return streams.record(stream(stream), true);
    }

    /** Milliseconds between two events from {@link #recordTimed} (cuEventElapsedTime), once both are complete. */
    @Override
    public double elapsedMillis(DeviceEvent start, DeviceEvent end) {
        if (!(start instanceof CudaEvent s) || !(end instanceof CudaEvent e)) {
            throw new IllegalArgumentException("events: expected two events from recordTimed of the cuda runtime");
        }
        return streams.elapsedMillis(s, e);
    }

    boolean queryEvent(MemorySegment event) {
        return streams.query(event);
    }

    void synchronizeEvent(MemorySegment event) {
        streams.synchronizeEvent(event);
    }

    void destroyEvent(MemorySegment event) {
        streams.destroyEvent(event);
    }

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
        return "cuda".equals(source.language()) ? modules.compile(source) : DeviceRuntime.super.compile(source);
    }

    void unload(CudaKernel k) {
        modules.unload(k);
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
        modules.launch(own(kernel), config, stream(stream), args, b -> own(b).address());
    }

    @Override
    public void synchronize() {
        context.synchronize();
    }

    /** Waits for the device, frees what is still allocated, destroys streams and kernels, releases the context. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        FirstFailure f = new FirstFailure();
        f.run(this::synchronize);
        streams.open().forEach(s -> f.run(s::close));
        modules.loaded().forEach(k -> f.run(k::close));
        memory.live().forEach(b -> f.run(() -> free(b)));
        closed = true;
        f.run(context::close);
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
        return "cuda runtime on " + context.where;
    }
}
