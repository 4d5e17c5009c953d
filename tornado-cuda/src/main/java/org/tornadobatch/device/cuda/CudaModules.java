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
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.KernelParameter;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.device.LaunchArguments;
import org.tornadobatch.device.LaunchConfig;

/**
 * Kernels on a CUDA device: CUDA C++ compiled to PTX by NVRTC ({@link Nvrtc}, cached on disk), loaded with
 * cuModuleLoadData, sized by the occupancy calculator, and launched with cuLaunchKernel, each parameter passed as
 * the kernel's signature says (buffers as pointers, scalars, vectors as a struct of their values).
 */
final class CudaModules {
    private static final Logger LOG = LoggerFactory.getLogger(CudaRuntime.class);
    private static final int CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;

    private final CudaRuntime owner;
    private final CudaContext c;
    private final CudaDriver d;
    private final Set<CudaKernel> kernels = ConcurrentHashMap.newKeySet();

    CudaModules(CudaRuntime owner, CudaContext context) {
        this.owner = owner;
        this.c = context;
        this.d = context.d;
    }

    /** Compiles (or takes from the cache) and loads {@code source}; options go to NVRTC as {@code --key=value}. */
    CudaKernel compile(KernelSource source) {
        c.bind();
        Nvrtc nvrtc = Nvrtc.get();
        int arch = nvrtc.architectureFor(c.computeCapability);
        List<String> options = new ArrayList<>();
        for (Map.Entry<String, String> o : new java.util.TreeMap<>(source.options()).entrySet()) {
            options.add("--" + o.getKey() + (o.getValue().isEmpty() ? "" : "=" + o.getValue()));
        }
        Nvrtc.Ptx ptx = nvrtc.compile(source.code(), source.entryPoint(), arch, options, c.where);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mod = a.allocate(ADDRESS);
            int status = d.cuModuleLoadData(mod, a.allocateFrom(ptx.code()));
            if (status != CudaDriver.CUDA_SUCCESS) {
                throw new CudaException("cuModuleLoadData", status, d.errorName(status), c.where, status == CUDA_ERROR_UNSUPPORTED_PTX_VERSION
                        ? nvrtc.describe() + " writes PTX newer than driver CUDA " + c.driverVersionText()
                                + " reads; use an NVRTC no newer than the driver, or update the driver"
                        : "loading the PTX of " + source.entryPoint());
            }
            MemorySegment module = mod.get(ADDRESS, 0);
            MemorySegment fn = a.allocate(ADDRESS);
            status = d.cuModuleGetFunction(fn, module, a.allocateFrom(source.entryPoint()));
            if (status != CudaDriver.CUDA_SUCCESS) {
                d.cuModuleUnload(module);
                throw new CudaException("cuModuleGetFunction", status, d.errorName(status), c.where,
                        "the module has no extern \"C\" __global__ function " + source.entryPoint());
            }
            MemorySegment function = fn.get(ADDRESS, 0);
            MemorySegment v = a.allocate(JAVA_INT);
            d.check("cuFuncGetAttribute", c.where, d.cuFuncGetAttribute(v, CudaDriver.FUNC_ATTR_NUM_REGS, function));
            int regs = v.get(JAVA_INT, 0);
            MemorySegment minGrid = a.allocate(JAVA_INT);
            MemorySegment block = a.allocate(JAVA_INT);
            d.check("cuOccupancyMaxPotentialBlockSize", c.where,
                    d.cuOccupancyMaxPotentialBlockSize(minGrid, block, function, MemorySegment.NULL, 0L, 0));
            int blockSize = block.get(JAVA_INT, 0);
            d.check("cuOccupancyMaxActiveBlocksPerMultiprocessor", c.where, d.cuOccupancyMaxActiveBlocksPerMultiprocessor(v, function, blockSize, 0L));
            CudaKernel k = new CudaKernel(owner, source.entryPoint(), source.signature(), module, function, regs, blockSize, v.get(JAVA_INT, 0),
                    ptx.arch(), ptx.cached(), ptx.millis(), new AtomicBoolean(true));
            kernels.add(k);
            LOG.debug("kernel {}: {} registers, block size {} ({} blocks per multiprocessor), PTX {} {} in {} ms", k.entryPoint(),
                    regs, blockSize, k.blocksPerSm(), ptx.arch(), ptx.cached() ? "from the cache" : "compiled", Math.round(ptx.millis()));
            return k;
        }
    }

    void unload(CudaKernel k) {
        kernels.remove(k);
        if (!c.closed()) {
            c.bind();
            d.check("cuModuleUnload", c.where, d.cuModuleUnload(k.module()));
        }
    }

    /** The kernels still loaded. */
    List<CudaKernel> loaded() {
        return List.copyOf(kernels);
    }

    /** Queues a launch of {@code k} on {@code s}; {@code address} gives a buffer's device pointer. */
    void launch(CudaKernel k, LaunchConfig config, CudaStream s, LaunchArguments args, Function<DeviceBuffer, Long> address) {
        if (!k.loaded().get()) {
            throw new IllegalStateException("kernel " + k.entryPoint() + " is closed");
        }
        k.requireArguments(args);
        c.bind();
        List<KernelParameter> ps = k.signature().parameters();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment params = a.allocate(ADDRESS, Math.max(1, ps.size()));
            for (int i = 0; i < ps.size(); i++) {
                params.setAtIndex(ADDRESS, i, argument(a, ps.get(i), args.value(ps.get(i)), address));
            }
            d.check("cuLaunchKernel", c.where, d.cuLaunchKernel(k.function(), config.gridSize(), 1, 1, config.blockSize(), 1, 1,
                    config.sharedMemoryBytes(), s.handle(), params, MemorySegment.NULL));
        }
    }

    /** Where cuLaunchKernel reads parameter {@code p}'s value: a pointer (0 for an absent buffer), a scalar, a struct of a vector's values. */
    private static MemorySegment argument(Arena a, KernelParameter p, Object v, Function<DeviceBuffer, Long> address) {
        return switch (p) {
            case KernelParameter.Buffer b -> a.allocateFrom(JAVA_LONG, v == null ? 0 : address.apply((DeviceBuffer) v));
            case KernelParameter.Scalar sc -> switch (sc.type()) {
                case INT32 -> a.allocateFrom(JAVA_INT, (Integer) v);
                case INT64 -> a.allocateFrom(JAVA_LONG, (Long) v);
                case FLOAT32 -> a.allocateFrom(JAVA_FLOAT, (Float) v);
                case FLOAT64 -> a.allocateFrom(JAVA_DOUBLE, (Double) v);
            };
            case KernelParameter.Vector vec -> switch (vec.element()) {
                case FLOAT64 -> a.allocateFrom(JAVA_DOUBLE, (double[]) v);
                case FLOAT32 -> {
                    double[] values = (double[]) v;
                    MemorySegment m = a.allocate(JAVA_FLOAT, values.length);
                    for (int i = 0; i < values.length; i++) {
                        m.setAtIndex(JAVA_FLOAT, i, (float) values[i]);
                    }
                    yield m;
                }
                default -> throw new IllegalArgumentException("vector " + p.name() + " of " + vec.element() + " (expected: FLOAT64 or FLOAT32)");
            };
        };
    }
}
