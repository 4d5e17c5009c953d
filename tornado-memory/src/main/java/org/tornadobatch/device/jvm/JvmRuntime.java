package org.tornadobatch.device.jvm;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicLong;

import org.tornadobatch.Bytes;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.DeviceException;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;
import org.tornadobatch.device.Kernel;
import org.tornadobatch.device.KernelParameter;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.device.LaunchArguments;
import org.tornadobatch.device.LaunchConfig;
import org.tornadobatch.device.MemoryInfo;
import org.tornadobatch.device.host.HostInfo;
import org.tornadobatch.device.host.HostMemoryBudget;
import org.tornadobatch.device.host.JavaKernelCompiler;
import org.tornadobatch.device.host.LaneStream;
import org.tornadobatch.device.host.OffHeapHostBuffer;

/**
 * The embedded JVM runtime: off-heap host memory stands in for device memory, with a configurable "total";
 * streams are ordered task lanes. Stream-ordered allocation is offered (frees are queued on the lane).
 *
 * <p>Kernels are Java classes implementing {@link JvmKernelBody}, compiled in memory ({@link JavaKernelCompiler}).
 * A launch is queued on its stream like a copy; when its turn comes, its blocks of threads run on a pool of
 * {@link #threads()} workers (one task per block), and the stream moves on once every block has finished.
 */
public final class JvmRuntime implements DeviceRuntime {
    /** System property: the JVM device's total memory in bytes. */
    public static final String TOTAL_PROPERTY = "tornadobatch.jvm.totalBytes";
    /** System property: worker threads for kernels (default: all cores). */
    public static final String THREADS_PROPERTY = "tornadobatch.jvm.threads";

    private final HostMemoryBudget<JvmDeviceBuffer> memory;
    private final int threads;
    private final AtomicLong completedThreads = new AtomicLong();
    private volatile ForkJoinPool workers;
    private final Map<LaneStream, Boolean> streams = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** A runtime whose device memory is {@code totalBytes} of host memory, running kernels on all cores. */
    public JvmRuntime(long totalBytes) {
        this(totalBytes, defaultThreads());
    }

    /** A runtime with {@code totalBytes} of "device" memory whose kernels run on {@code threads} workers. */
    public JvmRuntime(long totalBytes, int threads) {
        Bytes.requirePositive("totalBytes", totalBytes);
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
        this.threads = threads;
        this.memory = new HostMemoryBudget<>(deviceName(), totalBytes, JvmDeviceBuffer::new, JvmDeviceBuffer::release);
    }

