package org.tornadobatch.device.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.tornadobatch.device.Availability;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimeProvider;

/**
 * Provides the {@code cuda} runtime where libcuda.so.1 loads, cuInit succeeds and a device is visible; elsewhere
 * it says why in one line. Kernels also need NVRTC; without it the runtime still offers memory and copies.
 */
public final class CudaRuntimeProvider implements DeviceRuntimeProvider {
    /** The provider {@link java.util.ServiceLoader} makes. */
    public CudaRuntimeProvider() {
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 300;
    }

    @Override
    public Availability availability() {
        CudaDriver d;
        try {
            d = CudaDriver.get();
        } catch (CudaUnavailableException e) {
            return Availability.no(e.getMessage());
        }
        StringBuilder sb = new StringBuilder();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(java.lang.foreign.ValueLayout.JAVA_INT);
            d.check("cuDeviceGetCount", "the driver", d.cuDeviceGetCount(n));
            int count = n.get(java.lang.foreign.ValueLayout.JAVA_INT, 0);
            d.check("cuDriverGetVersion", "the driver", d.cuDriverGetVersion(n));
            int v = n.get(java.lang.foreign.ValueLayout.JAVA_INT, 0);
            sb.append(count).append(" device(s), driver CUDA ").append(v / 1000).append('.').append(v % 1000 / 10);
        } catch (CudaException e) {
            return Availability.no(e.getMessage());
        }
        try {
            sb.append(", ").append(Nvrtc.get().describe());
        } catch (CudaUnavailableException e) {
            sb.append("; kernels cannot be compiled: ").append(e.getMessage());
        }
        return Availability.yes(sb.toString());
    }

    @Override
    public DeviceRuntime open(int deviceIndex) {
        return CudaRuntime.open(deviceIndex);
    }

    /** The driver's device count ({@code cuDeviceGetCount}). */
    @Override
    public int deviceCount() {
        CudaDriver d = CudaDriver.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(java.lang.foreign.ValueLayout.JAVA_INT);
            d.check("cuDeviceGetCount", "the driver", d.cuDeviceGetCount(n));
            return n.get(java.lang.foreign.ValueLayout.JAVA_INT, 0);
        }
    }
}
