package org.tornadobatch.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tornadobatch.memory.ElementType.FLOAT64;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.Bytes;
import org.tornadobatch.device.DeviceBuffer;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.UnsupportedFeatureException;
import org.tornadobatch.device.jvm.JvmRuntime;
import org.tornadobatch.device.simulated.SimulatedRuntime;

class AllocatorTest {
    private static final Map<String, ArrayRequest> BATCH = Map.of("state", ArrayRequest.of(FLOAT64, 3, 1000));

    @Test
    void aSecondIdenticalAllocationIsAPoolHit() {
        SimulatedRuntime device = SimulatedRuntime.of(Bytes.GiB, Bytes.GiB);
        try (MemoryManager mm = MemoryManager.builder(device).allocator(AllocatorKind.POOLED).build()) {
            TestOwner a = TestOwner.register(mm, "a", "solver");
            mm.queueRequest(a, BATCH);
            mm.allocateQueue(a);
            assertEquals(new PoolStats(24_000, 0, 0, 1), mm.poolStats());
            mm.freeAll(a);
            assertEquals(new PoolStats(0, 24_000, 0, 1), mm.poolStats());
            assertEquals(24_000, device.allocatedBytes(), "the pool keeps the block");
            mm.queueRequest(a, BATCH);
            mm.allocateQueue(a);
            assertEquals(new PoolStats(24_000, 0, 1, 1), mm.poolStats());
            assertEquals(1, device.allocationCount(), "served from the pool: no second device allocation");
            mm.freeAll(a);
            mm.trimPool();
            assertEquals(new PoolStats(0, 0, 1, 1), mm.poolStats());
            assertEquals(0, device.allocatedBytes());
        }
    }

    /**
     * Blocks of one size freed by two owners in turn: each owner's array gets its own block back, whichever was
     * freed first (first-freed-first-out alone would swap them, and tornadovm would build a new plan).
     */
    @Test
    void anArrayGetsBackTheBlockItHadLast() {
        SimulatedRuntime device = SimulatedRuntime.of(Bytes.GiB, Bytes.GiB);
        try (MemoryManager mm = MemoryManager.builder(device).allocator(AllocatorKind.POOLED).build()) {
            TestOwner a = TestOwner.register(mm, "a", "one");
            TestOwner b = TestOwner.register(mm, "b", "two");
            DeviceBuffer aHad = stateBlock(mm, a);
            DeviceBuffer bHad = stateBlock(mm, b);
            assertNotSame(aHad, bHad);
            mm.freeAll(a);
            mm.freeAll(b);
            assertSame(bHad, stateBlock(mm, b), "b first: the oldest cached block is a's");
            assertSame(aHad, stateBlock(mm, a));
            assertEquals(2, device.allocationCount(), "both from the pool");
            mm.freeAll(a);
            mm.freeAll(b);
        }
    }

    @Test
    void anotherArraysBlockIsTakenOnlyWhereTheDeviceHasNoRoom() {
        SimulatedRuntime roomy = SimulatedRuntime.of(Bytes.GiB, Bytes.GiB);
        try (MemoryManager mm = MemoryManager.builder(roomy).allocator(AllocatorKind.POOLED).build()) {
            TestOwner a = TestOwner.register(mm, "a", "one");
            TestOwner b = TestOwner.register(mm, "b", "two");
            stateBlock(mm, a);
            mm.freeAll(a);
            stateBlock(mm, b);
            assertEquals(2, roomy.allocationCount(), "a's cached block stays a's");
            mm.freeAll(b);
        }
        SimulatedRuntime tight = SimulatedRuntime.of(Bytes.GiB, 30_000);
        try (MemoryManager mm = MemoryManager.builder(tight).allocator(AllocatorKind.POOLED).build()) {
            TestOwner a = TestOwner.register(mm, "a", "one");
            TestOwner b = TestOwner.register(mm, "b", "two");
            DeviceBuffer aHad = stateBlock(mm, a);
            mm.freeAll(a);
            assertSame(aHad, stateBlock(mm, b), "no room for a second 24,000-byte block");
            assertEquals(1, tight.allocationCount());
            mm.freeAll(b);
        }
    }

    /** Allocates {@code o}'s {@link #BATCH} and returns its block. */
    private static DeviceBuffer stateBlock(MemoryManager mm, TestOwner o) {
        mm.queueRequest(o, BATCH);
        mm.allocateQueue(o);
        return o.last().get("state").device();
    }

