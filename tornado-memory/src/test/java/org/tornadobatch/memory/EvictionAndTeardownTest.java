package org.tornadobatch.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tornadobatch.memory.ElementType.FLOAT64;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tornadobatch.Bytes;
import org.tornadobatch.device.DeviceEvent;
import org.tornadobatch.device.simulated.SimulatedRuntime;

class EvictionAndTeardownTest {
    private static final Map<String, ArrayRequest> MB = Map.of("x", ArrayRequest.of(FLOAT64, 125_000)); // 1,000,000 B

    @Test
    void idleOwnersAreEvictedOldestFirstUntilTheRequestFits() {
        SimulatedRuntime device = SimulatedRuntime.of(Bytes.GiB, 3_500_000);
        try (MemoryManager mm = MemoryManager.builder(device).build()) {
            TestOwner old = TestOwner.register(mm, "old", "g1");
            TestOwner mid = TestOwner.register(mm, "mid", "g2");
            TestOwner young = TestOwner.register(mm, "young", "g3");
            for (TestOwner o : new TestOwner[] {old, mid, young}) {
                mm.queueRequest(o, MB);
                mm.allocateQueue(o);
            }
            TestOwner busy = TestOwner.register(mm, "busy", "g4");
            mm.queueRequest(busy, Map.of("y", ArrayRequest.of(FLOAT64, 50_000))); // 400,000 B
            mm.allocateQueue(busy);
            mm.beginWork(busy); // in flight: never evicted
            // 100,000 B free; a 1.5 MB request needs 1,400,001 more: the two oldest idle owners go.
            TestOwner req = TestOwner.register(mm, "req", "g5");
            mm.queueRequest(req, Map.of("z", ArrayRequest.of(FLOAT64, 187_500)));
            assertEquals(1, mm.allocateQueue(req).chunks());
            assertEquals(1, old.invalidations);
            assertEquals(1, mid.invalidations);
            assertEquals(0, young.invalidations);
            assertEquals(0, busy.invalidations);
            assertEquals(0, mm.allocatedBytes(old));
            assertEquals(1_000_000, mm.allocatedBytes(young));
            assertEquals(2, mm.evictions());
            // The evicted owner reallocates on its next solve.
            mm.endWork(busy, DeviceEvent.COMPLETE);
            mm.freeAll(req);
            mm.queueRequest(old, MB);
            mm.allocateQueue(old);
            assertEquals(1_000_000, mm.allocatedBytes(old));
            mm.freeAll(old);
            mm.freeAll(young);
            mm.freeAll(busy);
        }
    }

    @Test
    void noEvictionWhenTheCapIsWhatStandsInTheWay() {
        SimulatedRuntime device = SimulatedRuntime.of(10_000_000, 1_500_000);
        try (MemoryManager mm = MemoryManager.builder(device).build()) {
            TestOwner idle = TestOwner.register(mm, "idle", "g1");
            mm.queueRequest(idle, MB);
            mm.allocateQueue(idle);
            TestOwner capped = new TestOwner("capped");
            capped.registration = mm.register(capped, TestOwner.settings("capped").proportion(0.1).streamGroup("g2").build()); // 1 MB cap
            mm.queueRequest(capped, Map.of("z", ArrayRequest.of(FLOAT64, 3, 100_000))); // 2.4 MB: chunked, not evicting
            ChunkPlan plan = mm.allocateQueue(capped);
            assertTrue(plan.chunks() > 1);
            assertEquals(0, idle.invalidations);
            mm.freeAll(idle);
            mm.freeAll(capped);
        }
    }

