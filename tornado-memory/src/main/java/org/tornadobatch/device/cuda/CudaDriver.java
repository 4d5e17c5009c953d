package org.tornadobatch.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.tornadobatch.device.UnsupportedFeatureException;

/**
 * The CUDA driver API (libcuda.so.1) through {@code java.lang.foreign}. Functions are bound on first use by
 * their exported names (the {@code _v2} names that cuda.h maps the plain names to). Callers check every
 * status with {@link #check}, which turns a failure into a {@link CudaException} naming the function, the code,
 * the code's name and the device.
 */
final class CudaDriver {
    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    static final int CUDA_ERROR_NOT_READY = 600;

    static final int ATTR_MAX_THREADS_PER_BLOCK = 1;
    static final int ATTR_MAX_PITCH = 11;
    static final int ATTR_MULTIPROCESSOR_COUNT = 16;
    static final int ATTR_MAX_THREADS_PER_MULTIPROCESSOR = 39;
    static final int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int ATTR_COMPUTE_CAPABILITY_MINOR = 76;
    static final int ATTR_MAX_REGISTERS_PER_MULTIPROCESSOR = 82;
    static final int ATTR_MEMORY_POOLS_SUPPORTED = 115;
    static final int FUNC_ATTR_NUM_REGS = 4;

    private static final FunctionDescriptor I = FunctionDescriptor.of(JAVA_INT);
    private static final Map<String, FunctionDescriptor> SIGNATURES = Map.ofEntries(
            Map.entry("cuInit", I.appendArgumentLayouts(JAVA_INT)),
            Map.entry("cuDriverGetVersion", I.appendArgumentLayouts(ADDRESS)),
            Map.entry("cuDeviceGetCount", I.appendArgumentLayouts(ADDRESS)),
            Map.entry("cuDeviceGet", I.appendArgumentLayouts(ADDRESS, JAVA_INT)),
            Map.entry("cuDeviceGetName", I.appendArgumentLayouts(ADDRESS, JAVA_INT, JAVA_INT)),
            Map.entry("cuDeviceGetAttribute", I.appendArgumentLayouts(ADDRESS, JAVA_INT, JAVA_INT)),
            Map.entry("cuDeviceTotalMem_v2", I.appendArgumentLayouts(ADDRESS, JAVA_INT)),
            Map.entry("cuDevicePrimaryCtxRetain", I.appendArgumentLayouts(ADDRESS, JAVA_INT)),
            Map.entry("cuDevicePrimaryCtxRelease_v2", I.appendArgumentLayouts(JAVA_INT)),
            Map.entry("cuCtxSetCurrent", I.appendArgumentLayouts(ADDRESS)),
            Map.entry("cuCtxSynchronize", I),
            Map.entry("cuMemGetInfo_v2", I.appendArgumentLayouts(ADDRESS, ADDRESS)),
            Map.entry("cuMemAlloc_v2", I.appendArgumentLayouts(ADDRESS, JAVA_LONG)),
            Map.entry("cuMemFree_v2", I.appendArgumentLayouts(JAVA_LONG)),
            Map.entry("cuMemHostAlloc", I.appendArgumentLayouts(ADDRESS, JAVA_LONG, JAVA_INT)),
            Map.entry("cuMemFreeHost", I.appendArgumentLayouts(ADDRESS)),
            Map.entry("cuStreamCreate", I.appendArgumentLayouts(ADDRESS, JAVA_INT)),
            Map.entry("cuStreamDestroy_v2", I.appendArgumentLayouts(ADDRESS)),
            Map.entry("cuStreamSynchronize", I.appendArgumentLayouts(ADDRESS)),
            Map.entry("cuEventCreate", I.appendArgumentLayouts(ADDRESS, JAVA_INT)),
            Map.entry("cuEventRecord", I.appendArgumentLayouts(ADDRESS, ADDRESS)),
            Map.entry("cuEventQuery", I.appendArgumentLayouts(ADDRESS)),
            Map.entry("cuEventSynchronize", I.appendArgumentLayouts(ADDRESS)),
            Map.entry("cuEventDestroy_v2", I.appendArgumentLayouts(ADDRESS)),
            Map.entry("cuEventElapsedTime_v2", I.appendArgumentLayouts(ADDRESS, ADDRESS, ADDRESS)),
            Map.entry("cuEventElapsedTime", I.appendArgumentLayouts(ADDRESS, ADDRESS, ADDRESS)),
            Map.entry("cuMemcpyHtoDAsync_v2", I.appendArgumentLayouts(JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS)),
            Map.entry("cuMemcpyDtoHAsync_v2", I.appendArgumentLayouts(ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS)),
            Map.entry("cuMemcpy2DAsync_v2", I.appendArgumentLayouts(ADDRESS, ADDRESS)),
            Map.entry("cuMemAllocAsync", I.appendArgumentLayouts(ADDRESS, JAVA_LONG, ADDRESS)),
            Map.entry("cuMemFreeAsync", I.appendArgumentLayouts(JAVA_LONG, ADDRESS)),
            Map.entry("cuDeviceGetDefaultMemPool", I.appendArgumentLayouts(ADDRESS, JAVA_INT)),
            Map.entry("cuMemPoolTrimTo", I.appendArgumentLayouts(ADDRESS, JAVA_LONG)),
            Map.entry("cuModuleLoadData", I.appendArgumentLayouts(ADDRESS, ADDRESS)),
            Map.entry("cuModuleGetFunction", I.appendArgumentLayouts(ADDRESS, ADDRESS, ADDRESS)),
            Map.entry("cuModuleUnload", I.appendArgumentLayouts(ADDRESS)),
            Map.entry("cuLaunchKernel", I.appendArgumentLayouts(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                    JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS)),
            Map.entry("cuFuncGetAttribute", I.appendArgumentLayouts(ADDRESS, JAVA_INT, ADDRESS)),
            Map.entry("cuOccupancyMaxPotentialBlockSize", I.appendArgumentLayouts(ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG,
                    JAVA_INT)),
            Map.entry("cuOccupancyMaxActiveBlocksPerMultiprocessor", I.appendArgumentLayouts(ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG)),
            Map.entry("cuGetErrorName", I.appendArgumentLayouts(JAVA_INT, ADDRESS)));

