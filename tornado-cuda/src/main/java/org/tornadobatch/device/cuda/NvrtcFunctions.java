package org.tornadobatch.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * NVRTC's C API through {@code java.lang.foreign}, as {@link CudaDriver} does the driver's: one typed method per
 * function over its own downcall handle of the function's exact type, all bound when the library is opened (a
 * library that lacks one is refused then). Every method but {@link #nvrtcGetErrorString} returns the function's
 * status.
 */
final class NvrtcFunctions {
    private final MethodHandle version;
    private final MethodHandle numSupportedArchs;
    private final MethodHandle supportedArchs;
    private final MethodHandle createProgram;
    private final MethodHandle compileProgram;
    private final MethodHandle programLogSize;
    private final MethodHandle programLog;
    private final MethodHandle ptxSize;
    private final MethodHandle ptx;
    private final MethodHandle destroyProgram;
    private final MethodHandle errorString;

    /** @throws IllegalStateException naming the first function {@code lib} (called {@code name}) does not export */
    NvrtcFunctions(String name, SymbolLookup lib) {
        version = bind(name, lib, "nvrtcVersion", ADDRESS, ADDRESS);
        numSupportedArchs = bind(name, lib, "nvrtcGetNumSupportedArchs", ADDRESS);
        supportedArchs = bind(name, lib, "nvrtcGetSupportedArchs", ADDRESS);
        createProgram = bind(name, lib, "nvrtcCreateProgram", ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        compileProgram = bind(name, lib, "nvrtcCompileProgram", ADDRESS, JAVA_INT, ADDRESS);
        programLogSize = bind(name, lib, "nvrtcGetProgramLogSize", ADDRESS, ADDRESS);
        programLog = bind(name, lib, "nvrtcGetProgramLog", ADDRESS, ADDRESS);
        ptxSize = bind(name, lib, "nvrtcGetPTXSize", ADDRESS, ADDRESS);
        ptx = bind(name, lib, "nvrtcGetPTX", ADDRESS, ADDRESS);
        destroyProgram = bind(name, lib, "nvrtcDestroyProgram", ADDRESS);
        errorString = Linker.nativeLinker().downcallHandle(find(name, lib, "nvrtcGetErrorString"), FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private static MemorySegment find(String name, SymbolLookup lib, String fn) {
        return lib.find(fn).orElseThrow(() -> new IllegalStateException(name + " lacks " + fn));
    }

    private static MethodHandle bind(String name, SymbolLookup lib, String fn, MemoryLayout... arguments) {
        return Linker.nativeLinker().downcallHandle(find(name, lib, fn), FunctionDescriptor.of(JAVA_INT, arguments));
    }

    int nvrtcVersion(MemorySegment major, MemorySegment minor) {
        try {
            return (int) version.invokeExact(major, minor);
        } catch (Throwable t) {
            throw Downcall.rethrow("nvrtcVersion", t);
        }
    }

    int nvrtcGetNumSupportedArchs(MemorySegment count) {
        try {
            return (int) numSupportedArchs.invokeExact(count);
        } catch (Throwable t) {
            throw Downcall.rethrow("nvrtcGetNumSupportedArchs", t);
        }
    }

    int nvrtcGetSupportedArchs(MemorySegment archs) {
        try {
            return (int) supportedArchs.invokeExact(archs);
        } catch (Throwable t) {
            throw Downcall.rethrow("nvrtcGetSupportedArchs", t);
        }
    }

    int nvrtcCreateProgram(MemorySegment prog, MemorySegment src, MemorySegment name, int numHeaders, MemorySegment headers,
                           MemorySegment includeNames) {
        try {
            return (int) createProgram.invokeExact(prog, src, name, numHeaders, headers, includeNames);
        } catch (Throwable t) {
            throw Downcall.rethrow("nvrtcCreateProgram", t);
        }
    }

    int nvrtcCompileProgram(MemorySegment prog, int numOptions, MemorySegment options) {
        try {
            return (int) compileProgram.invokeExact(prog, numOptions, options);
        } catch (Throwable t) {
            throw Downcall.rethrow("nvrtcCompileProgram", t);
        }
    }

    int nvrtcGetProgramLogSize(MemorySegment prog, MemorySegment size) {
        try {
            return (int) programLogSize.invokeExact(prog, size);
        } catch (Throwable t) {
            throw Downcall.rethrow("nvrtcGetProgramLogSize", t);
        }
    }

    int nvrtcGetProgramLog(MemorySegment prog, MemorySegment log) {
        try {
            return (int) programLog.invokeExact(prog, log);
        } catch (Throwable t) {
            throw Downcall.rethrow("nvrtcGetProgramLog", t);
        }
    }

    int nvrtcGetPTXSize(MemorySegment prog, MemorySegment size) {
        try {
            return (int) ptxSize.invokeExact(prog, size);
        } catch (Throwable t) {
            throw Downcall.rethrow("nvrtcGetPTXSize", t);
        }
    }

    int nvrtcGetPTX(MemorySegment prog, MemorySegment code) {
        try {
            return (int) ptx.invokeExact(prog, code);
        } catch (Throwable t) {
            throw Downcall.rethrow("nvrtcGetPTX", t);
        }
    }

    int nvrtcDestroyProgram(MemorySegment progSlot) {
        try {
            return (int) destroyProgram.invokeExact(progSlot);
        } catch (Throwable t) {
            throw Downcall.rethrow("nvrtcDestroyProgram", t);
        }
    }

    /** The message of a status, as NVRTC's static string (reinterpreted to at most 256 bytes). */
    String nvrtcGetErrorString(int status) {
        try {
            MemorySegment s = (MemorySegment) errorString.invokeExact(status);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "NVRTC error " + status;
        }
    }
}
