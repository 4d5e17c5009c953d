package org.tornadobatch.device;

/** A kernel compiled by a runtime, ready to launch. Closing it unloads it; idempotent. */
public interface Kernel extends AutoCloseable {
    /** The kernel's entry point: its class or function name. */
    String entryPoint();

    /** The parameters its launches take. */
    KernelSignature signature();

    /** Checks that {@code args} were built for this kernel's signature. */
    default void requireArguments(LaunchArguments args) {
        if (!args.signature().equals(signature())) {
            throw new IllegalArgumentException("launch arguments of " + args.signature() + " for kernel " + entryPoint() + " of "
                    + signature() + " (build them with LaunchArguments.of(kernel.signature()))");
        }
    }

    @Override
    void close();
}