    /** {@value #THREADS_PROPERTY} if set, else the number of cores. */
    public static int defaultThreads() {
        String p = System.getProperty(THREADS_PROPERTY);
        if (p == null || p.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(p.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(THREADS_PROPERTY + ": " + p + " (expected: a whole number >= 1)");
    }

    /** Worker threads that run kernel blocks. */
    public int threads() {
        return threads;
    }

    /**
     * The default total: {@value #TOTAL_PROPERTY} if set, else 90% of an explicit {@code -XX:MaxDirectMemorySize},
     * else half of physical memory.
     */
    public static long defaultTotalBytes() {
        String p = System.getProperty(TOTAL_PROPERTY);
        if (p != null) {
            try {
                return Bytes.requirePositive(TOTAL_PROPERTY, Long.parseLong(p.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(TOTAL_PROPERTY + ": " + p + " (expected: a number of bytes > 0)");
            }
        }
        long direct = HostInfo.maxDirectMemoryBytes();
        if (direct > 0) {
            return direct / 10 * 9;
        }
        return HostInfo.physicalMemoryBytes() / 2;
    }

    @Override
    public String name() {
        return "jvm";
    }

    @Override
    public String deviceName() {
        return "JVM (" + threads + " of " + Runtime.getRuntime().availableProcessors() + " cores)";
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
    public boolean supportsStreamOrderedAllocation() {
        return true;
    }

    @Override
    public DeviceBuffer allocateAsync(long bytes, DeviceStream stream) {
        lane(stream);
        return allocate(bytes);
    }

    @Override
    public void freeAsync(DeviceBuffer buffer, DeviceStream stream) {
        own(buffer);
        lane(stream).submit(() -> free(buffer));
    }

    @Override
    public HostBuffer allocateHost(long bytes, HostMemoryKind kind) {
        Bytes.requireNonNegative("bytes", bytes);
        return new OffHeapHostBuffer(bytes, kind);
    }

    @Override
    public DeviceStream newStream() {
        checkOpen();
        LaneStream s = new LaneStream("jvm", true);
        streams.put(s, Boolean.TRUE);
        return s;
    }

    /** The buffer's memory: the jvm runtime's device buffers are host memory, so the solver gathers straight into them. */
    @Override
    public MemorySegment hostView(DeviceBuffer buffer) {
        return own(buffer).segment();
    }

    @Override
    public void copyToDevice(MemorySegment source, DeviceBuffer target, long targetOffset, DeviceStream stream) {
        MemorySegment dst = own(target).segment();
        DeviceBuffer.checkRange(targetOffset, source.byteSize(), dst.byteSize());
        lane(stream).submit(() -> MemorySegment.copy(source, 0, dst, targetOffset, source.byteSize()));
    }

    @Override
    public void copyToHost(DeviceBuffer source, long sourceOffset, MemorySegment target, DeviceStream stream) {
        MemorySegment src = own(source).segment();
        DeviceBuffer.checkRange(sourceOffset, target.byteSize(), src.byteSize());
        lane(stream).submit(() -> MemorySegment.copy(src, sourceOffset, target, 0, target.byteSize()));
    }

    /** Runs {@code task} on {@code stream} after the work queued before it (how host kernels are launched). */
    public void submit(DeviceStream stream, Runnable task) {
        lane(stream).submit(task);
    }

    @Override
    public Set<String> kernelLanguages() {
        return Set.of("java");
    }

    /** Compiles a Java kernel: {@code code} is a compilation unit, {@code entryPoint} its class implementing {@link JvmKernelBody}. */
    @Override
    public Kernel compile(KernelSource source) {
        checkOpen();
        if (!"java".equals(source.language())) {
            return DeviceRuntime.super.compile(source);
        }
        Class<?> type = JavaKernelCompiler.loadClass(source);
        try {
            return new JvmKernel(source.entryPoint(), source.signature(), (JvmKernelBody) type.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new DeviceException("kernel " + source.entryPoint() + " cannot be instantiated (expected: a public class with a"
                    + " public no-argument constructor implementing " + JvmKernelBody.class.getName() + "): " + e, e);
        }
    }

    /**
     * Queues a launch: {@code gridSize x blockSize} threads, one pool task per block. The kernel reads its
     * buffers as their memory segments.
     */
    @Override
    public void launch(Kernel kernel, LaunchConfig config, DeviceStream stream, LaunchArguments args) {
        checkOpen();
        if (!(kernel instanceof JvmKernel k)) {
            throw new IllegalArgumentException("kernel: " + kernel + " (expected: a kernel compiled by the jvm runtime)");
        }
        k.requireArguments(args);
        for (KernelParameter.Buffer b : args.signature().buffers()) {
            if (args.buffer(b.name()) != null) {
                own(args.buffer(b.name()));
            }
        }
        JvmArguments resolved = new JvmArguments(args, b -> own(b).segment());
        int blocks = config.gridSize();
        int block = config.blockSize();
        lane(stream).submit(() -> {
            ForkJoinPool pool = workers();
            ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[blocks];
            for (int i = 0; i < blocks; i++) {
                int first = Math.toIntExact((long) i * block);
                tasks[i] = pool.submit(() -> {
                    k.body().run(first, first + block, resolved);
                    completedThreads.addAndGet(block);
                });
            }
            RuntimeException failure = null;
            for (ForkJoinTask<?> t : tasks) {
                try {
                    t.join();
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        });
    }

    /** An event that also holds the host clock at the moment its lane reached it. */
    /** A lane's clock at an event; read once, as the cuda runtime's timed events (which reading releases) must be. */
    private record LaneClockEvent(DeviceEvent reached, AtomicLong nanos, java.util.concurrent.atomic.AtomicBoolean read) implements DeviceEvent {
        @Override
        public boolean isComplete() {
            return reached.isComplete();
        }

        @Override
        public void synchronize() {
            reached.synchronize();
        }
    }

    /** Records the lane's clock when the lane reaches this point (so a kernel's time excludes the work queued before it). */
    @Override
    public DeviceEvent recordTimed(DeviceStream stream) {
        AtomicLong nanos = new AtomicLong();
        LaneStream lane = lane(stream);
        lane.submit(() -> nanos.set(System.nanoTime()));
        return new LaneClockEvent(lane.record(), nanos, new java.util.concurrent.atomic.AtomicBoolean());
    }

    @Override
    public double elapsedMillis(DeviceEvent start, DeviceEvent end) {
        if (start instanceof LaneClockEvent s && end instanceof LaneClockEvent e) {
            if (s.read().getAndSet(true) | e.read().getAndSet(true)) {
                throw new IllegalStateException("events: a timed event was read twice (each may be read once: reading releases it on cuda)");
            }
            s.synchronize();
            e.synchronize();
            return (e.nanos().get() - s.nanos().get()) / 1e6;
        }
        return DeviceRuntime.super.elapsedMillis(start, end);
    }

    /** Kernel threads finished since this runtime opened (a progress counter; blocks count when they end). */
    @Override
    public long completedThreads() {
        return completedThreads.get();
    }

    private ForkJoinPool workers() {
        ForkJoinPool p = workers;
        if (p == null) {
            synchronized (this) {
                p = workers;
                if (p == null) {
                    p = org.tornadobatch.HostThreads.forkJoin("tornado-batch-jvm-worker", threads);
                    workers = p;
                }
            }
        }
        return p;
    }

    @Override
    public void synchronize() {
        for (LaneStream s : streams.keySet()) {
            s.synchronize();
        }
    }

    /** Bytes currently allocated as device memory. */
    public long allocatedBytes() {
        return memory.allocatedBytes();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (LaneStream s : streams.keySet()) {
            s.close();
        }
        streams.clear();
        if (workers != null) {
            workers.shutdown();
        }
        memory.freeAll();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the jvm runtime is closed");
        }
    }

    private static JvmDeviceBuffer own(DeviceBuffer b) {
        if (b instanceof JvmDeviceBuffer j) {
            return j;
        }
        throw new IllegalArgumentException("buffer: " + b + " (expected: a buffer of the jvm runtime)");
    }

    private static LaneStream lane(DeviceStream s) {
        if (s instanceof LaneStream l) {
            return l;
        }
        throw new IllegalArgumentException("stream: " + s + " (expected: a stream of the jvm runtime)");
    }
}
