package org.tornadobatch.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;

/**
 * The CUDA driver API (libcuda.so.1) through {@code java.lang.foreign}: one typed method per driver function,
 * each over its own {@link Downcall} of the function's exact type (bound on first use, by the exported name: the
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

    private final Downcall cuInit = new Downcall("cuInit", JAVA_INT);
    private final Downcall cuDriverGetVersion = new Downcall("cuDriverGetVersion", ADDRESS);
    private final Downcall cuDeviceGetCount = new Downcall("cuDeviceGetCount", ADDRESS);
    private final Downcall cuDeviceGet = new Downcall("cuDeviceGet", ADDRESS, JAVA_INT);
    private final Downcall cuDeviceGetName = new Downcall("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
    private final Downcall cuDeviceGetAttribute = new Downcall("cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
    private final Downcall cuDevicePrimaryCtxRetain = new Downcall("cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
    private final Downcall cuDevicePrimaryCtxRelease = new Downcall("cuDevicePrimaryCtxRelease_v2", JAVA_INT);
    private final Downcall cuCtxSetCurrent = new Downcall("cuCtxSetCurrent", ADDRESS);
    private final Downcall cuCtxSynchronize = new Downcall("cuCtxSynchronize");
    private final Downcall cuMemGetInfo = new Downcall("cuMemGetInfo_v2", ADDRESS, ADDRESS);
    private final Downcall cuMemAlloc = new Downcall("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
    private final Downcall cuMemFree = new Downcall("cuMemFree_v2", JAVA_LONG);
    private final Downcall cuMemHostAlloc = new Downcall("cuMemHostAlloc", ADDRESS, JAVA_LONG, JAVA_INT);
    private final Downcall cuMemFreeHost = new Downcall("cuMemFreeHost", ADDRESS);
    private final Downcall cuStreamCreate = new Downcall("cuStreamCreate", ADDRESS, JAVA_INT);
    private final Downcall cuStreamDestroy = new Downcall("cuStreamDestroy_v2", ADDRESS);
    private final Downcall cuStreamSynchronize = new Downcall("cuStreamSynchronize", ADDRESS);
    private final Downcall cuEventCreate = new Downcall("cuEventCreate", ADDRESS, JAVA_INT);
    private final Downcall cuEventRecord = new Downcall("cuEventRecord", ADDRESS, ADDRESS);
    private final Downcall cuEventQuery = new Downcall("cuEventQuery", ADDRESS);
    private final Downcall cuEventSynchronize = new Downcall("cuEventSynchronize", ADDRESS);
    private final Downcall cuEventDestroy = new Downcall("cuEventDestroy_v2", ADDRESS);
    private final Downcall cuEventElapsedTimeV2 = new Downcall("cuEventElapsedTime_v2", ADDRESS, ADDRESS, ADDRESS);
    private final Downcall cuEventElapsedTime = new Downcall("cuEventElapsedTime", ADDRESS, ADDRESS, ADDRESS);
    private final Downcall cuMemcpyHtoDAsync = new Downcall("cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
    private final Downcall cuMemcpyDtoHAsync = new Downcall("cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
    private final Downcall cuMemcpy2DAsync = new Downcall("cuMemcpy2DAsync_v2", ADDRESS, ADDRESS);
    private final Downcall cuMemAllocAsync = new Downcall("cuMemAllocAsync", ADDRESS, JAVA_LONG, ADDRESS);
    private final Downcall cuMemFreeAsync = new Downcall("cuMemFreeAsync", JAVA_LONG, ADDRESS);
    private final Downcall cuDeviceGetDefaultMemPool = new Downcall("cuDeviceGetDefaultMemPool", ADDRESS, JAVA_INT);
    private final Downcall cuMemPoolTrimTo = new Downcall("cuMemPoolTrimTo", ADDRESS, JAVA_LONG);
    private final Downcall cuModuleLoadData = new Downcall("cuModuleLoadData", ADDRESS, ADDRESS);
    private final Downcall cuModuleGetFunction = new Downcall("cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
    private final Downcall cuModuleUnload = new Downcall("cuModuleUnload", ADDRESS);
    private final Downcall cuLaunchKernel = new Downcall("cuLaunchKernel", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    private final Downcall cuFuncGetAttribute = new Downcall("cuFuncGetAttribute", ADDRESS, JAVA_INT, ADDRESS);
    private final Downcall cuOccupancyMaxPotentialBlockSize = new Downcall("cuOccupancyMaxPotentialBlockSize", ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
    private final Downcall cuOccupancyMaxActiveBlocksPerMultiprocessor = new Downcall("cuOccupancyMaxActiveBlocksPerMultiprocessor", ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG);
    private final Downcall cuGetErrorName = new Downcall("cuGetErrorName", JAVA_INT, ADDRESS);

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
            return (int) cuInit.handle(library).invokeExact(flags);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuInit", t);
        }
    }

    int cuDriverGetVersion(MemorySegment version) {
        try {
            return (int) cuDriverGetVersion.handle(library).invokeExact(version);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuDriverGetVersion", t);
        }
    }

    int cuDeviceGetCount(MemorySegment count) {
        try {
            return (int) cuDeviceGetCount.handle(library).invokeExact(count);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuDeviceGetCount", t);
        }
    }

    int cuDeviceGet(MemorySegment device, int ordinal) {
        try {
            return (int) cuDeviceGet.handle(library).invokeExact(device, ordinal);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuDeviceGet", t);
        }
    }

    int cuDeviceGetName(MemorySegment name, int length, int device) {
        try {
            return (int) cuDeviceGetName.handle(library).invokeExact(name, length, device);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuDeviceGetName", t);
        }
    }

    int cuDeviceGetAttribute(MemorySegment value, int attribute, int device) {
        try {
            return (int) cuDeviceGetAttribute.handle(library).invokeExact(value, attribute, device);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuDeviceGetAttribute", t);
        }
    }

    int cuDevicePrimaryCtxRetain(MemorySegment context, int device) {
        try {
            return (int) cuDevicePrimaryCtxRetain.handle(library).invokeExact(context, device);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuDevicePrimaryCtxRetain", t);
        }
    }

    int cuDevicePrimaryCtxRelease(int device) {
        try {
            return (int) cuDevicePrimaryCtxRelease.handle(library).invokeExact(device);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuDevicePrimaryCtxRelease_v2", t);
        }
    }

    int cuCtxSetCurrent(MemorySegment context) {
        try {
            return (int) cuCtxSetCurrent.handle(library).invokeExact(context);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuCtxSetCurrent", t);
        }
    }

    int cuCtxSynchronize() {
        try {
            return (int) cuCtxSynchronize.handle(library).invokeExact();
        } catch (Throwable t) {
            throw Downcall.rethrow("cuCtxSynchronize", t);
        }
    }

    int cuMemGetInfo(MemorySegment free, MemorySegment total) {
        try {
            return (int) cuMemGetInfo.handle(library).invokeExact(free, total);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuMemGetInfo_v2", t);
        }
    }

    int cuMemAlloc(MemorySegment pointer, long bytes) {
        try {
            return (int) cuMemAlloc.handle(library).invokeExact(pointer, bytes);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuMemAlloc_v2", t);
        }
    }

    int cuMemFree(long pointer) {
        try {
            return (int) cuMemFree.handle(library).invokeExact(pointer);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuMemFree_v2", t);
        }
    }

    int cuMemHostAlloc(MemorySegment pointer, long bytes, int flags) {
        try {
            return (int) cuMemHostAlloc.handle(library).invokeExact(pointer, bytes, flags);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuMemHostAlloc", t);
        }
    }

    int cuMemFreeHost(MemorySegment pointer) {
        try {
            return (int) cuMemFreeHost.handle(library).invokeExact(pointer);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuMemFreeHost", t);
        }
    }

    int cuStreamCreate(MemorySegment stream, int flags) {
        try {
            return (int) cuStreamCreate.handle(library).invokeExact(stream, flags);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuStreamCreate", t);
        }
    }

    int cuStreamDestroy(MemorySegment stream) {
        try {
            return (int) cuStreamDestroy.handle(library).invokeExact(stream);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuStreamDestroy_v2", t);
        }
    }

    int cuStreamSynchronize(MemorySegment stream) {
        try {
            return (int) cuStreamSynchronize.handle(library).invokeExact(stream);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuStreamSynchronize", t);
        }
    }

    int cuEventCreate(MemorySegment event, int flags) {
        try {
            return (int) cuEventCreate.handle(library).invokeExact(event, flags);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuEventCreate", t);
        }
    }

    int cuEventRecord(MemorySegment event, MemorySegment stream) {
        try {
            return (int) cuEventRecord.handle(library).invokeExact(event, stream);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuEventRecord", t);
        }
    }

    int cuEventQuery(MemorySegment event) {
        try {
            return (int) cuEventQuery.handle(library).invokeExact(event);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuEventQuery", t);
        }
    }

    int cuEventSynchronize(MemorySegment event) {
        try {
            return (int) cuEventSynchronize.handle(library).invokeExact(event);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuEventSynchronize", t);
        }
    }

    int cuEventDestroy(MemorySegment event) {
        try {
            return (int) cuEventDestroy.handle(library).invokeExact(event);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuEventDestroy_v2", t);
        }
    }

    int cuEventElapsedTimeV2(MemorySegment millis, MemorySegment start, MemorySegment end) {
        try {
            return (int) cuEventElapsedTimeV2.handle(library).invokeExact(millis, start, end);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuEventElapsedTime_v2", t);
        }
    }

    int cuEventElapsedTime(MemorySegment millis, MemorySegment start, MemorySegment end) {
        try {
            return (int) cuEventElapsedTime.handle(library).invokeExact(millis, start, end);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuEventElapsedTime", t);
        }
    }

    int cuMemcpyHtoDAsync(long target, MemorySegment source, long bytes, MemorySegment stream) {
        try {
            return (int) cuMemcpyHtoDAsync.handle(library).invokeExact(target, source, bytes, stream);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuMemcpyHtoDAsync_v2", t);
        }
    }

    int cuMemcpyDtoHAsync(MemorySegment target, long source, long bytes, MemorySegment stream) {
        try {
            return (int) cuMemcpyDtoHAsync.handle(library).invokeExact(target, source, bytes, stream);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuMemcpyDtoHAsync_v2", t);
        }
    }

    int cuMemcpy2DAsync(MemorySegment copy, MemorySegment stream) {
        try {
            return (int) cuMemcpy2DAsync.handle(library).invokeExact(copy, stream);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuMemcpy2DAsync_v2", t);
        }
    }

    int cuMemAllocAsync(MemorySegment pointer, long bytes, MemorySegment stream) {
        try {
            return (int) cuMemAllocAsync.handle(library).invokeExact(pointer, bytes, stream);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuMemAllocAsync", t);
        }
    }

    int cuMemFreeAsync(long pointer, MemorySegment stream) {
        try {
            return (int) cuMemFreeAsync.handle(library).invokeExact(pointer, stream);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuMemFreeAsync", t);
        }
    }

    int cuDeviceGetDefaultMemPool(MemorySegment pool, int device) {
        try {
            return (int) cuDeviceGetDefaultMemPool.handle(library).invokeExact(pool, device);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuDeviceGetDefaultMemPool", t);
        }
    }

    int cuMemPoolTrimTo(MemorySegment pool, long keep) {
        try {
            return (int) cuMemPoolTrimTo.handle(library).invokeExact(pool, keep);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuMemPoolTrimTo", t);
        }
    }

    int cuModuleLoadData(MemorySegment module, MemorySegment image) {
        try {
            return (int) cuModuleLoadData.handle(library).invokeExact(module, image);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuModuleLoadData", t);
        }
    }

    int cuModuleGetFunction(MemorySegment function, MemorySegment module, MemorySegment name) {
        try {
            return (int) cuModuleGetFunction.handle(library).invokeExact(function, module, name);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuModuleGetFunction", t);
        }
    }

    int cuModuleUnload(MemorySegment module) {
        try {
            return (int) cuModuleUnload.handle(library).invokeExact(module);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuModuleUnload", t);
        }
    }

    int cuLaunchKernel(MemorySegment function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes, MemorySegment stream, MemorySegment params, MemorySegment extra) {
        try {
            return (int) cuLaunchKernel.handle(library).invokeExact(function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, stream, params, extra);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuLaunchKernel", t);
        }
    }

    int cuFuncGetAttribute(MemorySegment value, int attribute, MemorySegment function) {
        try {
            return (int) cuFuncGetAttribute.handle(library).invokeExact(value, attribute, function);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuFuncGetAttribute", t);
        }
    }

    int cuOccupancyMaxPotentialBlockSize(MemorySegment minGrid, MemorySegment block, MemorySegment function, MemorySegment sharedPerBlock, long sharedBytes, int blockLimit) {
        try {
            return (int) cuOccupancyMaxPotentialBlockSize.handle(library).invokeExact(minGrid, block, function, sharedPerBlock, sharedBytes, blockLimit);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuOccupancyMaxPotentialBlockSize", t);
        }
    }

    int cuOccupancyMaxActiveBlocksPerMultiprocessor(MemorySegment blocks, MemorySegment function, int blockSize, long sharedBytes) {
        try {
            return (int) cuOccupancyMaxActiveBlocksPerMultiprocessor.handle(library).invokeExact(blocks, function, blockSize, sharedBytes);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuOccupancyMaxActiveBlocksPerMultiprocessor", t);
        }
    }

    int cuGetErrorName(int status, MemorySegment name) {
        try {
            return (int) cuGetErrorName.handle(library).invokeExact(status, name);
        } catch (Throwable t) {
            throw Downcall.rethrow("cuGetErrorName", t);
        }
    }
}
