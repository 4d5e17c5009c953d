package org.tornadobatch.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tornadobatch.device.DeviceRuntimes;

class DefaultManagerTest {
    @Test
    void theDefaultManagerIsOnePerProcessOnTheBestRuntimeAndReopensAfterClose() {
        MemoryManager first = MemoryManager.getDefault();
        assertSame(first, MemoryManager.getDefault());
        String best = DeviceRuntimes.discover().stream().filter(f -> f.availability().available()).findFirst().orElseThrow().name();
        assertEquals(best, first.runtime().name());
        assertTrue(first.totalBytes() > 0);
        assertEquals(LimitMode.PASSIVE, first.limitMode());
        assertEquals(AllocatorKind.DEFAULT, first.allocator());
        first.close();
        MemoryManager second = MemoryManager.getDefault();
        assertNotSame(first, second);
        second.close();
    }
}
