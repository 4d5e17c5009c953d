package org.tornadobatch.device.cuda;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

import org.tornadobatch.device.Kernel;
import org.tornadobatch.device.KernelSignature;

/**
 * A kernel loaded by the cuda runtime: its module and function, the registers it uses, and the block size
 * that the driver's occupancy calculator gives the highest occupancy.
 *
 * @param signature      the parameters, in the order of the kernel function's
 * @param registers      registers per thread (CU_FUNC_ATTRIBUTE_NUM_REGS)
 * @param blockSize      the occupancy calculator's block size
 * @param blocksPerSm    resident blocks per multiprocessor at that block size
 * @param architecture   the virtual architecture the PTX was generated for, e.g. compute_90
 * @param compileMillis  NVRTC time, or the cache read when {@code cached}
 */
public record CudaKernel(CudaRuntime owner, String entryPoint, KernelSignature signature, MemorySegment module, MemorySegment function, int registers, int blockSize,
                  int blocksPerSm, String architecture, boolean cached, double compileMillis, AtomicBoolean loaded) implements Kernel {
    @Override
    public void close() {
        if (loaded.compareAndSet(true, false)) {
            owner.unload(this);
        }
    }
}
