package org.tornadobatch.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tornadobatch.memory.ElementType.FLOAT64;
import static org.tornadobatch.memory.ElementType.INT32;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tornadobatch.Bytes;
import org.tornadobatch.device.simulated.SimulatedRuntime;

class AllocateQueueTest {
    private static final long TOTAL = 8 * Bytes.GiB;
    private final SimulatedRuntime device = SimulatedRuntime.of(TOTAL, Bytes.GiB);
    private final MemoryManager mm = MemoryManager.builder(device).build();

    @AfterEach
    void close() {
        mm.close();
    }

    /** state (time 10, 3 vars, runs) f64 + status (runs) i32: 244 bytes per run. */
    private static Map<String, ArrayRequest> batch(long runs) {
        Map<String, ArrayRequest> m = new LinkedHashMap<>();
        m.put("state", ArrayRequest.of(FLOAT64, 10, 3, runs));
        m.put("status", ArrayRequest.of(INT32, runs));
        return m;
    }

    @Test
    void aBatchThatFitsIsAllocatedWholeAndTheHookGetsIt() {
        TestOwner a = TestOwner.register(mm, "a", "solver");
        mm.queueRequest(a, batch(1000));
        ChunkPlan plan = mm.allocateQueue(a);
        assertEquals(1, plan.chunks());
        ArrayResponse r = a.last();
        assertEquals(1, r.chunks());
        assertEquals(1000, r.chunkLength());
        assertArrayEquals(new long[] {10, 3, 1000}, r.chunkedShapes().get("state"));
        assertEquals(240_000, r.get("state").device().bytes());
        assertEquals(244_000, mm.allocatedBytes(a));
        assertEquals(244_000, device.allocatedBytes());
        mm.freeAll(a);
        assertEquals(0, device.allocatedBytes());
    }

    @Test
    void aBatchThatDoesNotFitIsChunkedAndArraysHaveTheChunkShape() {
        device.setFreeBytes(244 * 300 + 100);
        TestOwner a = TestOwner.register(mm, "a", "solver");
        mm.queueRequest(a, batch(1000));
        ChunkPlan plan = mm.allocateQueue(a);
        assertEquals(300, plan.chunkLength());
        assertEquals(4, plan.chunks());
        assertEquals(100, plan.runsIn(3));
        assertArrayEquals(new long[] {10, 3, 300}, a.last().get("state").shape());
        assertArrayEquals(new long[] {300}, a.last().get("status").shape());
        assertEquals(244 * 300, device.allocatedBytes());
        mm.freeAll(a);
    }

    @Test
    void groupMembersWithNothingQueuedLearnTheChunkCount() {
        device.setFreeBytes(244 * 500);
        TestOwner inputs = TestOwner.register(mm, "inputs", "solver");
        TestOwner outputs = TestOwner.register(mm, "outputs", "solver");
        TestOwner kernel = TestOwner.register(mm, "kernel", "solver");
        TestOwner elsewhere = TestOwner.register(mm, "elsewhere", "other");
        mm.queueRequest(inputs, Map.of("params", ArrayRequest.of(FLOAT64, 2, 1000)));
        mm.queueRequest(outputs, batch(1000));
        ChunkPlan plan = mm.allocateQueue(kernel);
        // Both requesters are planned together: 16 + 244 bytes per run.
        assertEquals(244L * 500 * 1000 / (260L * 1000), plan.chunkLength());
        assertEquals(Map.of("params", new long[] {2, plan.chunkLength()}).keySet(), inputs.last().arrays().keySet());
        assertTrue(kernel.last().arrays().isEmpty());
        assertEquals(plan.chunks(), kernel.last().chunks());
        assertTrue(elsewhere.responses.isEmpty(), "other groups are not told");
        // Nothing queued: the last plan is sent again to the whole group.
        assertSame(plan, mm.allocateQueue(kernel));
        assertEquals(2, kernel.responses.size());
        assertEquals(2, inputs.responses.size());
        mm.freeAll(inputs);
        mm.freeAll(outputs);
    }