    private static final LoadOnce<CudaDriver> LOADED = new LoadOnce<>(CudaDriver.class, CudaDriver::load);

    private final SymbolLookup library;
    private final Map<String, MethodHandle> handles = new ConcurrentHashMap<>();

    private CudaDriver(SymbolLookup library) {
        this.library = library;
    }

    /**
     * The driver, loaded and initialised once per process.
     *
     * @throws CudaUnavailableException saying why in one line when there is no driver or no device
     */
    static CudaDriver get() {
        return LOADED.get();
    }

    private static Object load() {
        SymbolLookup lib;
        try {
            lib = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
            return new CudaUnavailableException("libcuda.so.1 was not found (no NVIDIA driver on this machine)");
        }
        CudaDriver d = new CudaDriver(lib);
        int status = d.call("cuInit", 0);
        if (status != CUDA_SUCCESS) {
            return new CudaUnavailableException("cuInit failed with " + d.errorName(status) + " (" + status + ")"
                    + (status == 100 ? ": no CUDA device is visible" : status == 34 ? ": libcuda.so.1 is the toolkit's stub, not a driver" : ""));
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            d.check("cuDeviceGetCount", "the driver", n);
            if (n.get(JAVA_INT, 0) == 0) {
                return new CudaUnavailableException("the CUDA driver sees no device");
            }
        } catch (CudaException e) {
            return new CudaUnavailableException(e.getMessage());
        }
        return d;
    }

    /** Calls {@code function} and returns its status. */
    int call(String function, Object... args) {
        MethodHandle h = handles.computeIfAbsent(function, this::bind);
        try {
            return (Integer) (Object) h.invokeExact(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(function + ": " + e, e);
        }
    }

    /** Calls {@code function}; a status other than success becomes a {@link CudaException} naming {@code device}. */
    void check(String function, String device, Object... args) {
        int status = call(function, args);
        if (status != CUDA_SUCCESS) {
            throw new CudaException(function, status, errorName(status), device);
        }
    }

    /** Whether the driver exports {@code function} (older drivers lack the newer entry points). */
    boolean has(String function) {
        return library.find(function).isPresent();
    }

    /** The name of a status code, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    String errorName(int status) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            if (call("cuGetErrorName", status, p) != CUDA_SUCCESS) {
                return "unknown CUresult";
            }
            return p.get(ADDRESS, 0).reinterpret(256).getString(0);
        }
    }

    private MethodHandle bind(String function) {
        FunctionDescriptor fd = SIGNATURES.get(function);
        if (fd == null) {
            throw new IllegalArgumentException("function: " + function + " (not bound by " + CudaDriver.class.getSimpleName() + ")");
        }
        MemorySegment symbol = library.find(function).orElseThrow(() -> new UnsupportedFeatureException("cuda",
                function + " (the installed driver does not export it)", "update the NVIDIA driver"));
        MethodHandle h = Linker.nativeLinker().downcallHandle(symbol, fd);
        // (Object[]) -> Object, called with invokeExact: invokeWithArguments adapts its arguments anew on every call,
        // which was a third of the host's time in small solves.
        return h.asType(h.type().generic()).asSpreader(Object[].class, h.type().parameterCount());
    }
}
