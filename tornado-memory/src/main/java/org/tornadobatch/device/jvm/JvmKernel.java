package org.tornadobatch.device.jvm;

import org.tornadobatch.device.Kernel;
import org.tornadobatch.device.KernelSignature;

/** A Java kernel loaded by the {@code jvm} runtime. */
record JvmKernel(String entryPoint, KernelSignature signature, JvmKernelBody body) implements Kernel {
    @Override
    public void close() {
        // Classes are unloaded with their loader once nothing refers to the kernel.
    }
}