    @Test
    void nothingEverQueuedIsAnError() {
        TestOwner a = TestOwner.register(mm, "a", "solver");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> mm.allocateQueue(a));
        assertEquals("nothing queued in stream group 'solver'; call queueRequest first", e.getMessage());
    }

    @Test
    void aLaterRequestReplacesTheEarlierOne() {
        TestOwner a = TestOwner.register(mm, "a", "solver");
        mm.queueRequest(a, batch(1000));
        mm.queueRequest(a, batch(10));
        mm.allocateQueue(a);
        assertEquals(2440, device.allocatedBytes());
        mm.freeAll(a);
    }

    @Test
    void reallocatingCountsWhatTheRequesterAlreadyHolds() {
        device.setFreeBytes(244 * 1000);
        TestOwner a = TestOwner.register(mm, "a", "solver");
        mm.queueRequest(a, batch(1000));
        assertEquals(1, mm.allocateQueue(a).chunks());
        assertEquals(0, device.memoryInfo().freeBytes());
        mm.queueRequest(a, batch(1000));
        assertEquals(1, mm.allocateQueue(a).chunks(), "its own 244,000 bytes will be replaced, so it still fits");
        mm.freeAll(a);
    }

    @Test
    void passiveModeIgnoresAutoCapsButActiveModeEnforcesThem() {
        TestOwner a = TestOwner.register(mm, "a", "solver");
        TestOwner b = TestOwner.register(mm, "b", "other"); // a's share: half of 8 GiB; free is 1 GiB
        long runs = 2_000_000; // 488 MB: fits the free GiB
        mm.queueRequest(a, batch(runs));
        assertEquals(1, mm.allocateQueue(a).chunks());
        mm.setManualProportion(b, 0.95); // a is left 5% = 409.6 MiB < 488 MB
        assertTrue(mm.capBytes(a) < batch(runs).values().stream().mapToLong(ArrayRequest::bytes).sum());
        mm.queueRequest(a, batch(runs));
        assertEquals(1, mm.allocateQueue(a).chunks(), "passive: a's auto cap is not enforced");
        mm.setLimitMode(LimitMode.ACTIVE);
        mm.queueRequest(a, batch(runs));
        ChunkPlan plan = mm.allocateQueue(a);
        assertEquals(mm.capBytes(a), plan.availableBytes());
        assertTrue(plan.chunks() > 1, plan::toString);
        mm.freeAll(a);
    }

    @Test
    void anExplicitProportionIsEnforcedEvenInPassiveMode() {
        device.setFreeBytes(TOTAL);
        TestOwner a = new TestOwner("a");
        a.registration = mm.register(a, TestOwner.settings("a").proportion(0.001).build());
        mm.queueRequest(a, batch(1_000_000));
        ChunkPlan plan = mm.allocateQueue(a);
        assertEquals(mm.capBytes(a), plan.availableBytes());
        assertTrue(plan.chunks() >= 2, plan::toString);
        assertTrue(device.allocatedBytes() <= mm.capBytes(a));
        mm.freeAll(a);
    }

    @Test
    void pinnedRequestsGetHostBuffersOfTheChunkShape() {
        TestOwner a = TestOwner.register(mm, "a", "solver");
        mm.queueRequest(a, Map.of("staging", ArrayRequest.of(FLOAT64, 3, 100).withMemory(MemoryKind.PINNED)));
        mm.allocateQueue(a);
        Allocation s = a.last().get("staging");
        assertEquals(MemoryKind.PINNED, s.kind());
        assertEquals(2400, s.host().bytes());
        assertEquals(2400, mm.pinnedBytes(a));
        assertEquals(0, device.allocatedBytes());
        assertThrows(IllegalStateException.class, s::device);
        mm.freeAll(a);
        assertEquals(0, mm.pinnedBytes(a));
    }

    @Test
    void freeingAnUnknownLabelNamesTheLabelsThereAre() {
        TestOwner a = TestOwner.register(mm, "a", "solver");
        mm.queueRequest(a, batch(10));
        mm.allocateQueue(a);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mm.free(a, "nope"));
        assertEquals("label: nope (expected: one of [state, status] allocated to 'a')", e.getMessage());
        mm.free(a, "state");
        assertEquals(40, mm.allocatedBytes(a));
        mm.free(a, "status");
    }

    @Test
    void planningErrorsLeaveNothingAllocated() {
        device.setFreeBytes(100);
        TestOwner a = TestOwner.register(mm, "a", "solver");
        mm.queueRequest(a, batch(1000));
        MemoryLimitExceededException e = assertThrows(MemoryLimitExceededException.class, () -> mm.allocateQueue(a));
        assertEquals(MemoryLimitExceededException.Reason.NO_SINGLE_RUN_FITS, e.reason());
        assertEquals(0, device.allocatedBytes());
        assertEquals(0, mm.allocatedBytes(a));
    }

    @Test
    void allocateAnswersItsCallerWithItsOwnArraysAndThePlan() {
        // Issue 16: the response came only through the hook, into a field the caller then null-checked.
        SimulatedRuntime device = SimulatedRuntime.of(Bytes.GiB, Bytes.GiB);
        try (MemoryManager mm = MemoryManager.builder(device).build()) {
            TestOwner a = TestOwner.register(mm, "a", "solver");
            TestOwner b = TestOwner.register(mm, "b", "solver");
            mm.queueRequest(a, java.util.Map.of("x", ArrayRequest.of(ElementType.FLOAT64, 3, 100)));
            ArrayResponse mine = mm.allocate(a);
            assertEquals(java.util.Set.of("x"), mine.arrays().keySet());
            assertEquals(mine.arrays(), a.last().arrays(), "the same arrays as its hook received");
            assertEquals(1, mine.chunks());
            assertTrue(b.last().arrays().isEmpty(), "a member that queued nothing learns the plan");
            ArrayResponse again = mm.allocate(b);
            assertTrue(again.arrays().isEmpty());
            assertEquals(mine.plan(), again.plan(), "nothing queued: the group's last plan");
            mm.freeAll(a);
        }
    }
}
