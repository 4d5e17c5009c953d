package org.tornadobatch.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.tornadobatch.Bytes;
import org.tornadobatch.device.simulated.SimulatedRuntime;

class SimulatedRuntimeTest extends DeviceRuntimeContract {
    @Override
    protected DeviceRuntime open() {
        return SimulatedRuntime.of(80 * Bytes.GiB, Bytes.GiB);
    }

    @Override
    protected boolean storesData() {
        return false;
    }

    @Test
    void theTestSetsFreeAndTotal() {
        SimulatedRuntime sim = (SimulatedRuntime) runtime;
        DeviceBuffer b = sim.allocate(Bytes.MiB);
        sim.setFreeBytes(10 * Bytes.MiB);
        assertEquals(new MemoryInfo(10 * Bytes.MiB, 80 * Bytes.GiB), sim.memoryInfo());
        sim.setTotalBytes(100 * Bytes.GiB);
        assertEquals(20 * Bytes.GiB + 10 * Bytes.MiB, sim.memoryInfo().freeBytes());
        assertThrows(IllegalArgumentException.class, () -> sim.setFreeBytes(200 * Bytes.GiB));
        sim.free(b);
    }

    @Test
    void withoutStreamOrderedAllocation() {
        SimulatedRuntime sim = SimulatedRuntime.withoutStreamOrderedAllocation(Bytes.GiB, Bytes.GiB);
        try (DeviceStream s = sim.newStream()) {
            assertThrows(UnsupportedFeatureException.class, () -> sim.allocateAsync(8, s));
        }
    }
}
