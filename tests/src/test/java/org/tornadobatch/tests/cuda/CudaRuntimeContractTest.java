package org.tornadobatch.tests.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimeContract;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.Direction;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;
import org.tornadobatch.device.Kernel;
import org.tornadobatch.device.KernelCache;
import org.tornadobatch.device.KernelSignature;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.device.LaunchArguments;
import org.tornadobatch.device.LaunchConfig;
import org.tornadobatch.device.ValueType;
import org.tornadobatch.device.cuda.CudaException;
import org.tornadobatch.device.cuda.CudaKernel;
import org.tornadobatch.device.cuda.CudaRuntime;

/** The device runtime contract on a GPU, and what only the cuda runtime does: NVRTC kernels, launches, errors. */
@Tag("cuda")
class CudaRuntimeContractTest extends DeviceRuntimeContract {
    static final String AXPY = """
            struct vec2 { double v[2]; };
            extern "C" __global__ void axpy(const double* x, double* y, const vec2 ab, const long long n, const int shift) {
                const long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
                if (i < n) {
                    y[i] = ab.v[0] * x[i] + ab.v[1] * y[i] + shift;
                }
            }
            """;
    static final KernelSignature AXPY_SIGNATURE = KernelSignature.builder().buffer("x", ValueType.FLOAT64, Direction.IN, false)
            .buffer("y", ValueType.FLOAT64, Direction.IN_OUT, false).vector("ab", ValueType.FLOAT64, 2).scalar("n", ValueType.INT64)
            .scalar("shift", ValueType.INT32).build();

    private static KernelSource axpy(String code) {
        return new KernelSource("cuda", "axpy", code, Map.of(), AXPY_SIGNATURE);
    }

    private static LaunchArguments axpyArgs(DeviceBuffer x, DeviceBuffer y, double a, double b, long n, int shift) {
        return LaunchArguments.of(AXPY_SIGNATURE).buffer("x", x).buffer("y", y).vector("ab", a, b).int64("n", n).int32("shift", shift).build();
    }

    @Override
    protected DeviceRuntime open() {
        return Gpu.open();
    }

    private CudaRuntime cuda() {
        return (CudaRuntime) runtime;
    }

    @Test
    void aKernelFromNvrtcComputesOnTheDevice() {
        int n = 100_000;
        try (Arena a = Arena.ofConfined(); Kernel k = runtime.compile(axpy(AXPY));
             DeviceStream s = runtime.newStream()) {
            MemorySegment x = a.allocate(ValueLayout.JAVA_DOUBLE, n);
            MemorySegment y = a.allocate(ValueLayout.JAVA_DOUBLE, n);
            for (int i = 0; i < n; i++) {
                x.setAtIndex(ValueLayout.JAVA_DOUBLE, i, i);
                y.setAtIndex(ValueLayout.JAVA_DOUBLE, i, 1.0);
            }
            DeviceBuffer dx = runtime.allocate(8L * n);
            DeviceBuffer dy = runtime.allocate(8L * n);
            runtime.copyToDevice(x, dx, 0, s);
            runtime.copyToDevice(y, dy, 0, s);
            runtime.launch(k, runtime.launchConfig(k, n), s, axpyArgs(dx, dy, 2.0, 3.0, n, 5));
            MemorySegment out = a.allocate(ValueLayout.JAVA_DOUBLE, n);
            runtime.copyToHost(dy, 0, out, s);
            s.synchronize();
            for (int i = 0; i < n; i += 997) {
                assertEquals(2.0 * i + 3.0 + 5, out.getAtIndex(ValueLayout.JAVA_DOUBLE, i), "element " + i);
            }
            runtime.free(dx);
            runtime.free(dy);
        }
    }

    @Test
    void theOccupancyCalculatorChoosesTheBlockSize() {
        try (Kernel k = runtime.compile(axpy(AXPY))) {
            CudaKernel info = cuda().describe(k);
            assertTrue(info.registers() > 0 && info.registers() <= 255, "registers " + info.registers());
            assertTrue(info.blockSize() >= 32 && info.blockSize() <= 1024 && info.blockSize() % 32 == 0, "block " + info.blockSize());
            assertTrue(info.blocksPerSm() >= 1);
            LaunchConfig c = runtime.launchConfig(k, 1_000_001);
            assertEquals(info.blockSize(), c.blockSize());
            assertTrue((long) c.gridSize() * c.blockSize() >= 1_000_001);
            System.setProperty(CudaRuntime.BLOCK_SIZE_PROPERTY, "96");
            try {
                assertEquals(96, runtime.launchConfig(k, 1000).blockSize());
            } finally {
                System.clearProperty(CudaRuntime.BLOCK_SIZE_PROPERTY);
            }
        }
    }