    @Test
    void thePoolsCacheCountsAsAvailable() {
        SimulatedRuntime device = SimulatedRuntime.of(Bytes.GiB, 30_000);
        try (MemoryManager mm = MemoryManager.builder(device).allocator(AllocatorKind.POOLED).build()) {
            TestOwner a = TestOwner.register(mm, "a", "solver");
            mm.queueRequest(a, BATCH);
            mm.allocateQueue(a);
            mm.freeAll(a); // cached: the device shows only 6,000 free
            TestOwner b = TestOwner.register(mm, "b", "other");
            mm.queueRequest(b, Map.of("x", ArrayRequest.of(FLOAT64, 3500)));
            assertEquals(1, mm.allocateQueue(b).chunks(), "28,000 bytes fit in 6,000 free + 24,000 cached");
            mm.freeAll(b);
        }
    }

    @Test
    void switchingAllocatorInvalidatesEverythingAndRecreatesStreams() {
        SimulatedRuntime device = SimulatedRuntime.of(Bytes.GiB, Bytes.GiB);
        try (MemoryManager mm = MemoryManager.builder(device).build()) {
            TestOwner a = TestOwner.register(mm, "a", "solver");
            TestOwner b = TestOwner.register(mm, "b", "other");
            mm.queueRequest(a, BATCH);
            mm.allocateQueue(a);
            DeviceBuffer old = a.last().get("state").device();
            DeviceStream oldStream = mm.stream(a);
            mm.queueRequest(b, BATCH); // queued, not allocated: dropped by the switch
            mm.setAllocator(AllocatorKind.POOLED);
            assertEquals(AllocatorKind.POOLED, mm.allocator());
            assertEquals(1, a.invalidations);
            assertEquals(1, b.invalidations);
            assertFalse(old.isValid(), "the old allocator's buffer is gone");
            assertEquals(0, mm.allocatedBytes());
            assertEquals(0, device.allocatedBytes());
            assertNotSame(oldStream, mm.stream(a));
            assertThrows(IllegalStateException.class, () -> mm.allocateQueue(b), "queued requests were dropped");
            mm.setAllocator(AllocatorKind.POOLED);
            assertEquals(1, a.invalidations, "switching to the same allocator changes nothing");
        }
    }

    @Test
    void aRuntimeWithoutStreamOrderedAllocationSaysSoAndNothingChanges() {
        SimulatedRuntime device = SimulatedRuntime.withoutStreamOrderedAllocation(Bytes.GiB, Bytes.GiB);
        try (MemoryManager mm = MemoryManager.builder(device).build()) {
            TestOwner a = TestOwner.register(mm, "a", "solver");
            mm.queueRequest(a, BATCH);
            mm.allocateQueue(a);
            UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class, () -> mm.setAllocator(AllocatorKind.ASYNC));
            assertEquals("the simulated runtime does not offer stream-ordered allocation (the async allocator);"
                    + " choose the default or pooled allocator", e.getMessage());
            assertEquals(AllocatorKind.DEFAULT, mm.allocator());
            assertEquals(0, a.invalidations);
            assertEquals(24_000, mm.allocatedBytes(a));
            mm.freeAll(a);
        }
    }

    @Test
    void asyncOnTheJvmRuntimeFreesInStreamOrder() {
        try (JvmRuntime jvm = new JvmRuntime(64 * Bytes.MiB);
             MemoryManager mm = MemoryManager.builder(jvm).allocator(AllocatorKind.ASYNC).build()) {
            TestOwner a = TestOwner.register(mm, "a", "solver");
            mm.queueRequest(a, BATCH);
            mm.allocateQueue(a);
            assertEquals(24_000, jvm.allocatedBytes());
            mm.freeAll(a);
            mm.stream(a).synchronize();
            assertEquals(0, jvm.allocatedBytes(), "the free ran on the stream");
            assertTrue(mm.poolStats().misses() >= 1);
        }
    }

    @Test
    void allocatorNamesParseAsUsersWriteThem() {
        assertEquals(AllocatorKind.ASYNC, AllocatorKind.of(" Async "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AllocatorKind.of("cupy"));
        assertEquals("allocator: cupy (expected: default, pooled or async)", e.getMessage());
    }
}
