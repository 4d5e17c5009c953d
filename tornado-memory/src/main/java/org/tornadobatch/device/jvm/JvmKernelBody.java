package org.tornadobatch.device.jvm;

/**
 * What a Java kernel implements for the {@code jvm} runtime: run the kernel's threads {@code first} (inclusive)
 * to {@code end} (exclusive). {@code args} are the launch arguments, with device buffers replaced by their
 * {@link java.lang.foreign.MemorySegment}s; boxed scalars are passed as they are. The runtime calls one body
 * from several worker threads at once, on disjoint ranges, so a body keeps no mutable state of its own.
 */
@FunctionalInterface
public interface JvmKernelBody {
    void run(int first, int end, Object[] args);
}