    @Test
    void closeReportsLeaksByOwnerAndLabelAndFreesThem() {
        SimulatedRuntime device = SimulatedRuntime.of(Bytes.GiB, Bytes.GiB);
        MemoryManager mm = MemoryManager.builder(device).build();
        TestOwner a = TestOwner.register(mm, "solver-1", "solver");
        mm.queueRequest(a, Map.of("state", ArrayRequest.of(FLOAT64, 3, 100), "status", ArrayRequest.of(ElementType.INT32, 100)));
        mm.allocateQueue(a);
        mm.free(a, "status");
        MemoryLeakException e = assertThrows(MemoryLeakException.class, mm::close);
        assertEquals(1, e.leaks().size());
        assertEquals(new MemoryManager.Leak("solver-1", "state", 2400, MemoryKind.DEVICE), e.leaks().get(0));
        assertTrue(e.getMessage().contains("owner 'solver-1' label 'state' (2.3 KiB device)"), e.getMessage());
        assertEquals(0, device.allocatedBytes(), "the leak was freed");
        mm.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> mm.allocatedBytes(a));
    }

    @Test
    void aCollectedOwnerIsPurgedItsMemoryFreedAndThePoolRebalanced() throws InterruptedException {
        SimulatedRuntime device = SimulatedRuntime.of(Bytes.GiB, Bytes.GiB);
        try (MemoryManager mm = MemoryManager.builder(device).build()) {
            TestOwner keep = TestOwner.register(mm, "keep", "solver");
            registerAndAllocateThenDrop(mm);
            assertEquals(0.5, mm.proportion(keep), 1e-12);
            for (int i = 0; i < 100 && mm.purgedOwners() == 0; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertEquals(1, mm.purgedOwners(), "the registry did not keep the owner alive");
            assertEquals(1, mm.registeredOwners());
            assertEquals(1.0, mm.proportion(keep), 1e-12);
            assertEquals(0, device.allocatedBytes());
            assertEquals(1, mm.streamGroupMembers("solver").size());
        }
    }

    private static void registerAndAllocateThenDrop(MemoryManager mm) {
        TestOwner gone = TestOwner.register(mm, "gone", "solver");
        mm.queueRequest(gone, MB);
        mm.allocateQueue(gone);
    }

    /** An owner whose hooks capture it, as a natural lambda does; it keeps its registration as documented. */
    private static final class Capturing {
        final java.util.List<ArrayResponse> responses = new java.util.ArrayList<>();
        Registration registration;
        int invalidations;

        static void registerAllocateDrop(MemoryManager mm) {
            Capturing c = new Capturing();
            c.registration = mm.register(c, OwnerSettings.builder().name("capturing").streamGroup("solver")
                    .onAllocationReady((o, r) -> c.responses.add(r)) // captures c
                    .onInvalidate(o -> c.invalidations++)
                    .build());
            mm.queueRequest(c, MB);
            mm.allocateQueue(c);
            assertEquals(1, c.responses.size(), "its hook ran");
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "jvm runtime: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void anOwnerWhoseHooksCaptureItIsPurgedAllTheSame(boolean jvm) throws InterruptedException {
        // Issue 24: the hooks were held strongly, so a hook capturing its owner kept it (and its memory) for ever.
        org.tornadobatch.device.jvm.JvmRuntime jvmDevice = jvm ? new org.tornadobatch.device.jvm.JvmRuntime(Bytes.GiB, 1) : null;
        SimulatedRuntime simulated = jvm ? null : SimulatedRuntime.of(Bytes.GiB, Bytes.GiB);
        org.tornadobatch.device.DeviceRuntime rt = jvm ? jvmDevice : simulated;
        java.util.function.LongSupplier allocated = jvm ? jvmDevice::allocatedBytes : simulated::allocatedBytes;
        try (rt; MemoryManager mm = MemoryManager.builder(rt).build()) {
            TestOwner keep = TestOwner.register(mm, "keep", "solver");
            Capturing.registerAllocateDrop(mm);
            assertEquals(0.5, mm.proportion(keep), 1e-12);
            assertTrue(allocated.getAsLong() > 0);
            for (int i = 0; i < 100 && mm.purgedOwners() == 0; i++) {
                System.gc();
                Thread.sleep(20);
                mm.registeredOwners(); // any call purges what was collected
            }
            assertEquals(1, mm.purgedOwners(), "a hook that captures its owner kept it alive");
            assertEquals(1.0, mm.proportion(keep), 1e-12, "its share went back to the auto pool");
            assertEquals(0, allocated.getAsLong(), "its memory was freed");
        }
    }

    @Test
    void aRegistrationClosedUnregistersAndAnOwnerWithoutHooksNeedNotKeepIt() throws InterruptedException {
        SimulatedRuntime device = SimulatedRuntime.of(Bytes.GiB, Bytes.GiB);
        try (MemoryManager mm = MemoryManager.builder(device).build()) {
            TestOwner a = TestOwner.register(mm, "a", "solver");
            a.registration.close();
            assertTrue(!mm.isRegistered(a));
            a.registration.close(); // idempotent
            Object plain = new Object();
            mm.register(plain, OwnerSettings.builder().name("plain").build()); // handle dropped: no hooks to lose
            for (int i = 0; i < 5; i++) {
                System.gc();
            }
            mm.queueRequest(plain, MB);
            assertEquals(1, mm.allocateQueue(plain).chunks());
            assertTrue(mm.isRegistered(plain));
            mm.unregister(plain);
        }
    }
}
