package org.tornadobatch.device;

import java.lang.foreign.MemorySegment;

/**
 * One backend's access to one device: memory information, device and host buffers, streams, asynchronous
 * copies, events, and the hooks a kernel runtime needs (compile, launch). Runtimes are found through
 * {@link DeviceRuntimeProvider} and {@link java.util.ServiceLoader}; the memory manager uses nothing else.
 *
 * <p>Implementations are thread-safe. {@link #close()} releases the device context and is idempotent.
 */
public interface DeviceRuntime extends AutoCloseable {

    /** The runtime's short name: {@code jvm}, {@code cuda}, {@code tornadovm}, {@code simulated}. */
    String name();

    /** The device's name, e.g. {@code NVIDIA H200} or {@code JVM (2 cores)}. */
    String deviceName();

    /** Free and total device memory now. */
    MemoryInfo memoryInfo();

    /**
     * Allocates device memory synchronously.
     *
     * @throws OutOfDeviceMemoryException when the device cannot provide it
     */
    DeviceBuffer allocate(long bytes);

    /** Frees a buffer from {@link #allocate} once the device is done with it. Freeing twice is an error. */
    void free(DeviceBuffer buffer);

    /** Whether {@link #allocateAsync}/{@link #freeAsync} are stream-ordered here. */
    default boolean supportsStreamOrderedAllocation() {
        return false;
    }

    /**
     * Allocates device memory ordered on a stream: usable by work queued on that stream after this call.
     *
     * @throws UnsupportedFeatureException when the runtime has no stream-ordered allocation
     */
    default DeviceBuffer allocateAsync(long bytes, DeviceStream stream) {
        throw new UnsupportedFeatureException(name(), "stream-ordered allocation (the async allocator)",
                "choose the default or pooled allocator");
    }

    /** Frees a buffer once the work queued on {@code stream} before this call has finished. */
    default void freeAsync(DeviceBuffer buffer, DeviceStream stream) {
        throw new UnsupportedFeatureException(name(), "stream-ordered free (the async allocator)",
                "choose the default or pooled allocator");
    }

    /**
     * Work items (kernel threads) finished since the runtime opened, for progress within a launch; -1 where the
     * runtime cannot tell (GPUs report a launch only when it ends).
     */
    default long completedThreads() {
        return -1;
    }

    /**
     * Returns memory that stream-ordered frees gave back to a driver's pool (which keeps it reserved, not free)
     * to the device, once those frees have run, so that the device's free memory counts it. Nothing where frees
     * return memory directly.
     */
    default void releaseFreedAsyncMemory() {
    }

    /** Allocates host memory: page-locked when {@code kind} is {@link HostMemoryKind#PINNED}. */
    HostBuffer allocateHost(long bytes, HostMemoryKind kind);

    /** A new stream (never a default/null stream). */
    DeviceStream newStream();

    /** Queues a copy of {@code source} (host memory) into {@code target} at {@code targetOffset} on {@code stream}. */
    void copyToDevice(MemorySegment source, DeviceBuffer target, long targetOffset, DeviceStream stream);

    /** Queues a copy of {@code target.byteSize()} bytes from {@code source} at {@code sourceOffset} into host memory. */
    void copyToHost(DeviceBuffer source, long sourceOffset, MemorySegment target, DeviceStream stream);

    /**
     * Queues a pitched copy from host memory into {@code target} at {@code targetOffset}. The default queues one
     * {@link #copyToDevice} per row; the cuda runtime queues one cuMemcpy2DAsync.
     */
    default void copyRowsToDevice(MemorySegment source, DeviceBuffer target, long targetOffset, Rows rows, DeviceStream stream) {
        DeviceBuffer.checkRange(targetOffset, rows.span(rows.targetPitch()), target.bytes());
        DeviceBuffer.checkRange(0, rows.span(rows.sourcePitch()), source.byteSize());
        for (long r = 0; r < rows.count(); r++) {
            copyToDevice(source.asSlice(r * rows.sourcePitch(), rows.bytes()), target, targetOffset + r * rows.targetPitch(), stream);
        }
    }

