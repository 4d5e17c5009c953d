package org.tornadobatch.tests.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tornadobatch.tests.Backends.LORENZ;
import static org.tornadobatch.tests.Backends.lorenzBatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tornadobatch.device.cuda.CudaRuntime;
import org.tornadobatch.memory.AllocatorKind;
import org.tornadobatch.memory.ArrayRequest;
import org.tornadobatch.memory.ChunkPlan;
import org.tornadobatch.memory.ElementType;
import org.tornadobatch.memory.MemoryLimitExceededException;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.memory.OwnerSettings;
import org.tornadobatch.solver.Batch;
import org.tornadobatch.solver.SolveResult;
import org.tornadobatch.solver.Solver;
import org.tornadobatch.solver.TimeSpec;
import org.tornadobatch.solver.method.Algorithm;
import org.tornadobatch.solver.method.StepControl;

/** Issue 24 on the GPU: async frees counted by the planner (item 4), pinned slice slots bounded (item 2). */
@Tag("cuda")
class CudaMemorySpecTest {
    @BeforeEach
    void needsAGpu() {
        Gpu.assumeCuda();
    }

    /** Two owners in turn ask for 60% of the device each, the other's arrays freed just before. */
    private static List<String> alternate(AllocatorKind kind) {
        List<String> out = new ArrayList<>();
        try (CudaRuntime gpu = CudaRuntime.open(0);
             MemoryManager mm = MemoryManager.builder(gpu).allocator(kind).build()) {
            Object[] owners = {new Object(), new Object()};
            mm.register(owners[0], OwnerSettings.builder().name("a").streamGroup("a").build());
            mm.register(owners[1], OwnerSettings.builder().name("b").streamGroup("b").build());
            long runs = (long) (0.6 * mm.totalBytes()) / (3 * 8);
            for (int i = 0; i < 6; i++) {
                Object o = owners[i % 2];
                mm.queueRequest(o, Map.of("state", ArrayRequest.of(ElementType.FLOAT64, 3, runs)));
                try {
                    ChunkPlan p = mm.allocateQueue(o);
                    out.add(p.isChunked() ? "chunked" : "whole");
                } catch (MemoryLimitExceededException e) {
                    out.add("refused");
                }
                mm.freeAll(o);
            }
            for (Object o : owners) {
                mm.stream(o).synchronize();
                mm.unregister(o);
            }
        }
        return out;
    }

    @Test
    void asyncPlansWhatDefaultPlans() {
        List<String> direct = alternate(AllocatorKind.DEFAULT);
        List<String> async = alternate(AllocatorKind.ASYNC);
        assertFalse(direct.contains("refused"), direct::toString);
        assertEquals(direct, async, "the async allocator's queued frees were not counted");
    }

    @Test
    void slicedSolvesStayWithinThePinnedBoundWithTheSameBits() {
        Batch batch = lorenzBatch(1 << 20);
        long limit = 16L << 20;
        try (CudaRuntime gpu = CudaRuntime.open(0);
             MemoryManager free = MemoryManager.builder(gpu).build();
             MemoryManager bounded = MemoryManager.builder(gpu).staging(1 << 20, 2).pinnedLimitBytes(limit).build();
             Solver s1 = Solver.builder(LORENZ).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder().dt(1e-3)).memoryManager(free).build();
             Solver s2 = Solver.builder(LORENZ).algorithm(Algorithm.CLASSICAL_RK4).stepControl(StepControl.builder().dt(1e-3)).memoryManager(bounded).build();
             SolveResult a = s1.solve(batch, TimeSpec.finalState(1));
             SolveResult b = s2.solve(batch, TimeSpec.finalState(1))) {
            assertTrue(free.peakPinnedBytes() > limit, "the unbounded solve pins more than the bound: " + free.peakPinnedBytes());
            assertTrue(bounded.peakPinnedBytes() <= limit, "peak pinned " + bounded.peakPinnedBytes() + " > " + limit);
            assertEquals(-1L, a.state().segment().mismatch(b.state().segment()), "state differs");
            assertArrayEquals(a.status(), b.status());
            System.out.printf("pinned peak: %d bytes unbounded, %d with a bound of %d%n", free.peakPinnedBytes(), bounded.peakPinnedBytes(), limit);
        }
    }
}
