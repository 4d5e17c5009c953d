package org.tornadobatch.device.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import org.tornadobatch.device.UnsupportedFeatureException;

/**
 * One driver function returning an int status: its exported name, its descriptor, and its downcall handle, bound on
 * first use (so that a driver lacking a newer entry point fails only where that entry point is called). Also the
 * rethrow rule shared by the typed methods of {@link CudaDriver} and {@link NvrtcFunctions}.
 */
final class Downcall {
    private final String name;
    private final FunctionDescriptor descriptor;
    private volatile MethodHandle handle;

    Downcall(String name, MemoryLayout... arguments) {
        this.name = name;
        this.descriptor = FunctionDescriptor.of(JAVA_INT, arguments);
    }

    /**
     * The handle, bound in {@code library} the first time.
     *
     * @throws UnsupportedFeatureException when the installed driver does not export the function
     */
    MethodHandle handle(SymbolLookup library) {
        MethodHandle h = handle;
        if (h == null) {
            MemorySegment symbol = library.find(name).orElseThrow(() -> new UnsupportedFeatureException("cuda",
                    name + " (the installed driver does not export it)", "update the NVIDIA driver"));
            h = Linker.nativeLinker().downcallHandle(symbol, descriptor);
            handle = h;
        }
        return h;
    }

    /**
     * What a downcall of {@code name} threw, to rethrow: runtime exceptions and errors as they are, anything else
     * (a checked exception the handle's signature allows) wrapped.
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
}