    @Test
    void ptxIsCachedOnDiskByTheSourceArchitectureAndNvrtcVersion(@TempDir Path cache) {
        String old = System.getProperty(KernelCache.CACHE_PROPERTY);
        System.setProperty(KernelCache.CACHE_PROPERTY, cache.toString());
        try {
            String src = AXPY + "// " + System.nanoTime() + "\n";
            try (Kernel first = runtime.compile(axpy(src))) {
                assertFalse(cuda().describe(first).cached());
            }
            try (CudaRuntime other = Gpu.open(); Kernel second = other.compile(axpy(src))) {
                assertTrue(other.describe(second).cached());
                assertEquals("compute_" + cuda().computeCapability(), other.describe(second).architecture());
            }
            assertTrue(cache.resolve("cuda").toFile().list().length == 1);
        } finally {
            if (old == null) {
                System.clearProperty(KernelCache.CACHE_PROPERTY);
            } else {
                System.setProperty(KernelCache.CACHE_PROPERTY, old);
            }
        }
    }

    @Test
    void aKernelThatDoesNotCompileReportsNvrtcsLog() {
        CudaException e = assertThrows(CudaException.class,
                () -> runtime.compile(new KernelSource("cuda", "broken", "extern \"C\" __global__ void broken() { undefined_name = 1; }", Map.of(),
                        KernelSignature.builder().build())));
        assertEquals("nvrtcCompileProgram", e.function());
        assertTrue(e.getMessage().contains("undefined_name"), e.getMessage());
    }

    @Test
    void aFailedDriverCallNamesTheFunctionTheStatusAndTheDevice() {
        try (Kernel k = runtime.compile(axpy(AXPY)); DeviceStream s = runtime.newStream()) {
            DeviceBuffer b = runtime.allocate(64);
            CudaException e = assertThrows(CudaException.class,
                    () -> runtime.launch(k, new LaunchConfig(1, 4096, 0), s, axpyArgs(b, b, 1, 1, 1L, 0)));
            assertEquals("cuLaunchKernel", e.function());
            assertEquals("CUDA_ERROR_INVALID_VALUE", e.statusName());
            assertTrue(e.getMessage().contains(runtime.deviceName()), e.getMessage());
            runtime.free(b);
        }
    }

    @Test
    void dataSurvivesARoundTripFromEveryKindOfHostMemory() {
        int n = 1 << 20;
        DeviceBuffer b = runtime.allocate(n);
        try (Arena a = Arena.ofConfined(); DeviceStream s = runtime.newStream();
             HostBuffer pinned = runtime.allocateHost(n, HostMemoryKind.PINNED)) {
            byte[] heap = new byte[n];
            for (int i = 0; i < n; i++) {
                heap[i] = (byte) (i * 31 + 7);
            }
            for (MemorySegment src : new MemorySegment[] {MemorySegment.ofArray(heap), a.allocate(n).copyFrom(MemorySegment.ofArray(heap)),
                    pinned.segment().copyFrom(MemorySegment.ofArray(heap))}) {
                runtime.copyToDevice(src, b, 0, s);
                byte[] back = new byte[n];
                runtime.copyToHost(b, 0, MemorySegment.ofArray(back), s);
                s.synchronize();
                assertArrayEquals(heap, back);
                MemorySegment nativeBack = a.allocate(n);
                runtime.copyToHost(b, 0, nativeBack, s);
                s.synchronize();
                assertEquals(-1, nativeBack.mismatch(MemorySegment.ofArray(heap)));
            }
        } finally {
            runtime.free(b);
        }
    }

    @Test
    void timedEventsMeasureTheWorkBetweenThem() {
        try (DeviceStream s = runtime.newStream(); HostBuffer h = runtime.allocateHost(64 << 20, HostMemoryKind.PINNED)) {
            DeviceBuffer b = runtime.allocate(64 << 20);
            DeviceEvent start = cuda().recordTimed(s);
            runtime.copyToDevice(h.segment(), b, 0, s);
            DeviceEvent end = cuda().recordTimed(s);
            double ms = cuda().elapsedMillis(start, end);
            assertTrue(ms > 0 && ms < 10_000, "elapsed " + ms);
            runtime.free(b);
        }
    }
}
