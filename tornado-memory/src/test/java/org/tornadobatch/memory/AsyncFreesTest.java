package org.tornadobatch.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.tornadobatch.memory.ElementType.FLOAT64;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.tornadobatch.Bytes;
import org.tornadobatch.device.host.LaneStream;
import org.tornadobatch.device.simulated.SimulatedRuntime;

/**
 * Issue 24, item 4: frees still queued on a stream (the async allocator) are waited for before a plan is refused
 * or chunked, so async accepts every plan that default accepts on the same sequence.
 */
class AsyncFreesTest {
    private static final long MIB = Bytes.MiB;

    /** A scripted sequence of solves on an 8 MiB device; the owner before each frees behind 100 ms of work. */
    private static List<String> run(AllocatorKind kind, boolean jvm) {
        org.tornadobatch.device.DeviceRuntime device = jvm ? new org.tornadobatch.device.jvm.JvmRuntime(8 * MIB, 1) : SimulatedRuntime.of(8 * MIB, 8 * MIB);
        List<String> outcomes = new ArrayList<>();
        try (device; MemoryManager mm = MemoryManager.builder(device).allocator(kind).build()) {
            List<TestOwner> owners = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                owners.add(TestOwner.register(mm, "o" + i, "g" + i));
            }
            long[] sizes = {6 * MIB, 6 * MIB, 5 * MIB, 7 * MIB, 3 * MIB, 6 * MIB};
            for (int step = 0; step < sizes.length; step++) {
                TestOwner o = owners.get(step % owners.size());
                long runs = sizes[step] / (3 * 8);
                mm.queueRequest(o, Map.of("state", ArrayRequest.of(FLOAT64, 3, runs)));
                try {
                    ChunkPlan p = mm.allocateQueue(o);
                    outcomes.add(p.isChunked() ? "chunked" : "whole");
                } catch (MemoryLimitExceededException e) {
                    outcomes.add("refused");
                    continue;
                }
                // Work still running on the owner's stream when its arrays are freed.
                ((LaneStream) mm.stream(o)).submit(() -> sleep(100));
                mm.freeAll(o);
            }
            for (TestOwner o : owners) {
                mm.stream(o).synchronize();
            }
        }
        return outcomes;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "jvm runtime: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void asyncAcceptsWhatDefaultAcceptsOnTheSameSequence(boolean jvm) {
        List<String> direct = run(AllocatorKind.DEFAULT, jvm);
        List<String> async = run(AllocatorKind.ASYNC, jvm);
        assertFalse(direct.contains("refused"), direct::toString);
        assertEquals(direct, async, "async planned the same sequence differently (frees still queued were not counted)");
    }
}
