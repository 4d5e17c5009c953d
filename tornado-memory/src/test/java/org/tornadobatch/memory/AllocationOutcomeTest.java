package org.tornadobatch.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tornadobatch.memory.ElementType.FLOAT64;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.Bytes;
import org.tornadobatch.device.simulated.SimulatedRuntime;
import org.tornadobatch.memory.AllocationOutcome.Level;

/**
 * Issue 16: a refused batch says which level's limit refused it (the device, the group's caps, the owner's cap),
 * with the numbers, in a typed outcome that the exception carries.
 */
class AllocationOutcomeTest {
    /** A batch whose unchunkable array alone is {@code bytes}: refused whenever less is available. */
    private static Map<String, ArrayRequest> unchunkable(long bytes) {
        return Map.of("table", ArrayRequest.unchunkable(FLOAT64, bytes / 8), "state", ArrayRequest.of(FLOAT64, 3, 10));
    }

    @Test
    void theDeviceLevel() {
        try (MemoryManager mm = MemoryManager.builder(SimulatedRuntime.of(Bytes.MiB, Bytes.MiB)).build()) {
            TestOwner a = TestOwner.register(mm, "a", "g");
            mm.queueRequest(a, unchunkable(2 * Bytes.MiB));
            MemoryLimitExceededException e = assertThrows(MemoryLimitExceededException.class, () -> mm.allocate(a));
            AllocationOutcome o = e.outcome();
            assertEquals(Level.DEVICE, o.level());
            assertEquals(Bytes.MiB, o.availableBytes());
            assertEquals(2 * Bytes.MiB + 240, o.requestedBytes());
            assertTrue(e.getMessage().contains("limited by the device's memory"), e.getMessage());
        }
    }

    @Test
    void theOwnersCap() {
        try (MemoryManager mm = MemoryManager.builder(SimulatedRuntime.of(Bytes.GiB, Bytes.GiB)).build()) {
            TestOwner a = new TestOwner("a");
            a.registration = mm.register(a, TestOwner.settings("a").proportion(0.001).build()); // 1 MiB of 1 GiB, always enforced
            mm.queueRequest(a, unchunkable(2 * Bytes.MiB));
            MemoryLimitExceededException e = assertThrows(MemoryLimitExceededException.class, () -> mm.allocate(a));
            assertEquals(Level.OWNER, e.outcome().level());
            assertEquals((long) Math.floor(0.001 * Bytes.GiB), e.outcome().limitBytes());
            assertEquals(0, e.outcome().usedBytes());
            assertTrue(e.getMessage().contains("the owner's cap"), e.getMessage());
        }
    }

    @Test
    void theGroupsCaps() {
        try (MemoryManager mm = MemoryManager.builder(SimulatedRuntime.of(Bytes.GiB, Bytes.GiB)).limitMode(LimitMode.ACTIVE).build()) {
            TestOwner a = new TestOwner("a");
            a.registration = mm.register(a, TestOwner.settings("a").streamGroup("g").proportion(0.001).build());
            TestOwner b = new TestOwner("b");
            b.registration = mm.register(b, TestOwner.settings("b").streamGroup("g").proportion(0.001).build());
            mm.queueRequest(b, Map.of("held", ArrayRequest.unchunkable(FLOAT64, 1000)));
            mm.allocate(b);
            mm.queueRequest(a, unchunkable(4 * Bytes.MiB));
            MemoryLimitExceededException e = assertThrows(MemoryLimitExceededException.class, () -> mm.allocate(a));
            assertEquals(Level.GROUP, e.outcome().level());
            assertEquals(2 * (long) Math.floor(0.001 * Bytes.GiB), e.outcome().limitBytes());
            assertEquals(8000, e.outcome().usedBytes(), "b's array");
            mm.freeAll(b);
        }
    }
}
