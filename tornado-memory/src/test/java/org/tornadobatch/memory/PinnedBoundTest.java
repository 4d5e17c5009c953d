package org.tornadobatch.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.Bytes;
import org.tornadobatch.device.HostBuffer;
import org.tornadobatch.device.simulated.SimulatedRuntime;

/** Issue 24, item 2: every pinned byte (staging pool, owners' staging buffers, PINNED requests) is counted and bounded. */
class PinnedBoundTest {
    @Test
    void pinnedMemoryIsCountedAndBounded() {
        SimulatedRuntime device = SimulatedRuntime.of(Bytes.GiB, Bytes.GiB);
        try (MemoryManager mm = MemoryManager.builder(device).staging(1000, 2).pinnedLimitBytes(10_000).build()) {
            TestOwner a = TestOwner.register(mm, "a", "g");
            assertEquals(10_000, mm.pinnedLimitBytes());
            HostBuffer slots = mm.pinnedBuffer(a, 6000);
            assertEquals(6000, mm.pinnedBytes());
            assertEquals(6000, mm.pinnedBytes(a));
            assertEquals(4000, mm.pinnedAvailableBytes());
            MemoryLimitExceededException e = assertThrows(MemoryLimitExceededException.class, () -> mm.pinnedBuffer(a, 4001));
            assertEquals(MemoryLimitExceededException.Reason.PINNED_LIMIT, e.reason());
            assertTrue(e.getMessage().contains("pinnedLimitBytes"), e.getMessage());
            mm.staging(); // the pool counts at its full size once it exists
            assertEquals(8000, mm.pinnedBytes());
            mm.queueRequest(a, Map.of("pinned", ArrayRequest.of(ElementType.FLOAT64, 100).withMemory(MemoryKind.PINNED)));
            mm.allocateQueue(a);
            assertEquals(8800, mm.pinnedBytes());
            assertEquals(6800, mm.pinnedBytes(a));
            assertEquals(8800, mm.peakPinnedBytes());
            MemoryMetrics m = mm.metrics();
            assertEquals(8800, m.pinnedBytes());
            assertEquals(8800, m.peakPinnedBytes());
            assertEquals(10_000, m.pinnedLimitBytes());
            assertEquals(1, m.owners());
            assertEquals(1, m.plans());
            mm.freeAll(a);
            slots.close();
            slots.close(); // idempotent
            assertEquals(2000, mm.pinnedBytes());
            assertEquals(8800, mm.peakPinnedBytes());
            mm.queueRequest(a, Map.of("pinned", ArrayRequest.of(ElementType.FLOAT64, 1001).withMemory(MemoryKind.PINNED)));
            assertThrows(MemoryLimitExceededException.class, () -> mm.allocateQueue(a), "8008 pinned bytes beside the pool's 2000");
        }
        assertThrows(IllegalArgumentException.class, () -> MemoryManager.builder(device).staging(1000, 2).pinnedLimitBytes(1999).build());
    }
}
