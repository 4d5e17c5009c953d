package org.tornadobatch.device.jvm;

/**
 * What a Java kernel implements for the {@code jvm} runtime: run the kernel's threads {@code first} (inclusive)
 * to {@code end} (exclusive), reading its launch's arguments by name from {@code args} (device buffers as their
 * memory segments). The runtime calls one body from several worker threads at once, on disjoint ranges, so a
 * body keeps no mutable state of its own.
 */
@FunctionalInterface
public interface JvmKernelBody {
    /** Runs the kernel for work items {@code first <= i < end} with the launch's arguments. */
    void run(int first, int end, JvmArguments args);
}
