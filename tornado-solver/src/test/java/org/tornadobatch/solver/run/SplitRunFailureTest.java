package org.tornadobatch.solver.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.DeviceException;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.HostMemoryKind;
import org.tornadobatch.device.Kernel;
import org.tornadobatch.device.KernelSource;
import org.tornadobatch.device.LaunchArguments;
import org.tornadobatch.device.LaunchConfig;
import org.tornadobatch.device.MemoryInfo;
import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.GridKind;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.system.OdeSystem;
import org.tornadobatch.testing.SystemProperties;

/**
 * A split solve whose later part cannot be prepared while the earlier parts already run (they start as soon as each
 * is prepared): the solve fails with the preparation's error, the running parts finish first (none of them fails on
 * arrays released under it) and every device array is freed.
 */
class SplitRunFailureTest {
    private static final OdeSystem LORENZ = OdeSystem.parse("""
            states: x = 1.0, y = 0.0, z = 0.0
            parameters: sigma = 10.0, rho = 28.0, beta = 2.6666666666666665
            dx = sigma * (y - x)
            dy = x * (rho - z) - y
            dz = x * y - beta * z
            """, "lorenz");

    /** The jvm runtime, whose device allocations fail from the {@code failFrom}-th on (counting from 1; 0: never). */
    private static final class FailingRuntime implements DeviceRuntime {
        final JvmRuntime rt = new JvmRuntime(1L << 30, 2);
        final AtomicInteger allocations = new AtomicInteger();
        volatile int failFrom;

        @Override public String name() { return rt.name(); }
        @Override public String deviceName() { return rt.deviceName(); }
        @Override public MemoryInfo memoryInfo() { return rt.memoryInfo(); }
        @Override public DeviceBuffer allocate(long bytes) {
            int n = allocations.incrementAndGet();
            if (failFrom > 0 && n >= failFrom) {
                throw new DeviceException("allocation " + n + " refused by the test");
            }
            return rt.allocate(bytes);
        }
        @Override public void free(DeviceBuffer buffer) { rt.free(buffer); }
        @Override public HostBuffer allocateHost(long bytes, HostMemoryKind kind) { return rt.allocateHost(bytes, kind); }
        @Override public DeviceStream newStream() { return rt.newStream(); }
        @Override public MemorySegment hostView(DeviceBuffer buffer) { return rt.hostView(buffer); }
        @Override public void copyToDevice(MemorySegment source, DeviceBuffer target, long targetOffset, DeviceStream stream) {
            rt.copyToDevice(source, target, targetOffset, stream);
        }
        @Override public void copyToHost(DeviceBuffer source, long sourceOffset, MemorySegment target, DeviceStream stream) {
            rt.copyToHost(source, sourceOffset, target, stream);
        }
        @Override public Set<String> kernelLanguages() { return rt.kernelLanguages(); }
        @Override public Kernel compile(KernelSource source) { return rt.compile(source); }
        @Override public void launch(Kernel kernel, LaunchConfig config, DeviceStream stream, LaunchArguments args) {
            rt.launch(kernel, config, stream, args);
        }
        @Override public DeviceEvent recordTimed(DeviceStream stream) { return rt.recordTimed(stream); }
        @Override public double elapsedMillis(DeviceEvent start, DeviceEvent end) { return rt.elapsedMillis(start, end); }
        @Override public long completedThreads() { return rt.completedThreads(); }
        @Override public boolean overlapsIndependentStreams() { return true; }
        @Override public void synchronize() { rt.synchronize(); }
        @Override public void close() { rt.close(); }
    }

    @Test
    void aPartThatCannotBePreparedFailsTheSolveAfterTheRunningPartsAndFreesEverything() {
        double[] rho = new double[3000];
        for (int i = 0; i < rho.length; i++) {
            rho[i] = 30.0 * i / rho.length;
        }
        Batch batch = Batch.grid(LORENZ, Map.of("rho", rho), GridKind.COMBINATORIAL);
        TimeSpec time = TimeSpec.of(2.0).withSaveEvery(0.5);
        try (FailingRuntime rt = new FailingRuntime(); MemoryManager mm = MemoryManager.builder(rt).build();
             Solver s = Solver.builder(LORENZ).memoryManager(mm).vectorKernels(false).build()) {
            int perPart;
            try (SolveResult one = SystemProperties.with(Solver.PARTS_PROPERTY, "1", () -> s.solve(batch, time))) {
                perPart = rt.allocations.get();
                assertTrue(one.failureCount() == 0);
            }
            // Three parts: the first two prepare and start; the third's first allocation is refused.
            rt.allocations.set(0);
            rt.failFrom = 2 * perPart + 1;
            java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
            RuntimeException e = assertThrows(RuntimeException.class, () -> SystemProperties.with(Solver.PARTS_PROPERTY, "3",
                    () -> s.solve(batch, time, (runsDone, runs, partsDone, parts) -> done.accumulateAndGet(runsDone, Math::max))));
            long whenThrown = done.get();
            assertTrue(String.valueOf(e.getMessage()).contains("refused by the test"), "the preparation's error: " + e);
            assertEquals(2000, whenThrown, "the two running parts had finished their runs when the solve failed");
            assertEquals(List.of(), List.of(e.getSuppressed()), "the running parts finished without failing");
            assertEquals(0, mm.allocatedBytes(), "every device array freed");
            // And the solver still solves.
            rt.failFrom = 0;
            try (SolveResult again = SystemProperties.with(Solver.PARTS_PROPERTY, "3", () -> s.solve(batch, time))) {
                assertEquals(0, again.failureCount());
            }
        }
    }
}
