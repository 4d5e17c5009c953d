package org.tornadobatch.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import org.tornadobatch.device.UnsupportedFeatureException;

/**
 * The CUDA driver API (libcuda.so.1) through {@code java.lang.foreign}: one typed method per driver function,
 * each over its own downcall handle of the function's exact type (bound on first use, by the exported name: the
 * {@code _v2} names that cuda.h maps the plain names to). Every method returns the function's status; callers
 * check it with {@link #check}, which turns a failure into a {@link CudaException} naming the function, the code,
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

    private static final LoadOnce<CudaDriver> LOADED = new LoadOnce<>(CudaDriver.class, CudaDriver::load);

    private final SymbolLookup library;

    /** One driver function: its exported name, its descriptor (int status and the layouts), its handle once bound. */
    private final class Fn {
        private final String name;
        private final FunctionDescriptor descriptor;
        private volatile MethodHandle handle;

        Fn(String name, MemoryLayout... arguments) {
            this.name = name;
            this.descriptor = FunctionDescriptor.of(JAVA_INT, arguments);
        }

        MethodHandle handle() {
            MethodHandle h = handle;
            if (h == null) {
                MemorySegment symbol = library.find(name).orElseThrow(() -> new UnsupportedFeatureException("cuda",
                        name + " (the installed driver does not export it)", "update the NVIDIA driver"));
                h = Linker.nativeLinker().downcallHandle(symbol, descriptor);
                handle = h;
            }
            return h;
        }
    }

    /**
     * What a downcall of {@code name} threw, to rethrow: runtime exceptions and errors as they are, anything else
     * (a checked exception the handle's signature allows) wrapped. Shared with {@link NvrtcFunctions}.
     */
    static RuntimeException rethrow(String name, Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(name + ": " + t, t);
    }

    private final Fn cuInit = new Fn("cuInit", JAVA_INT);
    private final Fn cuDriverGetVersion = new Fn("cuDriverGetVersion", ADDRESS);
    private final Fn cuDeviceGetCount = new Fn("cuDeviceGetCount", ADDRESS);
    private final Fn cuDeviceGet = new Fn("cuDeviceGet", ADDRESS, JAVA_INT);
    private final Fn cuDeviceGetName = new Fn("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
    private final Fn cuDeviceGetAttribute = new Fn("cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
    private final Fn cuDevicePrimaryCtxRetain = new Fn("cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
    private final Fn cuDevicePrimaryCtxRelease = new Fn("cuDevicePrimaryCtxRelease_v2", JAVA_INT);
    private final Fn cuCtxSetCurrent = new Fn("cuCtxSetCurrent", ADDRESS);
    private final Fn cuCtxSynchronize = new Fn("cuCtxSynchronize");
    private final Fn cuMemGetInfo = new Fn("cuMemGetInfo_v2", ADDRESS, ADDRESS);
    private final Fn cuMemAlloc = new Fn("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
    private final Fn cuMemFree = new Fn("cuMemFree_v2", JAVA_LONG);
    private final Fn cuMemHostAlloc = new Fn("cuMemHostAlloc", ADDRESS, JAVA_LONG, JAVA_INT);
    private final Fn cuMemFreeHost = new Fn("cuMemFreeHost", ADDRESS);
    private final Fn cuStreamCreate = new Fn("cuStreamCreate", ADDRESS, JAVA_INT);
    private final Fn cuStreamDestroy = new Fn("cuStreamDestroy_v2", ADDRESS);
    private final Fn cuStreamSynchronize = new Fn("cuStreamSynchronize", ADDRESS);
    private final Fn cuEventCreate = new Fn("cuEventCreate", ADDRESS, JAVA_INT);
    private final Fn cuEventRecord = new Fn("cuEventRecord", ADDRESS, ADDRESS);
    private final Fn cuEventQuery = new Fn("cuEventQuery", ADDRESS);
    private final Fn cuEventSynchronize = new Fn("cuEventSynchronize", ADDRESS);
    private final Fn cuEventDestroy = new Fn("cuEventDestroy_v2", ADDRESS);
    private final Fn cuEventElapsedTimeV2 = new Fn("cuEventElapsedTime_v2", ADDRESS, ADDRESS, ADDRESS);
    private final Fn cuEventElapsedTime = new Fn("cuEventElapsedTime", ADDRESS, ADDRESS, ADDRESS);
    private final Fn cuMemcpyHtoDAsync = new Fn("cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
    private final Fn cuMemcpyDtoHAsync = new Fn("cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
    private final Fn cuMemcpy2DAsync = new Fn("cuMemcpy2DAsync_v2", ADDRESS, ADDRESS);
    private final Fn cuMemAllocAsync = new Fn("cuMemAllocAsync", ADDRESS, JAVA_LONG, ADDRESS);
    private final Fn cuMemFreeAsync = new Fn("cuMemFreeAsync", JAVA_LONG, ADDRESS);
    private final Fn cuDeviceGetDefaultMemPool = new Fn("cuDeviceGetDefaultMemPool", ADDRESS, JAVA_INT);
    private final Fn cuMemPoolTrimTo = new Fn("cuMemPoolTrimTo", ADDRESS, JAVA_LONG);
    private final Fn cuModuleLoadData = new Fn("cuModuleLoadData", ADDRESS, ADDRESS);
    private final Fn cuModuleGetFunction = new Fn("cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
    private final Fn cuModuleUnload = new Fn("cuModuleUnload", ADDRESS);
    private final Fn cuLaunchKernel = new Fn("cuLaunchKernel", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    private final Fn cuFuncGetAttribute = new Fn("cuFuncGetAttribute", ADDRESS, JAVA_INT, ADDRESS);
    private final Fn cuOccupancyMaxPotentialBlockSize = new Fn("cuOccupancyMaxPotentialBlockSize", ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
    private final Fn cuOccupancyMaxActiveBlocksPerMultiprocessor = new Fn("cuOccupancyMaxActiveBlocksPerMultiprocessor", ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG);
    private final Fn cuGetErrorName = new Fn("cuGetErrorName", JAVA_INT, ADDRESS);

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
        int status = d.cuInit(0);
        if (status != CUDA_SUCCESS) {
            return new CudaUnavailableException("cuInit failed with " + d.errorName(status) + " (" + status + ")"
                    + (status == 100 ? ": no CUDA device is visible" : status == 34 ? ": libcuda.so.1 is the toolkit's stub, not a driver" : ""));
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            d.check("cuDeviceGetCount", "the driver", d.cuDeviceGetCount(n));
            if (n.get(JAVA_INT, 0) == 0) {
                return new CudaUnavailableException("the CUDA driver sees no device");
            }
        } catch (CudaException e) {
            return new CudaUnavailableException(e.getMessage());
        }
        return d;
    }

    /** A {@code status} of {@code function} other than success becomes a {@link CudaException} naming {@code device}. */
    void check(String function, String device, int status) {
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
            if (cuGetErrorName(status, p) != CUDA_SUCCESS) {
                return "unknown CUresult";
            }
            return p.get(ADDRESS, 0).reinterpret(256).getString(0);
        }
    }

    int cuInit(int flags) {
        try {
            return (int) cuInit.handle().invokeExact(flags);
        } catch (Throwable t) {
            throw rethrow("cuInit", t);
        }
    }

    int cuDriverGetVersion(MemorySegment version) {
        try {
            return (int) cuDriverGetVersion.handle().invokeExact(version);
        } catch (Throwable t) {
            throw rethrow("cuDriverGetVersion", t);
        }
    }

    int cuDeviceGetCount(MemorySegment count) {
        try {
            return (int) cuDeviceGetCount.handle().invokeExact(count);
        } catch (Throwable t) {
            throw rethrow("cuDeviceGetCount", t);
        }
    }

    int cuDeviceGet(MemorySegment device, int ordinal) {
        try {
            return (int) cuDeviceGet.handle().invokeExact(device, ordinal);
        } catch (Throwable t) {
            throw rethrow("cuDeviceGet", t);
        }
    }

    int cuDeviceGetName(MemorySegment name, int length, int device) {
        try {
            return (int) cuDeviceGetName.handle().invokeExact(name, length, device);
        } catch (Throwable t) {
            throw rethrow("cuDeviceGetName", t);
        }
    }

    int cuDeviceGetAttribute(MemorySegment value, int attribute, int device) {
        try {
            return (int) cuDeviceGetAttribute.handle().invokeExact(value, attribute, device);
        } catch (Throwable t) {
            throw rethrow("cuDeviceGetAttribute", t);
        }
    }

    int cuDevicePrimaryCtxRetain(MemorySegment context, int device) {
        try {
            return (int) cuDevicePrimaryCtxRetain.handle().invokeExact(context, device);
        } catch (Throwable t) {
            throw rethrow("cuDevicePrimaryCtxRetain", t);
        }
    }

    int cuDevicePrimaryCtxRelease(int device) {
        try {
            return (int) cuDevicePrimaryCtxRelease.handle().invokeExact(device);
        } catch (Throwable t) {
            throw rethrow("cuDevicePrimaryCtxRelease_v2", t);
        }
    }

    int cuCtxSetCurrent(MemorySegment context) {
        try {
            return (int) cuCtxSetCurrent.handle().invokeExact(context);
        } catch (Throwable t) {
            throw rethrow("cuCtxSetCurrent", t);
        }
    }

    int cuCtxSynchronize() {
        try {
            return (int) cuCtxSynchronize.handle().invokeExact();
        } catch (Throwable t) {
            throw rethrow("cuCtxSynchronize", t);
        }
    }

    int cuMemGetInfo(MemorySegment free, MemorySegment total) {
        try {
            return (int) cuMemGetInfo.handle().invokeExact(free, total);
        } catch (Throwable t) {
            throw rethrow("cuMemGetInfo_v2", t);
        }
    }

    int cuMemAlloc(MemorySegment pointer, long bytes) {
        try {
            return (int) cuMemAlloc.handle().invokeExact(pointer, bytes);
        } catch (Throwable t) {
            throw rethrow("cuMemAlloc_v2", t);
        }
    }

    int cuMemFree(long pointer) {
        try {
            return (int) cuMemFree.handle().invokeExact(pointer);
        } catch (Throwable t) {
            throw rethrow("cuMemFree_v2", t);
        }
    }

    int cuMemHostAlloc(MemorySegment pointer, long bytes, int flags) {
        try {
            return (int) cuMemHostAlloc.handle().invokeExact(pointer, bytes, flags);
        } catch (Throwable t) {
            throw rethrow("cuMemHostAlloc", t);
        }
    }

    int cuMemFreeHost(MemorySegment pointer) {
        try {
            return (int) cuMemFreeHost.handle().invokeExact(pointer);
        } catch (Throwable t) {
            throw rethrow("cuMemFreeHost", t);
        }
    }

    int cuStreamCreate(MemorySegment stream, int flags) {
        try {
            return (int) cuStreamCreate.handle().invokeExact(stream, flags);
        } catch (Throwable t) {
            throw rethrow("cuStreamCreate", t);
        }
    }

    int cuStreamDestroy(MemorySegment stream) {
        try {
            return (int) cuStreamDestroy.handle().invokeExact(stream);
        } catch (Throwable t) {
            throw rethrow("cuStreamDestroy_v2", t);
        }
    }

    int cuStreamSynchronize(MemorySegment stream) {
        try {
            return (int) cuStreamSynchronize.handle().invokeExact(stream);
        } catch (Throwable t) {
            throw rethrow("cuStreamSynchronize", t);
        }
    }

    int cuEventCreate(MemorySegment event, int flags) {
        try {
            return (int) cuEventCreate.handle().invokeExact(event, flags);
        } catch (Throwable t) {
            throw rethrow("cuEventCreate", t);
        }
    }

    int cuEventRecord(MemorySegment event, MemorySegment stream) {
        try {
            return (int) cuEventRecord.handle().invokeExact(event, stream);
        } catch (Throwable t) {
            throw rethrow("cuEventRecord", t);
        }
    }

    int cuEventQuery(MemorySegment event) {
        try {
            return (int) cuEventQuery.handle().invokeExact(event);
        } catch (Throwable t) {
            throw rethrow("cuEventQuery", t);
        }
    }

    int cuEventSynchronize(MemorySegment event) {
        try {
            return (int) cuEventSynchronize.handle().invokeExact(event);
        } catch (Throwable t) {
            throw rethrow("cuEventSynchronize", t);
        }
    }

    int cuEventDestroy(MemorySegment event) {
        try {
            return (int) cuEventDestroy.handle().invokeExact(event);
        } catch (Throwable t) {
            throw rethrow("cuEventDestroy_v2", t);
        }
    }

    int cuEventElapsedTimeV2(MemorySegment millis, MemorySegment start, MemorySegment end) {
        try {
            return (int) cuEventElapsedTimeV2.handle().invokeExact(millis, start, end);
        } catch (Throwable t) {
            throw rethrow("cuEventElapsedTime_v2", t);
        }
    }

    int cuEventElapsedTime(MemorySegment millis, MemorySegment start, MemorySegment end) {
        try {
            return (int) cuEventElapsedTime.handle().invokeExact(millis, start, end);
        } catch (Throwable t) {
            throw rethrow("cuEventElapsedTime", t);
        }
    }

    int cuMemcpyHtoDAsync(long target, MemorySegment source, long bytes, MemorySegment stream) {
        try {
            return (int) cuMemcpyHtoDAsync.handle().invokeExact(target, source, bytes, stream);
        } catch (Throwable t) {
            throw rethrow("cuMemcpyHtoDAsync_v2", t);
        }
    }

    int cuMemcpyDtoHAsync(MemorySegment target, long source, long bytes, MemorySegment stream) {
        try {
            return (int) cuMemcpyDtoHAsync.handle().invokeExact(target, source, bytes, stream);
        } catch (Throwable t) {
            throw rethrow("cuMemcpyDtoHAsync_v2", t);
        }
    }

    int cuMemcpy2DAsync(MemorySegment copy, MemorySegment stream) {
        try {
            return (int) cuMemcpy2DAsync.handle().invokeExact(copy, stream);
        } catch (Throwable t) {
            throw rethrow("cuMemcpy2DAsync_v2", t);
        }
    }

    int cuMemAllocAsync(MemorySegment pointer, long bytes, MemorySegment stream) {
        try {
            return (int) cuMemAllocAsync.handle().invokeExact(pointer, bytes, stream);
        } catch (Throwable t) {
            throw rethrow("cuMemAllocAsync", t);
        }
    }

    int cuMemFreeAsync(long pointer, MemorySegment stream) {
        try {
            return (int) cuMemFreeAsync.handle().invokeExact(pointer, stream);
        } catch (Throwable t) {
            throw rethrow("cuMemFreeAsync", t);
        }
    }

    int cuDeviceGetDefaultMemPool(MemorySegment pool, int device) {
        try {
            return (int) cuDeviceGetDefaultMemPool.handle().invokeExact(pool, device);
        } catch (Throwable t) {
            throw rethrow("cuDeviceGetDefaultMemPool", t);
        }
    }

    int cuMemPoolTrimTo(MemorySegment pool, long keep) {
        try {
            return (int) cuMemPoolTrimTo.handle().invokeExact(pool, keep);
        } catch (Throwable t) {
            throw rethrow("cuMemPoolTrimTo", t);
        }
    }

    int cuModuleLoadData(MemorySegment module, MemorySegment image) {
        try {
            return (int) cuModuleLoadData.handle().invokeExact(module, image);
        } catch (Throwable t) {
            throw rethrow("cuModuleLoadData", t);
        }
    }

    int cuModuleGetFunction(MemorySegment function, MemorySegment module, MemorySegment name) {
        try {
            return (int) cuModuleGetFunction.handle().invokeExact(function, module, name);
        } catch (Throwable t) {
            throw rethrow("cuModuleGetFunction", t);
        }
    }

    int cuModuleUnload(MemorySegment module) {
        try {
            return (int) cuModuleUnload.handle().invokeExact(module);
        } catch (Throwable t) {
            throw rethrow("cuModuleUnload", t);
        }
    }

    int cuLaunchKernel(MemorySegment function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes, MemorySegment stream, MemorySegment params, MemorySegment extra) {
        try {
            return (int) cuLaunchKernel.handle().invokeExact(function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, stream, params, extra);
        } catch (Throwable t) {
            throw rethrow("cuLaunchKernel", t);
        }
    }

    int cuFuncGetAttribute(MemorySegment value, int attribute, MemorySegment function) {
        try {
            return (int) cuFuncGetAttribute.handle().invokeExact(value, attribute, function);
        } catch (Throwable t) {
            throw rethrow("cuFuncGetAttribute", t);
        }
    }

    int cuOccupancyMaxPotentialBlockSize(MemorySegment minGrid, MemorySegment block, MemorySegment function, MemorySegment sharedPerBlock, long sharedBytes, int blockLimit) {
        try {
            return (int) cuOccupancyMaxPotentialBlockSize.handle().invokeExact(minGrid, block, function, sharedPerBlock, sharedBytes, blockLimit);
        } catch (Throwable t) {
            throw rethrow("cuOccupancyMaxPotentialBlockSize", t);
        }
    }

    int cuOccupancyMaxActiveBlocksPerMultiprocessor(MemorySegment blocks, MemorySegment function, int blockSize, long sharedBytes) {
        try {
            return (int) cuOccupancyMaxActiveBlocksPerMultiprocessor.handle().invokeExact(blocks, function, blockSize, sharedBytes);
        } catch (Throwable t) {
            throw rethrow("cuOccupancyMaxActiveBlocksPerMultiprocessor", t);
        }
    }

    int cuGetErrorName(int status, MemorySegment name) {
        try {
            return (int) cuGetErrorName.handle().invokeExact(status, name);
        } catch (Throwable t) {
            throw rethrow("cuGetErrorName", t);
        }
    }
}