    /** Queues a pitched copy from {@code source} at {@code sourceOffset} into host memory; see {@link #copyRowsToDevice}. */
    default void copyRowsToHost(DeviceBuffer source, long sourceOffset, MemorySegment target, Rows rows, DeviceStream stream) {
        DeviceBuffer.checkRange(sourceOffset, rows.span(rows.sourcePitch()), source.bytes());
        DeviceBuffer.checkRange(0, rows.span(rows.targetPitch()), target.byteSize());
        for (long r = 0; r < rows.count(); r++) {
            copyToHost(source, sourceOffset + r * rows.sourcePitch(), target.asSlice(r * rows.targetPitch(), rows.bytes()), stream);
        }
    }

    /**
     * The memory of {@code buffer} where the host can address it directly (the buffer's device copy is made from
     * it by the runtime's launches, and results land in it), else null. A caller writes through it only while
     * nothing queued uses the buffer, and reads after the launches that write the buffer are done. Null by default.
     */
    default MemorySegment hostView(DeviceBuffer buffer) {
        return null;
    }

    /**
     * Whether work queued on different streams over different buffers runs at the same time here even where one
     * stream's copies and kernels run in turn (tornadovm: an execution plan per stream; TornadoVM runs plans from
     * several threads at once). The solver then splits a large solve into parts, each with its own buffers and
     * stream. False by default.
     */
    default boolean overlapsIndependentStreams() {
        return false;
    }

    /**
     * Whether this runtime keeps costly state per set of device buffers (tornadovm: an execution plan with its
     * compiled kernel, device memory and pinned host memory), so that handing the same buffers to the next solve
     * is much cheaper than new ones. A memory manager built without an allocator then pools buffers. False by default.
     */
    default boolean prefersPooledBuffers() {
        return false;
    }

    /**
     * Whether copies and kernels queued on different streams run at the same time here (copy engines beside the
     * compute units), so that splitting work into slices on several streams hides transfers. False by default.
     */
    default boolean overlapsCopiesWithKernels() {
        return false;
    }

    /** Compiles a kernel; runtimes list the languages they accept in {@link #kernelLanguages()}. */
    default Kernel compile(KernelSource source) {
        throw new UnsupportedFeatureException(name(), "kernels in " + source.language(),
                "use a runtime whose kernelLanguages() include it");
    }

    /** Languages {@link #compile} accepts. */
    default java.util.Set<String> kernelLanguages() {
        return java.util.Set.of();
    }

    /**
     * The launch this runtime chooses for {@code threads} threads of {@code kernel}: blocks of 256 unless the
     * runtime knows better (the cuda runtime asks the driver's occupancy calculator).
     */
    default LaunchConfig launchConfig(Kernel kernel, long threads) {
        return LaunchConfig.covering(threads, 256);
    }

    /** Queues a kernel launch on a stream, with arguments built for the kernel's {@linkplain Kernel#signature() signature}. */
    default void launch(Kernel kernel, LaunchConfig config, DeviceStream stream, LaunchArguments args) {
        throw new UnsupportedFeatureException(name(), "kernel launches", "use a runtime that compiles kernels");
    }

    /**
     * Records an event on {@code stream} whose time {@link #elapsedMillis} can read: device time on runtimes with
     * timed events (cuda: CUDA events; jvm: the lane's clock when it reaches the event). The default waits for the
     * stream and reads the host clock.
     */
    default DeviceEvent recordTimed(DeviceStream stream) {
        stream.synchronize();
        return new HostClockEvent(System.nanoTime());
    }

    /**
     * Milliseconds between two events from {@link #recordTimed} of this runtime; waits for both. Read each event once:
     * a runtime may release both here (cuda does).
     */
    default double elapsedMillis(DeviceEvent start, DeviceEvent end) {
        if (start instanceof HostClockEvent s && end instanceof HostClockEvent e) {
            return (e.nanos() - s.nanos()) / 1e6;
        }
        throw new IllegalArgumentException("events: expected two events from recordTimed of the " + name() + " runtime");
    }

    /** Blocks until all work on the device has finished. */
    void synchronize();

    @Override
    void close();
}
