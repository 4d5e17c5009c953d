package org.tornadobatch.tests.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.tornadobatch.device.Availability;
import org.tornadobatch.device.cuda.CudaRuntime;
import org.tornadobatch.device.cuda.CudaRuntimeProvider;

/** The GPU the cuda-tagged tests run on; they are skipped (not passed) where the cuda runtime cannot start. */
final class Gpu {
    private Gpu() {
    }

    static void assumeCuda() {
        Availability a = new CudaRuntimeProvider().availability();
        assumeTrue(a.available(), () -> "cuda runtime unavailable: " + a.reason());
    }

    static boolean available() {
        return new CudaRuntimeProvider().availability().available();
    }

    /** Device 0, after {@link #assumeCuda()}. */
    static CudaRuntime open() {
        assumeCuda();
        return CudaRuntime.open(0);
    }
}
