package org.tornadobatch.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.memory.MemoryManager;
import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.solver.run.ChunkPipeline;
import org.tornadobatch.testing.SystemProperties;

/**
 * Issue 24, item 2: the solver's slice slots are pinned memory from the memory manager, bounded by its pinned
 * limit and shown in its metrics; slices shrink to fit the bound and give the same bits.
 */
class PinnedStagingTest {
    @Test
    void sliceSlotsStayWithinTheManagersPinnedBoundAndGiveTheSameBits() {
        double[] rho = new double[1000];
        for (int i = 0; i < rho.length; i++) {
            rho[i] = 21.0 * i / (rho.length - 1);
        }
        Batch batch = Batch.grid(Problems.LORENZ, Map.of("rho", rho), GridKind.COMBINATORIAL);
        OutputSpec out = OutputSpec.of(List.of("state", "mean"));
        TimeSpec time = TimeSpec.of(1).withSaveEvery(0.1);
        long limit = 64 * 1024;
        try (MemoryManager whole = Problems.memory();
             MemoryManager bounded = MemoryManager.builder(new JvmRuntime(256L << 10, 2)).staging(4096, 2).pinnedLimitBytes(limit).build();
             Solver s1 = Solver.builder(Problems.LORENZ).outputs(out).memoryManager(whole).build();
             Solver s2 = Solver.builder(Problems.LORENZ).outputs(out).memoryManager(bounded).build();
             SolveResult a = s1.solve(batch, time);
             SolveResult b = SystemProperties.with(ChunkPipeline.SLICES_PROPERTY, "4", () -> s2.solve(batch, time))) {
            assertTrue(b.info().chunks() > 1, "a chunked solve: " + b.info().chunks() + " chunk(s)");
            // Four slices per chunk would need three slots of tens of KB each: past the bound, so slices shrink.
            assertTrue(bounded.peakPinnedBytes() <= limit, "peak pinned " + bounded.peakPinnedBytes() + " > bound " + limit);
            assertTrue(bounded.peakPinnedBytes() > 8192, "the slots were pinned through the manager: " + bounded.peakPinnedBytes());
            assertEquals(-1L, a.state().segment().mismatch(b.state().segment()), "state differs");
            assertEquals(-1L, a.stateSummaries().segment().mismatch(b.stateSummaries().segment()), "summaries differ");
            assertArrayEquals(a.acceptedSteps(), b.acceptedSteps());
        }
    }
}
